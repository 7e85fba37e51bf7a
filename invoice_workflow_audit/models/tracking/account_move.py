# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, groupby

from ..common import (
    INTERNAL_CALL,
    LINE_CHANGES_KEY,
    PRINTED_KEY,
    REMINDER_KEY,
    SENDING_KEY,
    is_internal_call,
)

# Counter, first date and last date of each kind of stamped action.
AUDIT_STAMP_FIELDS = {
    "print": ("audit_print_count", "audit_first_printed_date", "audit_last_printed_date"),
    "send": ("audit_send_count", "audit_first_sent_date", "audit_last_sent_date"),
}


# Counted by the printing and sending paths only (one SQL statement each).
TRACKING_PROTECTED_FIELDS = tuple(fname for fnames in AUDIT_STAMP_FIELDS.values() for fname in fnames)


class AccountMove(models.Model):
    """The story of each invoice above and in its chatter: the fields that
    matter tracked, printing and sending counted, line changes summarised,
    payment reminders."""

    _inherit = "account.move"

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

    @api.model
    def _protected_fields(self):
        # Checked by the workflow layer's create and write, with its own.
        return (*super()._protected_fields(), *TRACKING_PROTECTED_FIELDS)

    def _post_line_changes(self):
        """One chatter message and one log row per document for the changes of
        its lines in this transaction (queued by account.move.line)."""
        queue = self.env.cr.precommit.data.pop(LINE_CHANGES_KEY, {})
        for move in self.browse(list(queue)).exists():
            # Each change as the user reads it (chatter) and as the company does (history).
            summary = queue[move.id]
            body = Markup("<ul>%s</ul>") % Markup().join(
                Markup("<li>%s</li>") % text for text, _row in summary
            )
            self.env["invoice.activity.log"]._log_action(
                move, "document_modified", "\n".join(row for _text, row in summary), chatter_body=body
            )

    # ------------------------------------------------------------------
    # Printing and sending
    # ------------------------------------------------------------------

    def _audit_stamp(self, kind):
        """Count one more printing or sending (``kind``), with its first and last date."""
        count, first, last = AUDIT_STAMP_FIELDS[kind]
        if not self:
            return
        # One statement for all documents, whatever their number: printing a
        # hundred invoices at once is one UPDATE, not a hundred writes.
        self.flush_recordset([count, first, last])
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET %(count)s = COALESCE(%(count)s, 0) + 1,"
                " %(first)s = COALESCE(%(first)s, %(now)s), %(last)s = %(now)s WHERE id IN %(ids)s",
                count=SQL.identifier(count),
                first=SQL.identifier(first),
                last=SQL.identifier(last),
                now=fields.Datetime.now(),
                ids=tuple(self.ids),
            )
        )
        self.invalidate_recordset([count, first, last])

    def _log_printed(self, label):
        """Printing or downloading: ``label`` says which report or file.

        Recognised by the code path that renders or serves the file, never by
        the context. A document printed and downloaded in one request (the
        download renders its PDF) counts one print, labelled by the last.
        """
        documents = self.filtered(lambda move: move.is_invoice())
        if not documents:
            return
        queue = self.env.cr.precommit.data.setdefault(PRINTED_KEY, {})
        if not queue:
            self.env.cr.precommit.add(self.browse()._flush_printed)
        documents.filtered(lambda move: move.id not in queue)._audit_stamp("print")
        for move in documents:
            queue[move.id] = label

    def _flush_printed(self):
        queue = self.env.cr.precommit.data.pop(PRINTED_KEY, {})
        moves = self.browse(list(queue)).exists()
        Log = self.env["invoice.activity.log"]
        for label, printed in groupby(moves, key=lambda move: queue[move.id]):

            def describe(env, label=label):
                return env._("Printed: %(report)s", report=label)

            # The row in the company's language, the chatter in the user's.
            Log._log_action(
                self.browse(move.id for move in printed),
                "document_printed",
                describe,
                chatter_body=Markup("<p>%s</p>") % describe(self.env),
            )

    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        action_type = (
            "document_sent"
            if is_internal_call(self.env, SENDING_KEY)
            else "reminder_sent"
            if is_internal_call(self.env, REMINDER_KEY)
            else None
        )
        if action_type and message and self.is_invoice():
            if action_type == "document_sent":
                self._audit_stamp("send")
            recipients = ", ".join(message.partner_ids.mapped("email_formatted")) or "-"
            Log = self.env["invoice.activity.log"]
            Log._log_action(
                self,
                action_type,
                lambda env: env._("Recipients: %(recipients)s", recipients=recipients),
                send_state="pending",
                mail_message=message,
            )
            # The e-mails may have gone already (sent at once): their outcome too.
            outcomes = message._activity_log_send_outcomes()
            if outcomes[message.id][0] != "pending":
                Log._set_send_state(message, outcomes)
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
        late.with_context(**{REMINDER_KEY: INTERNAL_CALL}).message_post_with_source(
            "invoice_workflow_audit.mail_template_payment_reminder",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        return True
