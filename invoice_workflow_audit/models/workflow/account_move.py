# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from contextlib import contextmanager

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..common import (
    SETTLED_PAYMENT_STATES,
    STATUS_BEFORE_KEY,
    STATUS_GROUPS,
    STATUS_SET_KEY,
    describe_change,
)
from .invoice_workflow_status import NO_STATUS
from .lifecycle_codes import COMPLETED_CODE, FINAL_CODES, REASON_REQUIRED_CODES, SUSPENDED_CODE

# Kept by the workflow itself: users read them, never write them.
WORKFLOW_PROTECTED_FIELDS = (
    "workflow_status_date",
    "workflow_status_deadline",
    "workflow_overdue_notified",
    "workflow_escalation_deadline",
    "workflow_escalation_notified",
    "workflow_status_reason_id",
    "workflow_overdue_notice_date",
    "workflow_escalation_notice_date",
)
# The fields a change of status writes: the workflow records their changes
# itself (_record_status_change), the history's mixin leaves them out.
STATUS_FIELDS = ("workflow_status_id", "workflow_status_date", "workflow_status_reason_id")


class AccountMove(models.Model):
    """The workflow layer of account.move: the status of each invoice, kept
    true to its accounting state, and the one way to change it by hand."""

    _name = "account.move"
    _inherit = ["account.move", "invoice.protected.fields.mixin"]

    workflow_status_id = fields.Many2one(
        "invoice.workflow.status",
        compute="_compute_workflow_status_id",
        store=True,
        readonly=False,
        copy=False,
        index=True,
        tracking=True,
        check_company=True,
        ondelete="restrict",
        group_expand="_read_group_expand_workflow_status_id",
    )
    # The group of the status, for filters, grouping and colours. Computed
    # from the registry's cache of the statuses (_status_facts) rather than
    # related: a related field reads the status from the database in every
    # transaction that touches the document's amounts or state.
    workflow_status_group = fields.Selection(
        STATUS_GROUPS,
        compute="_compute_workflow_status_group",
        store=True,
        help="Decides the colour of the status and its accounting meaning: "
        "New = draft, In progress = posted and not paid, Paid = fully paid, "
        "Cancelled = cancelled. Posting, payment, cancellation and reset to draft "
        "move a document to the first status of the matching group.",
    )
    workflow_status_date = fields.Datetime(
        string="In Status Since",
        compute="_compute_workflow_status_id",
        store=True,
        readonly=False,
        copy=False,
    )

    workflow_status_reason_id = fields.Many2one(
        "invoice.lifecycle.reason",
        string="Status Reason",
        compute="_compute_workflow_status_id",
        store=True,
        readonly=False,
        copy=False,
        tracking=True,
        ondelete="restrict",
        help="Why the document entered its current e-invoicing lifecycle status.",
    )

    def init(self):
        result = super().init()
        # Invoice lists filter on type and company; with a status restricted to
        # some groups, the record rule adds the status. This index answers the
        # whole filter, counts included, without reading the table.
        tools.create_index(
            self.env.cr,
            "account_move_workflow_list_index",
            self._table,
            ["move_type", "company_id", "workflow_status_id"],
        )
        return result

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    def _is_workflow_document(self):
        self.ensure_one()
        return self.is_invoice()

    def _workflow_accounting_group(self):
        """The status group that matches the accounting state of the document."""
        self.ensure_one()
        if self.state == "draft":
            return "new"
        if self.state == "cancel":
            return "cancelled"
        if self.payment_state in SETTLED_PAYMENT_STATES:
            return "paid"
        return "in_progress"

    @api.depends("state", "payment_state", "move_type", "company_id")
    def _compute_workflow_status_id(self):
        """Keep the status true to the accounting state: posting, full payment,
        removal of that payment, cancelling and resetting to draft move the
        document to the first status of the matching group, unless its current
        status already belongs to that group.

        Only the status, its date and its reason are computed here: the change
        is recorded when it is written (``_write_multi``), and what follows
        from the status date (the notices of its time limit) is computed from
        it, so that computing a status on a form or in memory records nothing."""
        now = fields.Datetime.now()
        Status = self.env["invoice.workflow.status"]
        # The statuses are read from the registry's cache, not from the
        # database: this runs at every posting, payment and edit of an amount.
        facts = Status._status_facts()
        stashed = self.env.cr.precommit.data.setdefault(STATUS_BEFORE_KEY, {})
        for move in self:
            status_id = move.workflow_status_id.id
            if not move._is_workflow_document():
                status_id = False
            else:
                group = move._workflow_accounting_group()
                company_id = move.company_id.id
                current = facts.get(status_id, NO_STATUS)
                if current.group != group or current.company_id not in (company_id, False):
                    status_id = Status._automatic_status_ids(company_id).get(group, False)
            if status_id != move.workflow_status_id.id:
                if isinstance(move.id, int):
                    # What the database holds, for _write_multi to record the change from.
                    before_ids = (move.workflow_status_id.id, move.workflow_status_reason_id.id)
                    stashed.setdefault(move.id, before_ids)
                move.workflow_status_id = status_id
                move.workflow_status_date = now
                move.workflow_status_reason_id = False
            elif status_id and not move.workflow_status_date:
                # A status given at creation starts its stay now. Otherwise
                # nothing is assigned: an unchanged value would still be
                # marked to write (an UPDATE for nothing).
                move.workflow_status_date = now

    @api.depends("workflow_status_id.group")
    def _compute_workflow_status_group(self):
        facts = self.env["invoice.workflow.status"]._status_facts()
        for move in self:
            move.workflow_status_group = facts.get(move.workflow_status_id.id, NO_STATUS).group

    @api.model
    @tools.ormcache()
    def _activity_log_fields(self):
        # The workflow records its changes of status itself, with their origin
        # (_record_status_change): the history's mixin leaves them out.
        return super()._activity_log_fields() - set(STATUS_FIELDS)

    def _read_group_expand_workflow_status_id(self, statuses, domain):
        # Every status whose documents the user may see shows as a kanban
        # column, even empty.
        return statuses.search([("id", "not in", statuses._get_hidden_status_ids())], order=statuses._order)

    # ------------------------------------------------------------------
    # CRUD guards: a status set through create/write (kanban drag and drop,
    # import, RPC) follows the same rules as the "Change status" action.
    # ------------------------------------------------------------------

    @api.model
    def _protected_fields(self):
        # Checked once in create and write by invoice.protected.fields.mixin;
        # each capability adds its own.
        return (*super()._protected_fields(), *WORKFLOW_PROTECTED_FIELDS)

    @api.model_create_multi
    def create(self, vals_list):
        explicit = [bool(vals.get("workflow_status_id")) for vals in vals_list]
        moves = super().create(vals_list)
        if any(explicit):
            given = self.browse(
                [move.id for move, is_explicit in zip(moves, explicit, strict=True) if is_explicit]
            )
            if not self._is_protected_write():
                for move in given:
                    move._check_workflow_status_on_create()
            # A status computed at creation is recorded when it is written
            # (_write_multi); one given is in the table already.
            empty = (self.env["invoice.workflow.status"], self.env["invoice.lifecycle.reason"])
            given.with_env(self.env)._record_status_change(dict.fromkeys(given.ids, empty), "automatic")
        return moves

    def _check_workflow_status_on_create(self):
        self.ensure_one()
        status = self.workflow_status_id
        if not self._is_workflow_document():
            raise UserError(
                self.env._("Only invoices, credit notes, bills and refunds have a workflow status.")
            )
        if status.group != self._workflow_accounting_group():
            raise UserError(
                self.env._(
                    "A new document cannot start in status %(status)s: it must start in a "
                    "status of the group %(group)s.",
                    status=status.display_name,
                    group=dict(STATUS_GROUPS)[self._workflow_accounting_group()],
                )
            )
        if not status._is_available_to_user():
            raise UserError(
                self.env._(
                    "You are not allowed to put documents in status %(status)s.", status=status.display_name
                )
            )

    def write(self, vals):
        # The status set through write (kanban drag and drop, import, RPC)
        # goes through action_set_workflow_status, whose own write is the
        # private path.
        if "workflow_status_id" not in vals or self._is_protected_write():
            return super().write(vals)
        vals = dict(vals)
        status = self.env["invoice.workflow.status"].browse(
            self._workflow_status_id_argument(vals.pop("workflow_status_id"))
        )
        result = super().write(vals) if vals else True
        # Writing the status a document already has changes nothing (imports).
        self.filtered(lambda move: move.workflow_status_id != status).action_set_workflow_status(status)
        return result

    # ------------------------------------------------------------------
    # The one way to change a status by hand
    # ------------------------------------------------------------------

    def action_set_workflow_status(self, status, comment=None, reason=None):
        """Move the documents into ``status``, with an optional ``comment``
        and, for the e-invoicing lifecycle statuses that need one, a
        ``reason`` (an ``invoice.lifecycle.reason`` or its code).

        Performs the accounting action the status group implies (posting for
        In progress, reset to draft for New, cancellation for Cancelled), posts
        the change and the comment in the chatter, and raises ``UserError``
        changing nothing when the transition is not allowed, the comment is
        required and missing, the reason is missing or not of the status's
        list, or the user's groups may not use the status.
        """
        # The checks run as the user acting on the documents, whoever browsed the status.
        status = self.env["invoice.workflow.status"].browse(self._workflow_status_id_argument(status))
        if comment not in (None, False) and not isinstance(comment, str):
            raise UserError(self.env._("The comment must be a text."))
        comment = (comment or "").strip()
        if not status:
            raise UserError(self.env._("Choose the status to move the documents to."))
        status = status.exists()
        if not status:
            raise UserError(self.env._("The chosen status no longer exists."))
        reason = self._workflow_reason_argument(reason, status)
        for move in self:
            move._check_workflow_transition(status, comment, reason)
        self._set_workflow_status(status, comment, reason)
        return True

    def _set_workflow_status(self, status, comment, reason, origin="manual", event_ref=None):
        """Move the documents into ``status``, checks done: by hand
        (``origin`` "manual"), received from the platform ("received", with
        the platform's ``event_ref``) or by a rule of the workflow
        ("automatic", a full payment marking an invoice cashed). All or
        nothing: an accounting action refused by Odoo on one document leaves
        every document as it was.

        The accounting action passes through the status of its group (posting
        through the first In progress status): the change is recorded once,
        from the status before to ``status``."""
        with self.env.cr.savepoint():
            # A change an accounting event made and not yet written is its own.
            self.flush_recordset(STATUS_FIELDS)
            before = {move.id: (move.workflow_status_id, move.workflow_status_reason_id) for move in self}
            with self._workflow_setting_status():
                for move in self:
                    move._apply_workflow_accounting_action(status)
                self._write_protected(
                    {
                        "workflow_status_id": status.id,
                        "workflow_status_date": fields.Datetime.now(),
                        "workflow_status_reason_id": reason.id,
                    }
                )
                self.flush_recordset(STATUS_FIELDS)
            self._record_status_change(before, origin, comment=comment, reason=reason, event_ref=event_ref)

    @contextmanager
    def _workflow_setting_status(self):
        """While the workflow writes the status of these documents itself, the
        flush path leaves the recording of their change to it."""
        setting = self.env.cr.precommit.data.setdefault(STATUS_SET_KEY, set())
        added = set(self.ids) - setting
        setting |= added
        try:
            yield
        finally:
            setting -= added

    def _write_multi(self, vals_list):
        # Where every stored status reaches the database: a status computed
        # from the accounting state (posting, payment, cancellation, reset,
        # creation) is recorded here, once written, not in its compute.
        setting = self.env.cr.precommit.data.get(STATUS_SET_KEY, ())
        written = [
            record.id
            for record, vals in zip(self, vals_list, strict=True)
            if "workflow_status_id" in vals and record.id not in setting
        ]
        # The changes computed in this transaction carry the status the
        # database held (stashed by _compute_workflow_status_id); only the
        # others (a status written by other code) are read back.
        stashed = self.env.cr.precommit.data.get(STATUS_BEFORE_KEY, {})
        stored = {}
        for record, vals in zip(self, vals_list, strict=True):
            if "workflow_status_id" in vals and record.id in stashed:
                before_ids = stashed.pop(record.id)
                if record.id not in setting:
                    stored[record.id] = before_ids
        if not written:
            return super()._write_multi(vals_list)
        if unread := [move_id for move_id in written if move_id not in stored]:
            self.env.cr.execute(
                SQL(
                    "SELECT id, workflow_status_id, workflow_status_reason_id"
                    " FROM account_move WHERE id IN %s",
                    tuple(unread),
                )
            )
            stored.update(
                (move_id, (status_id, reason_id)) for move_id, status_id, reason_id in self.env.cr.fetchall()
            )
        result = super()._write_multi(vals_list)
        Status = self.env["invoice.workflow.status"]
        Reason = self.env["invoice.lifecycle.reason"]
        before = {
            move_id: (Status.browse(status_id), Reason.browse(reason_id))
            for move_id, (status_id, reason_id) in stored.items()
        }
        moved = self.browse(written).filtered(lambda move: move.workflow_status_id != before[move.id][0])
        if moved:
            # Whoever's request writes pending values (a portal page that
            # searches, say) records them, as the status was computed: in
            # superuser mode, under the acting user's name.
            moved.sudo()._record_status_change(before, "automatic")
        return result

    def _record_status_change(self, before, origin, comment=None, reason=None, event_ref=None):
        """The one place that records a change of status, whatever moved the
        documents: by hand (``origin`` "manual", with the user's ``comment``
        and ``reason``), received from the platform ("received", with its
        ``event_ref``) or an accounting event or a rule of the workflow
        ("automatic"). ``before`` maps each document's id to its status and
        reason before the change; the documents hold the new ones.

        Opens the document's period in its new status (the time-in-status
        report), tells the chatter (the tracking of the status, with the body
        of this origin) and the history (one row per document), and calls the
        hook of the status entered. A document that had no status (created)
        only opens its first period: its creation is logged as such."""
        self._workflow_record_status_periods()
        changed = self.filtered(lambda move: before[move.id][0])
        if not changed:
            return
        received = origin == "received"
        if origin != "automatic":
            # The tracking of the status, written at commit, carries this body.
            changed._track_set_log_message(
                changed._workflow_status_change_body(comment, reason, origin, event_ref)
            )

        def describe(env):
            # The history's detail is written in each company's language.
            descriptions = {}
            for move in changed.with_env(env):
                old_status, old_reason = (record.with_env(env) for record in before[move.id])
                new_reason = move.workflow_status_reason_id
                lines = [describe_change(move, "workflow_status_id", old_status, move.workflow_status_id)]
                if new_reason or old_reason:
                    lines.append(describe_change(move, "workflow_status_reason_id", old_reason, new_reason))
                if received:
                    lines.append(env._("Event reference: %(ref)s", ref=event_ref or "-"))
                if comment:
                    lines.append(env._("Comment: %(comment)s", comment=comment))
                descriptions[move.id] = "\n".join(lines)
            return descriptions

        # Odoo tracks nothing on a document created in this transaction: a note
        # tells the chatter what the history tells.
        discarded = changed._activity_log_tracking_discarded()
        self.env["invoice.activity.log"]._log_action(
            changed,
            "status_received" if received else "status_changed",
            describe,
            chatter_body=discarded._activity_log_untracked_bodies(describe(self.env)) if discarded else None,
        )
        for status in changed.workflow_status_id:
            changed.filtered(
                lambda move, status=status: move.workflow_status_id == status
            )._workflow_status_entered(status, comment, reason, origin)

    def _workflow_status_entered(self, status, comment, reason, origin):
        """Hook: the documents just entered ``status``, moved by ``origin``
        ("manual", "received" or "automatic"; the lifecycle queues the events
        this company sends)."""

    @api.model
    def _workflow_reason_argument(self, reason, status):
        """The reason a caller (RPC included) passed for ``status``: an
        ``invoice.lifecycle.reason`` record or its code. Refused, in the
        user's language, when required and missing or not of the status's list."""
        Reason = self.env["invoice.lifecycle.reason"]
        if isinstance(reason, models.BaseModel):
            if reason._name != "invoice.lifecycle.reason" or len(reason) > 1:
                raise UserError(self.env._("Choose one reason code."))
            reason = reason.exists()
        elif reason in (None, False, ""):
            reason = Reason
        elif isinstance(reason, str):
            code = reason.strip()
            reason = Reason.search(
                [("lifecycle_code", "=", status.lifecycle_code or False), ("code", "=", code)], limit=1
            )
            if not reason:
                raise UserError(
                    self.env._(
                        "%(reason)s is not a reason code of status %(status)s.",
                        reason=code,
                        status=status.display_name,
                    )
                )
        else:
            raise UserError(self.env._("The reason must be a reason code, such as TX_TVA_ERR."))
        if reason and reason.lifecycle_code != status.lifecycle_code:
            raise UserError(
                self.env._(
                    "%(reason)s is not a reason code of status %(status)s: it belongs to the list of "
                    "lifecycle code %(code)s.",
                    reason=reason.display_name,
                    status=status.display_name,
                    code=reason.lifecycle_code,
                )
            )
        if not reason and status.lifecycle_code in REASON_REQUIRED_CODES:
            raise UserError(
                self.env._(
                    "Moving documents into status %(status)s requires a reason code from its list.",
                    status=status.display_name,
                )
            )
        return reason

    @api.model
    def _workflow_status_id_argument(self, status):
        """The id of the status a caller (RPC included) passed: a status
        record, or an id. Anything else is refused in the user's language
        rather than with a database or Python error."""
        if isinstance(status, models.BaseModel):
            if status._name != "invoice.workflow.status" or len(status) > 1:
                raise UserError(self.env._("Choose one status to move the documents to."))
            return status.id
        if status in (None, False):
            return False
        # bool is an int: True is no status id. Ids are PostgreSQL integers.
        if isinstance(status, bool) or not isinstance(status, int) or not 0 < status < 2**31:
            raise UserError(self.env._("Choose one status to move the documents to."))
        return status

    def _workflow_status_change_body(self, comment, reason=None, origin="manual", event_ref=None):
        """The chatter's body of a change of status moved by ``origin``."""
        if origin == "received":
            body = Markup("<p>%s</p>") % self.env._(
                "Status received from the e-invoicing platform (event %(ref)s).", ref=event_ref or "-"
            )
        elif origin == "automatic":
            body = Markup("<p>%s</p>") % self.env._(
                "Status changed automatically: the document is now %(meaning)s.",
                meaning=self._workflow_accounting_meaning(),
            )
        elif comment:
            body = Markup("<p>%s</p><p>%s</p>") % (self.env._("Status changed by hand. Comment:"), comment)
        else:
            body = Markup("<p>%s</p>") % self.env._("Status changed by hand.")
        if reason:
            body += Markup("<p>%s</p>") % self.env._("Reason: %(reason)s", reason=reason.display_name)
        if origin != "manual" and comment:
            body += Markup("<p>%s</p>") % comment
        return body

    def _check_workflow_transition(self, status, comment, reason=None):
        """Raise UserError when this document may not move into ``status``."""
        self.ensure_one()
        current = self.workflow_status_id
        name = self.display_name
        self._check_workflow_target(status)
        if status.lifecycle_received:
            raise UserError(
                self.env._(
                    "Status %(status)s is set by the e-invoicing platform or by the other party: "
                    "documents enter it when the platform reports it, not by hand.",
                    status=status.display_name,
                )
            )
        if status.lifecycle_code == COMPLETED_CODE and current.lifecycle_code != SUSPENDED_CODE:
            raise UserError(
                self.env._(
                    "%(document)s cannot be put in status %(status)s: only a suspended document "
                    "(Suspendue, 208) is completed.",
                    document=name,
                    status=status.display_name,
                )
            )
        if current and status not in current.next_status_ids:
            allowed = ", ".join(current.next_status_ids.mapped("display_name")) or self.env._("none")
            raise UserError(
                self.env._(
                    "%(document)s cannot move from %(current)s to %(status)s. "
                    "Allowed next statuses: %(allowed)s.",
                    document=name,
                    current=current.display_name,
                    status=status.display_name,
                    allowed=allowed,
                )
            )
        # Server code (superuser mode: scheduled and automated actions, sudo())
        # routes a document anywhere, as Odoo's own group checks allow it.
        if not self.env.su and not status._is_available_to_user():
            raise UserError(
                self.env._(
                    "You are not allowed to move documents into status %(status)s: it is reserved "
                    "to the groups %(groups)s.",
                    status=status.display_name,
                    groups=", ".join(status.group_ids.mapped("full_name")),
                )
            )
        if status.require_comment and not comment:
            raise UserError(
                self.env._(
                    "Moving %(document)s into status %(status)s requires a comment.",
                    document=name,
                    status=status.display_name,
                )
            )
        self._check_workflow_accounting_action(status)

    def _check_workflow_target(self, status):
        """The checks every way into ``status`` passes (by hand or received):
        a document with a status, of the status's company and side, not
        already in it, not in a final lifecycle status."""
        self.ensure_one()
        current = self.workflow_status_id
        name = self.display_name
        if not self._is_workflow_document():
            raise UserError(
                self.env._(
                    "%(document)s has no workflow status: only invoices, credit notes, bills "
                    "and refunds have one.",
                    document=name,
                )
            )
        if status.company_id and status.company_id != self.company_id:
            raise UserError(
                self.env._(
                    "Status %(status)s belongs to company %(company)s, not to the company of %(document)s.",
                    status=status.display_name,
                    company=status.company_id.name,
                    document=name,
                )
            )
        if not status._is_available_to_document(self):
            raise UserError(
                self.env._(
                    "Status %(status)s is a lifecycle status of the %(side)s: "
                    "%(document)s is not one of them.",
                    status=status.display_name,
                    side=dict(status._fields["lifecycle_side"]._description_selection(self.env))[
                        status.lifecycle_side
                    ].lower(),
                    document=name,
                )
            )
        if status == current:
            raise UserError(
                self.env._(
                    "%(document)s is already in status %(status)s.", document=name, status=status.display_name
                )
            )
        if current.lifecycle_code in FINAL_CODES:
            raise UserError(
                self.env._(
                    "%(document)s is in status %(status)s, which is final: a corrected invoice "
                    "is a new document.",
                    document=name,
                    status=current.display_name,
                )
            )

    def _check_workflow_accounting_action(self, status):
        """Refuse the moves whose accounting meaning Odoo cannot give the document."""
        self.ensure_one()
        source = self._workflow_accounting_group()
        target = status.group
        if source == target:
            return
        name = self.display_name
        if target == "paid":
            raise UserError(
                self.env._(
                    "%(document)s is not fully paid: it cannot be put in status %(status)s. "
                    "Register its payment; it then moves to a Paid status by itself.",
                    document=name,
                    status=status.display_name,
                )
            )
        if source == "paid":
            raise UserError(
                self.env._(
                    "%(document)s is paid: it cannot be put in status %(status)s. Remove its payments first.",
                    document=name,
                    status=status.display_name,
                )
            )
        if target == "in_progress" and source != "new":
            raise UserError(
                self.env._(
                    "%(document)s is cancelled: reset it to draft before putting it in status %(status)s.",
                    document=name,
                    status=status.display_name,
                )
            )

    def _apply_workflow_accounting_action(self, status):
        """Give the document the accounting state the status group means."""
        self.ensure_one()
        source = self._workflow_accounting_group()
        target = status.group
        if source == target:
            return
        try:
            if target == "new":
                self.button_draft()
            elif target == "in_progress":
                self.action_post()
            elif target == "cancelled":
                self.button_cancel()
        except UserError as error:
            raise UserError(
                self.env._(
                    "%(document)s cannot be put in status %(status)s: %(reason)s",
                    document=self.display_name,
                    status=status.display_name,
                    reason=error.args[0],
                )
            ) from error
        if self._workflow_accounting_group() != target:
            raise UserError(
                self.env._(
                    "%(document)s cannot be put in status %(status)s: Odoo did not give it the "
                    "matching accounting state.",
                    document=self.display_name,
                    status=status.display_name,
                )
            )

    # ------------------------------------------------------------------
    # Chatter
    # ------------------------------------------------------------------

    def _track_get_default_log_message(self, tracked_fields):
        # A status change nobody asked for by hand comes from an accounting event.
        if "workflow_status_id" in tracked_fields and self.workflow_status_id:
            return self._workflow_status_change_body(None, origin="automatic")
        return super()._track_get_default_log_message(tracked_fields)

    def _workflow_accounting_meaning(self):
        return {
            "new": self.env._("a draft"),
            "in_progress": self.env._("posted and not fully paid"),
            "paid": self.env._("fully paid"),
            "cancelled": self.env._("cancelled"),
        }[self._workflow_accounting_group()]

    def action_open_workflow_status_change(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Change Status"),
            "res_model": "invoice.workflow.status.change",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"active_model": "account.move", "active_ids": self.ids},
        }
