# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_accountant_portal import AccountantPortalCommon

SEND_MODULE = "odoo.addons.invoice_workflow_audit.models.accountant_portal.account_move"


@tagged("post_install", "-at_install")
class TestAccountantPortalSend(AccountantPortalCommon):
    """ "E-mail the customer": in the company's name, rate-limited, escaped."""

    def setUp(self):
        super().setUp()
        self.authenticate(self.accountant.login, self.accountant.login)

    def _send(self, move):
        token = self._csrf(self._url("/out_invoice"))
        response = self.url_open(self._url(f"/document/{move.id}/send"), data={"csrf_token": token})
        self.assertEqual(response.status_code, 200)
        return response

    def _sent_messages(self, move):
        self.env.invalidate_all()
        return move.message_ids.filtered(lambda m: m.partner_ids == move.partner_id)

    def test_email_the_customer_with_the_pdf_link(self):
        token = self._csrf(self._url("/out_invoice"))
        url = self._url(f"/document/{self.invoice_paid.id}/send")
        response = self.url_open(url, data={"csrf_token": token})
        self.assertEqual(response.status_code, 200)
        self.assertIn("was e-mailed to", response.text)
        self.env.invalidate_all()
        message = self.invoice_paid.message_ids.filtered(lambda m: m.partner_ids == self.partner_a)[:1]
        self.assertTrue(message)
        self.assertIn(
            f"/my/invoices/{self.invoice_paid.id}?access_token={self.invoice_paid.access_token}", message.body
        )
        self.assertIn("report_type=pdf", message.body)
        # In the company's name, the accountant named in the text.
        self.assertEqual(message.author_id, self.company.partner_id)
        self.assertIn(self.accountant.name, message.body)
        row = self._log_rows(res_id=self.invoice_paid.id, action_type="portal_document_sent")
        self.assertEqual(len(row), 1)
        self.assertEqual(row.send_state, "pending")
        self.assertEqual(row.mail_message_id, message)
        self.assertNotIn(self.invoice_paid.access_token, row.description)
        # Delivery moves the send status of the row.
        self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)]).send()
        self._flush_tracking()
        self.assertEqual(
            self._log_rows(res_id=self.invoice_paid.id, action_type="portal_document_sent").send_state, "sent"
        )

        # No e-mail address: nothing sent, and said so.
        response = self.url_open(
            self._url(f"/document/{self.invoice_open.id}/send"), data={"csrf_token": token}
        )
        self.assertIn("has no e-mail address", response.text)
        self.assertFalse(self._log_rows(res_id=self.invoice_open.id, action_type="portal_document_sent"))
        # Only customer invoices.
        response = self.url_open(self._url(f"/document/{self.bill.id}/send"), data={"csrf_token": token})
        self.assertEqual(response.status_code, 404)

    def test_accountant_cannot_read_the_token_back(self):
        self._send(self.invoice_paid)
        message = self._sent_messages(self.invoice_paid)
        self.assertIn(self.invoice_paid.access_token, message.body)
        self.assertNotEqual(message.author_id, self.accountant.partner_id)
        self.assertNotIn(self.accountant.partner_id, self.invoice_paid.message_partner_ids, "not a follower")
        with mute_logger("odoo.http"):
            found = self._call_kw(
                "mail.message",
                "search_read",
                [("model", "=", "account.move"), ("res_id", "=", self.invoice_paid.id)],
                ["body", "subject", "author_id"],
            )
            mine = self._call_kw(
                "mail.message", "search_read", [("author_id", "=", self.accountant.partner_id.id)], ["body"]
            )
        self.assertNotIn(self.invoice_paid.access_token, str(found))
        self.assertNotIn(self.invoice_paid.access_token, str(mine))

    def test_one_email_per_document_in_ten_minutes(self):
        self._send(self.invoice_paid)
        response = self._send(self.invoice_paid)
        self.assertIn("less than 10 minutes ago", response.text)
        self.assertEqual(len(self._sent_messages(self.invoice_paid)), 1)
        rows = self._log_rows(res_id=self.invoice_paid.id, action_type="portal_document_sent")
        self.assertEqual(len(rows), 1)

    def test_emails_per_accountant_are_limited(self):
        self.partner_b.email = "partner_b@example.com"
        with patch(f"{SEND_MODULE}.SEND_LIMIT_PER_ACCOUNTANT", (1, 60)):
            self._send(self.invoice_paid)
            response = self._send(self.invoice_open)
        self.assertIn("the most allowed", response.text)
        self.assertFalse(self._sent_messages(self.invoice_open))

    def test_accountant_name_is_escaped(self):
        self.accountant.name = "Eve <b>Bold</b>"
        self._send(self.invoice_paid)
        message = self._sent_messages(self.invoice_paid)
        self.assertIn("Eve &lt;b&gt;Bold&lt;/b&gt;", message.body)
        self.assertNotIn("<b>Bold", message.body)
