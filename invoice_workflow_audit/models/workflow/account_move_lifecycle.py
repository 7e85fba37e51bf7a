# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from .invoice_lifecycle_event import CONNECTOR_GROUP
from .invoice_workflow_status import NO_STATUS
from .lifecycle_codes import LIFECYCLE_CODES

# The codes sent with an amount: paid (211) and cashed (212).
AMOUNT_CODES = ("211", "212")
ENCAISSEE = "212"


class AccountMove(models.Model):
    """The e-invoicing lifecycle on documents: statuses received from the
    platform, the events this company sends, the statuses that hold a document."""

    _inherit = "account.move"

    lifecycle_event_ids = fields.One2many(
        "invoice.lifecycle.event",
        "move_id",
        string="E-invoicing Events",
        readonly=True,
        # Who reads the events: the user profiles prepare drafts and do not.
        groups="account.group_account_invoice,account.group_account_readonly",
    )

    # ------------------------------------------------------------------
    # Received from the platform
    # ------------------------------------------------------------------

    def action_receive_lifecycle_status(
        self, code, reason=None, note=None, amount=None, date=None, event_ref=None
    ):
        """A platform connector reports that this document reached the
        lifecycle status ``code`` (e.g. "207"), with the ``reason`` code the
        other party gave, a ``note``, the ``amount`` paid or cashed, the
        ``date`` of the event and the platform's ``event_ref``.

        Moves the document into the status of that code whatever the users'
        transitions, logs it as received, and does nothing for an
        ``event_ref`` already received. Raises (changing nothing) for a user
        outside the connector group, a document of another company, an unknown
        code, a reason not of the status's list or a bad argument."""
        if not self.env.su and not self.env.user.has_group(CONNECTOR_GROUP):
            raise AccessError(
                self.env._(
                    "Only the e-invoicing platform connector reports statuses received from the platform."
                )
            )
        if len(self) != 1:
            raise UserError(self.env._("A lifecycle status is received for one document at a time."))
        if not self.env.su and self.company_id not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "%(document)s belongs to a company you do not work for.", document=self.display_name
                )
            )
        self.check_access("write")
        if not isinstance(code, str) or code not in dict(LIFECYCLE_CODES):
            raise UserError(
                self.env._(
                    "%(code)s is not an e-invoicing lifecycle code (200 to 213, 220).", code=str(code)[:20]
                )
            )
        for value, label in ((note, "note"), (event_ref, "event_ref")):
            if value not in (None, False) and not isinstance(value, str):
                raise UserError(self.env._("%(argument)s must be a text.", argument=label))
        if amount not in (None, False) and (isinstance(amount, bool) or not isinstance(amount, (int, float))):
            raise UserError(self.env._("The amount must be a number."))
        try:
            event_date = fields.Date.to_date(date) if date else fields.Date.context_today(self)
        except (TypeError, ValueError):
            raise UserError(self.env._("The date must be a date such as 2026-09-01.")) from None
        Event = self.env["invoice.lifecycle.event"]
        if event_ref and Event.sudo().search_count(
            [("move_id", "=", self.id), ("direction", "=", "incoming"), ("external_ref", "=", event_ref)]
        ):
            return False  # already received: the document changed once
        status = self._lifecycle_status(code)
        if not status:
            raise UserError(
                self.env._(
                    "No status of %(company)s stands for lifecycle code %(code)s on %(document)s: "
                    "load the e-invoicing lifecycle in Settings.",
                    company=self.company_id.name,
                    code=code,
                    document=self.display_name,
                )
            )
        reason = self._workflow_reason_argument(reason, status)
        note = (note or "").strip()
        if status != self.workflow_status_id:
            self._check_workflow_target(status)
            self._check_workflow_accounting_action(status)
            self._set_workflow_status(status, note, reason, origin="received", event_ref=event_ref)
        else:
            self.env["invoice.activity.log"]._log_action(
                self,
                "status_received",
                lambda env: env._(
                    "Status received again: %(status)s. Event reference: %(ref)s",
                    status=status.with_env(env).display_name,
                    ref=event_ref or "-",
                ),
                chatter_body=self._workflow_status_change_body(note, reason, "received", event_ref),
            )
        events = Event._queue(
            self,
            code,
            reason=reason,
            comment=note,
            amounts={self.id: amount or 0.0},
            direction="incoming",
            ref=event_ref,
        )
        events.sudo()._write_protected({"date": event_date})
        return True

    def _lifecycle_side(self):
        self.ensure_one()
        return "customer" if self.is_sale_document(include_receipts=True) else "vendor"

    def _lifecycle_status(self, code):
        """The status of lifecycle ``code`` for this document: its company's, else a shared one."""
        self.ensure_one()
        statuses = (
            self.env["invoice.workflow.status"]
            .sudo()
            .search(
                [
                    ("lifecycle_code", "=", code),
                    ("lifecycle_side", "=", self._lifecycle_side()),
                    ("company_id", "in", (self.company_id.id, False)),
                ],
                order="company_id, sequence, id",
            )
        )
        own = statuses.filtered(lambda status: status.company_id == self.company_id)
        return (own or statuses)[:1].with_env(self.env)

    # ------------------------------------------------------------------
    # Sent to the platform
    # ------------------------------------------------------------------

    def _workflow_status_entered(self, status, comment, reason, origin):
        super()._workflow_status_entered(status, comment, reason, origin)
        facts = status._status_facts().get(status.id, NO_STATUS)
        if origin == "received" or not facts.lifecycle_code or facts.lifecycle_received:
            return
        amounts = {}
        if status.lifecycle_code in AMOUNT_CODES:
            amounts = {move.id: move.amount_total for move in self}
        self.env["invoice.lifecycle.event"]._queue(
            self, status.lifecycle_code, reason=reason, comment=comment, amounts=amounts
        )

    def _lifecycle_mark_cashed(self):
        """Customer invoices fully paid: into the company's Encaissée status
        (212), queued with the amount cashed, where the lifecycle is loaded."""
        for move in self:
            if (
                not move.is_sale_document(include_receipts=True)
                or move.payment_state not in ("paid", "in_payment")
                or move.workflow_status_id.lifecycle_code == ENCAISSEE
                or move.workflow_status_group != "paid"
            ):
                continue
            status = move._lifecycle_status(ENCAISSEE)
            if status and status in move.workflow_status_id.next_status_ids:
                move._set_workflow_status(
                    status, None, self.env["invoice.lifecycle.reason"], origin="automatic"
                )

    # ------------------------------------------------------------------
    # Statuses that hold a document
    # ------------------------------------------------------------------

    def _check_lifecycle_hold(self, hold):
        """Refuse the action ``hold`` (payment, posting, sending) on documents
        whose status holds it."""
        # Asked at every posting, payment and sending: the statuses' holds
        # come from the registry's cache.
        facts = self.env["invoice.workflow.status"]._status_facts()
        for move in self:
            status = move.workflow_status_id
            if not getattr(facts.get(status.id, NO_STATUS), hold):
                continue
            names = {"document": move.display_name, "status": status.display_name}
            if hold == "hold_payment":
                message = self.env._(
                    "%(document)s is %(status)s: payments are held until it leaves this status.", **names
                )
            elif hold == "hold_posting":
                message = self.env._(
                    "%(document)s is %(status)s: posting is held until it leaves this status.", **names
                )
            else:
                message = self.env._(
                    "%(document)s is %(status)s: sending is held until it leaves this status.", **names
                )
            raise UserError(message)

    def action_register_payment(self):
        self._check_lifecycle_hold("hold_payment")
        return super().action_register_payment()

    def _post(self, soft=True):
        self._check_lifecycle_hold("hold_posting")
        return super()._post(soft=soft)
