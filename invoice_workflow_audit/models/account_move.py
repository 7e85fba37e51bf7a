# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError

from .invoice_workflow_status import STATUS_GROUPS

# Documents that carry a workflow status: customer invoices and credit notes,
# vendor bills and refunds.
WORKFLOW_MOVE_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")

# Payment states that leave nothing to pay: the "Paid" group.
SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed", "invoicing_legacy")

# Counter, first date and last date of each kind of stamped action.
AUDIT_STAMP_FIELDS = {
    "print": ("audit_print_count", "audit_first_printed_date", "audit_last_printed_date"),
    "send": ("audit_send_count", "audit_first_sent_date", "audit_last_sent_date"),
}

# Context key set by action_set_workflow_status once its checks passed, so that
# write() lets the status through instead of checking it again.
CHECKED_KEY = "invoice_workflow_status_checked"


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "invoice.activity.log.mixin"]

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
        domain="[('company_id', 'in', [company_id, False])]",
    )
    workflow_status_group = fields.Selection(
        string="Workflow Status Group",
        related="workflow_status_id.group",
        store=True,
    )
    workflow_status_date = fields.Datetime(
        string="In Status Since",
        compute="_compute_workflow_status_id",
        store=True,
        readonly=False,
        copy=False,
    )
    workflow_status_deadline = fields.Datetime(
        string="Status Period",
        compute="_compute_workflow_status_deadline",
        store=True,
        index="btree_not_null",
        copy=False,
        help="When the time limit of the current status expires.",
    )
    workflow_status_overdue = fields.Boolean(
        string="Status Overdue",
        compute="_compute_workflow_status_overdue",
        search="_search_workflow_status_overdue",
        help="The document stayed in its status longer than the status allows.",
    )
    workflow_overdue_notified = fields.Boolean(
        copy=False,
        help="Technical: the responsible got the to-do activity for the current overdue status.",
    )

    # Fields that matter for the story of a document, tracked in its chatter
    # (and so in the activity history) on top of what account tracks (partner,
    # reference, currency, untaxed amount, state...). Not amount_total: its
    # tracking would add a message to every edit of a journal entry's lines.
    invoice_date = fields.Date(tracking=True)
    invoice_date_due = fields.Date(tracking=True)
    invoice_payment_term_id = fields.Many2one(tracking=True)
    journal_id = fields.Many2one(tracking=True)

    # Above the chatter: when the document was printed and sent.
    audit_print_count = fields.Integer(string="Times Printed", copy=False, readonly=True)
    audit_first_printed_date = fields.Datetime(string="First Printed On", copy=False, readonly=True)
    audit_last_printed_date = fields.Datetime(string="Last Printed On", copy=False, readonly=True)
    audit_send_count = fields.Integer(string="Times Sent", copy=False, readonly=True)
    audit_first_sent_date = fields.Datetime(string="First Sent On", copy=False, readonly=True)
    audit_last_sent_date = fields.Datetime(string="Last Sent On", copy=False, readonly=True)
    can_send_payment_reminder = fields.Boolean(compute="_compute_can_send_payment_reminder")

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
        return self.move_type in WORKFLOW_MOVE_TYPES

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
        status already belongs to that group."""
        now = fields.Datetime.now()
        first_statuses = {}
        for move in self:
            status = move.workflow_status_id
            if not move._is_workflow_document():
                status = status.browse()
            else:
                group = move._workflow_accounting_group()
                company = move.company_id
                if status.group != group or status.company_id not in (company, status.company_id.browse()):
                    key = (group, company.id)
                    if key not in first_statuses:
                        first_statuses[key] = status._get_first_status(group, company)
                    status = first_statuses[key]
            if status != move.workflow_status_id:
                move.workflow_status_id = status
                move.workflow_status_date = now
                move.workflow_overdue_notified = False
            else:
                move.workflow_status_id = move.workflow_status_id
                move.workflow_status_date = move.workflow_status_date

    @api.depends("workflow_status_date", "workflow_status_id.time_limit_hours")
    def _compute_workflow_status_deadline(self):
        for move in self:
            hours = move.workflow_status_id.time_limit_hours
            if hours and move.workflow_status_date:
                move.workflow_status_deadline = move.workflow_status_date + timedelta(hours=hours)
            else:
                move.workflow_status_deadline = False

    @api.depends("workflow_status_deadline")
    def _compute_workflow_status_overdue(self):
        now = fields.Datetime.now()
        for move in self:
            move.workflow_status_overdue = (
                bool(move.workflow_status_deadline) and move.workflow_status_deadline < now
            )

    def _search_workflow_status_overdue(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(
                self.env._("Unsupported search on Status Overdue: %(operator)s", operator=operator)
            )
        overdue = (operator == "=") == bool(value)
        now = fields.Datetime.now()
        if overdue:
            return [("workflow_status_deadline", "<", now)]
        return ["|", ("workflow_status_deadline", "=", False), ("workflow_status_deadline", ">=", now)]

    @api.model
    def _read_group_expand_workflow_status_id(self, statuses, domain):
        # Every status whose documents the user may see shows as a kanban
        # column, even empty.
        return statuses.search([("id", "not in", statuses._get_hidden_status_ids())], order=statuses._order)

    # ------------------------------------------------------------------
    # CRUD guards: a status set through create/write (kanban drag and drop,
    # import, RPC) follows the same rules as the "Change status" action.
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        explicit = [bool(vals.get("workflow_status_id")) for vals in vals_list]
        moves = super().create(vals_list)
        if any(explicit) and not self.env.context.get(CHECKED_KEY):
            for move, is_explicit in zip(moves, explicit, strict=True):
                if is_explicit:
                    move._check_workflow_status_on_create()
        documents = moves.filtered(lambda move: move.move_type in WORKFLOW_MOVE_TYPES)
        if documents:
            self.env["invoice.activity.log"]._log_action(documents, "document_created")
        return moves

    def unlink(self):
        documents = self.filtered(lambda move: move.move_type in WORKFLOW_MOVE_TYPES)
        if documents:
            # Names are taken now: the log keeps them after the documents are gone.
            names = {move.id: move.display_name for move in documents}
            self.env["invoice.activity.log"]._log_action(
                documents, "document_deleted", self.env._("Deleted"), names=names
            )
        return super().unlink()

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
        if "workflow_status_id" not in vals or self.env.context.get(CHECKED_KEY):
            return super().write(vals)
        vals = dict(vals)
        status = self.env["invoice.workflow.status"].browse(vals.pop("workflow_status_id"))
        vals.pop("workflow_status_date", None)
        result = super().write(vals) if vals else True
        # Writing the status a document already has changes nothing (imports).
        self.filtered(lambda move: move.workflow_status_id != status).action_set_workflow_status(status)
        return result

    # ------------------------------------------------------------------
    # The one way to change a status by hand
    # ------------------------------------------------------------------

    def action_set_workflow_status(self, status, comment=None):
        """Move the documents into ``status``, with an optional ``comment``.

        Performs the accounting action the status group implies (posting for
        In progress, reset to draft for New, cancellation for Cancelled), posts
        the change and the comment in the chatter, and raises ``UserError``
        changing nothing when the transition is not allowed, the comment is
        required and missing, or the user's groups may not use the status.
        """
        # The checks run as the user acting on the documents, whoever browsed the status.
        status = self.env["invoice.workflow.status"].browse(
            status.id if isinstance(status, models.Model) else status
        )
        comment = (comment or "").strip()
        if not status:
            raise UserError(self.env._("Choose the status to move the documents to."))
        status = status.exists()
        if not status:
            raise UserError(self.env._("The chosen status no longer exists."))
        for move in self:
            move._check_workflow_transition(status, comment)

        # All or nothing: an accounting action refused by Odoo on one document
        # leaves every document as it was.
        with self.env.cr.savepoint():
            for move in self:
                move._apply_workflow_accounting_action(status)
            self.with_context(**{CHECKED_KEY: True}).write(
                {
                    "workflow_status_id": status.id,
                    "workflow_status_date": fields.Datetime.now(),
                    "workflow_overdue_notified": False,
                }
            )
            self._track_set_log_message(self._workflow_status_change_body(comment))
        return True

    def _workflow_status_change_body(self, comment):
        if comment:
            return Markup("<p>%s</p><p>%s</p>") % (self.env._("Status changed by hand. Comment:"), comment)
        return Markup("<p>%s</p>") % self.env._("Status changed by hand.")

    def _check_workflow_transition(self, status, comment):
        """Raise UserError when this document may not move into ``status``."""
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
        if status == current:
            raise UserError(
                self.env._(
                    "%(document)s is already in status %(status)s.", document=name, status=status.display_name
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
        if not status._is_available_to_user():
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

    def _message_track(self, fields_iter, initial_values_dict):
        # Field tracking already wrote the chatter; the central log takes the
        # same changes, values included, without reading anything again.
        tracking = super()._message_track(fields_iter, initial_values_dict)
        Log = self.env["invoice.activity.log"]
        # Nothing to describe for companies without the history.
        for move in self.filtered("company_id.activity_log_enabled"):
            changes = tracking.get(move.id, (None, None))[0]
            if not changes or move.move_type not in WORKFLOW_MOVE_TYPES:
                continue
            initial = initial_values_dict.get(move.id) or {}
            for action_type, fnames in move._activity_log_actions(set(changes), initial):
                Log._log_action(move, action_type, move._activity_log_describe(fnames, initial))
        return tracking

    def _activity_log_actions(self, changes, initial):
        """Split tracked changes into (action type, changed fields) pairs."""
        actions = []
        if "state" in changes:
            action = {"posted": "document_posted", "draft": "document_reset", "cancel": "document_cancelled"}
            actions.append((action.get(self.state, "document_modified"), ["state"]))
        if "workflow_status_id" in changes:
            actions.append(("status_changed", ["workflow_status_id"]))
        others = sorted(changes - {"state", "workflow_status_id"})
        if others:
            actions.append(("document_modified", others))
        return actions

    def _post_line_changes(self):
        """One chatter message and one log row per document for the changes of
        its lines in this transaction (queued by account.move.line)."""
        queue = self.env.cr.precommit.data.pop("invoice_workflow_audit.line_changes", {})
        for move in self.browse(list(queue)).exists():
            summary = queue[move.id]
            body = Markup("<ul>%s</ul>") % Markup().join(Markup("<li>%s</li>") % text for text in summary)
            self.env["invoice.activity.log"]._log_action(
                move, "document_modified", "\n".join(summary), chatter_body=body
            )

    def _track_get_default_log_message(self, tracked_fields):
        # A status change nobody asked for by hand comes from an accounting event.
        if "workflow_status_id" in tracked_fields and self.workflow_status_id:
            return Markup("<p>%s</p>") % self.env._(
                "Status changed automatically: the document is now %(meaning)s.",
                meaning=self._workflow_accounting_meaning(),
            )
        return super()._track_get_default_log_message(tracked_fields)

    def _workflow_accounting_meaning(self):
        return {
            "new": self.env._("a draft"),
            "in_progress": self.env._("posted and not fully paid"),
            "paid": self.env._("fully paid"),
            "cancelled": self.env._("cancelled"),
        }[self._workflow_accounting_group()]

    # ------------------------------------------------------------------
    # Printing and sending
    # ------------------------------------------------------------------

    def _audit_stamp(self, kind):
        """Count one more printing or sending (``kind``), with its first and last date."""
        count, first, last = AUDIT_STAMP_FIELDS[kind]
        now = fields.Datetime.now()
        for move in self.sudo().with_context(tracking_disable=True):
            move.write({count: move[count] + 1, first: move[first] or now, last: now})

    def _log_printed(self, label):
        """Printing or downloading: ``label`` says which report or file."""
        documents = self.filtered(lambda move: move.move_type in WORKFLOW_MOVE_TYPES)
        if not documents:
            return
        documents._audit_stamp("print")
        detail = self.env._("Printed: %(report)s", report=label)
        self.env["invoice.activity.log"]._log_action(
            documents, "document_printed", detail, chatter_body=Markup("<p>%s</p>") % detail
        )

    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        context = self.env.context
        action_type = (
            "document_sent"
            if context.get("invoice_workflow_audit_sending")
            else "reminder_sent"
            if context.get("invoice_workflow_audit_reminder")
            else None
        )
        if action_type and message and self.move_type in WORKFLOW_MOVE_TYPES:
            if action_type == "document_sent":
                self._audit_stamp("send")
            recipients = ", ".join(message.partner_ids.mapped("email_formatted")) or "-"
            self.env["invoice.activity.log"]._log_action(
                self,
                action_type,
                self.env._("Recipients: %(recipients)s", recipients=recipients),
                send_state="pending",
                mail_message=message,
            )
        return message

    # ------------------------------------------------------------------
    # Payment reminders
    # ------------------------------------------------------------------

    @api.depends("move_type", "state", "payment_state", "invoice_date_due")
    def _compute_can_send_payment_reminder(self):
        today = fields.Date.context_today(self)
        for move in self:
            move.can_send_payment_reminder = (
                move.move_type == "out_invoice"
                and move.state == "posted"
                and move.payment_state in ("not_paid", "partial")
                and bool(move.invoice_date_due)
                and move.invoice_date_due < today
            )

    def action_send_payment_reminder(self):
        """E-mail the customer a payment reminder; logged with its send status."""
        late = self.filtered("can_send_payment_reminder")
        if late != self:
            raise UserError(
                self.env._(
                    "Payment reminders go to posted, unpaid customer invoices past their due date "
                    "only: %(documents)s.",
                    documents=", ".join((self - late).mapped("display_name")),
                )
            )
        if missing := late.filtered(lambda move: not move.partner_id.email):
            raise UserError(
                self.env._(
                    "No e-mail address for %(partners)s: add one before sending a reminder.",
                    partners=", ".join(missing.partner_id.mapped("display_name")),
                )
            )
        late.with_context(invoice_workflow_audit_reminder=True).message_post_with_source(
            "invoice_workflow_audit.mail_template_payment_reminder",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        return True

    # ------------------------------------------------------------------
    # Actions and scheduler
    # ------------------------------------------------------------------

    def action_open_workflow_status_change(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Change Status"),
            "res_model": "invoice.workflow.status.change",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "account.move", "active_ids": self.ids},
        }

    @api.model
    def _cron_notify_workflow_status_overdue(self, batch_size=500):
        """Give the responsible of each newly overdue document one to-do activity."""
        moves = self.search(
            [("workflow_status_overdue", "=", True), ("workflow_overdue_notified", "=", False)],
            limit=batch_size,
        )
        for move in moves:
            move.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Status %(status)s overdue", status=move.workflow_status_id.display_name),
                note=self.env._(
                    "This document stayed in status %(status)s longer than its time limit "
                    "(%(hours)s hours). Move it on or take action.",
                    status=move.workflow_status_id.display_name,
                    hours=move.workflow_status_id.time_limit_hours,
                ),
                user_id=(move.invoice_user_id or move.create_uid).id,
            )
        moves.workflow_overdue_notified = True
        remaining = self.search_count(
            [("workflow_status_overdue", "=", True), ("workflow_overdue_notified", "=", False)]
        )
        self.env["ir.cron"]._notify_progress(done=len(moves), remaining=remaining)
