# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestDocumentTracking(WorkflowStatusCommon):
    """The story of an invoice: printing, sending, reminders, send results."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls._enable_activity_log()
        cls.partner_a.email = "partner_a@example.com"

    def test_created_and_posted_at_once_tells_its_posting_in_the_chatter(self):
        # Point of sale, sale auto-invoicing and imports create and post in
        # one transaction, where Odoo's mail tracking records nothing.
        self._flush_tracking()
        invoice = self._draft_invoice()
        invoice.action_post()
        bodies = "\n".join(self._messages(invoice).mapped("body"))
        self.assertIn("Posted", bodies)
        self.assertIn("In progress", bodies)
        self.assertEqual(len(self._log_rows(invoice, action_type="document_posted")), 1)
        # Posted in a later transaction: tracking tells it, once.
        later = self._draft_invoice()
        self._flush_tracking()
        later.action_post()
        messages = self._messages(later)
        self.assertFalse([body for body in messages.mapped("body") if "Posted" in body])
        self.assertIn("state", messages.tracking_value_ids.field_id.mapped("name"))

    def test_printing_is_counted_logged_and_in_chatter(self):
        invoice = self._posted_invoice()
        self.env["ir.actions.report"]._render_qweb_pdf("account.account_invoices", invoice.ids)
        self.assertEqual(invoice.audit_print_count, 1)
        self.assertTrue(invoice.audit_first_printed_date)
        self.assertEqual(invoice.audit_first_printed_date, invoice.audit_last_printed_date)
        self.assertIn("Printed", self._messages(invoice)[0].body)
        self.assertEqual(len(self._log_rows(invoice, action_type="document_printed")), 1)

    def test_printing_several_documents_counts_each_and_keeps_first_date(self):
        first, second = self._posted_invoice(), self._posted_invoice()
        Report = self.env["ir.actions.report"]
        with freeze_time("2026-02-01 10:00:00"):
            Report._render_qweb_pdf("account.account_invoices", (first | second).ids)
        self._flush_tracking()  # the first request ends
        with freeze_time("2026-03-01 10:00:00"):
            Report._render_qweb_pdf("account.account_invoices", first.ids)
        self.assertEqual((first.audit_print_count, second.audit_print_count), (2, 1))
        self.assertEqual(str(first.audit_first_printed_date), "2026-02-01 10:00:00")
        self.assertEqual(str(first.audit_last_printed_date), "2026-03-01 10:00:00")
        self.assertEqual(str(second.audit_last_printed_date), "2026-02-01 10:00:00")

    def test_sending_logs_recipients_and_follows_the_delivery(self):
        invoice = self._posted_invoice()
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"sending_methods": ["email"]})
        )
        wizard.action_send_and_print()
        self.assertEqual(invoice.audit_send_count, 1)
        sent = self._log_rows(invoice, action_type="document_sent")
        self.assertEqual(len(sent), 1)
        self.assertIn("partner_a@example.com", sent.description)
        self.assertTrue(sent.mail_message_id)
        # Odoo delivered it at once (test mode stops at the SMTP call): the
        # final outcome, per recipient, is on the row and in the chain.
        message = sent.mail_message_id
        self.assertEqual(message.notification_ids.mapped("notification_status"), ["sent"])
        self.assertEqual(sent.send_state, "sent")
        delivered = self._log_rows(invoice, action_type="send_state_changed")
        self.assertEqual(delivered.send_state, "sent")
        self.assertIn("partner_a@example.com", delivered.description)
        # Later the e-mail bounces, as the mail gateway reports it.
        self.env["mail.thread"]._routing_handle_bounce(
            None,
            {
                "bounced_email": "partner_a@example.com",
                "bounced_partner": self.partner_a,
                "bounced_msg_ids": [message.message_id],
                "bounced_message": message,
                "email_from": "mailer-daemon@example.com",
                "to": "bounce@example.com",
                "message_id": "<bounce@example.com>",
                "body": "User unknown",
            },
        )
        self.assertEqual(sent.send_state, "bounced")
        changes = self._log_rows(invoice, action_type="send_state_changed")
        self.assertEqual(changes.mapped("send_state"), ["sent", "bounced"])
        # A user writing a notification changes nothing in the history.
        message.notification_ids.sudo().write({"notification_status": "sent"})
        self.assertEqual(sent.send_state, "bounced")
        self.env["invoice.activity.log.link"]._seal(self.company)
        self.assertTrue(
            self.env["invoice.activity.log.link"]._verify_chain(self.company)["intact"],
            "the send status is outside the hash",
        )

    def test_payment_reminder(self):
        with freeze_time("2026-01-01"):
            invoice = self._posted_invoice(invoice_date="2026-01-01")
            with self.assertRaisesRegex(UserError, "past their due date"):
                invoice.action_send_payment_reminder()
        with freeze_time("2026-06-01"):
            invoice.invalidate_recordset(["can_send_payment_reminder"])
            self.assertTrue(invoice.can_send_payment_reminder)
            invoice.action_send_payment_reminder()
            reminder = self._log_rows(invoice, action_type="reminder_sent")
            self.assertEqual(len(reminder), 1)
            self.assertEqual(
                reminder.send_state, "sent", "delivered at once in test mode, followed on the row"
            )
            self.assertIn("Payment reminder", reminder.mail_message_id.subject)
            self.assertIn(self.partner_a, reminder.mail_message_id.partner_ids)

    def test_reminder_needs_an_email_address(self):
        with freeze_time("2026-01-01"):
            invoice = self._posted_invoice(invoice_date="2026-01-01")
        with freeze_time("2026-06-01"):
            self.partner_a.email = False
            invoice.invalidate_recordset(["can_send_payment_reminder"])
            with self.assertRaisesRegex(UserError, "No e-mail address"):
                invoice.action_send_payment_reminder()
            self.assertFalse(self._log_rows(invoice, action_type="reminder_sent"))

    def test_fields_that_matter_are_tracked(self):
        invoice = self._draft_invoice()
        self._messages(invoice)
        invoice.invoice_date_due = "2030-01-31"
        tracked = self._messages(invoice)[0].tracking_value_ids.field_id.mapped("name")
        self.assertIn("invoice_date_due", tracked)
        modified = self._log_rows(invoice, action_type="document_modified")
        self.assertIn("2030-01-31", modified[-1].description)

    def test_line_changes_are_summarised_once_per_transaction(self):
        invoice = self._draft_invoice()
        self._messages(invoice)
        # As if the invoice had been created in an earlier transaction (the
        # test never commits): its line edits are now part of its story.
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET create_date = create_date - interval '1 hour' WHERE id = %s",
                invoice.id,
            )
        )
        invoice.invalidate_recordset(["create_date"])
        line = invoice.invoice_line_ids
        invoice.write(
            {
                "invoice_line_ids": [
                    Command.update(line.id, {"quantity": 3}),
                    Command.create({"product_id": self.product_b.id, "price_unit": 50.0}),
                ]
            }
        )
        message = self._messages(invoice)[0]
        self.assertIn("Line changed: product_a (Quantity: 1.0 → 3.0)", message.body)
        self.assertIn("Line added: product_b", message.body)
        modified = self._log_rows(invoice, action_type="document_modified")
        self.assertIn("Line added: product_b", modified[-1].description)
        invoice.write({"invoice_line_ids": [Command.unlink(line.id)]})
        self.assertIn("Line removed: product_a", self._messages(invoice)[0].body)

    def test_lines_of_a_new_invoice_are_not_reported(self):
        invoice = self._draft_invoice()
        self.assertFalse(self._log_rows(invoice, action_type="document_modified"))
        self.assertNotIn("Line", " ".join(self._messages(invoice).mapped("body")))
