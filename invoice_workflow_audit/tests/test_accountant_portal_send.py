# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, fields
from odoo.tests import JsonRpcException, new_test_user, tagged
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
        self.assertEqual(row.user_id, self.accountant, "the history names who sent it")
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

    def _assert_unreadable(self, message):
        """The accountant, over JSON-RPC, gets no part of ``message``: neither
        by its id (ids are sequential) nor by searching."""
        token = self.invoice_paid.access_token
        with mute_logger("odoo.http"):
            for method, args in (
                ("read", [message.ids, ["body", "subject"]]),
                ("web_read", [message.ids, {"body": {}}]),
            ):
                with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError", msg=method):
                    self._call_kw("mail.message", method, *args)
            found = self._call_kw(
                "mail.message",
                "search_read",
                ["|", ("id", "=", message.id), ("model", "=", "account.move")],
                ["body", "subject", "author_id"],
            )
            mine = self._call_kw(
                "mail.message", "search_read", [("create_uid", "=", self.accountant.id)], ["body"]
            )
            # Nor through the invoice, whose token the link carries.
            with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
                self._call_kw("account.move", "read", self.invoice_paid.ids, ["access_token"])
        self.assertNotIn(token, str(found))
        self.assertNotIn(token, str(mine))

    def test_accountant_cannot_read_the_token_back(self):
        self._send(self.invoice_paid)
        message = self._sent_messages(self.invoice_paid)
        self.assertIn(self.invoice_paid.access_token, message.body)
        # Created by the server in the company's name: Odoo lets the creator
        # and the author of a message read it.
        self.assertEqual(message.create_uid.id, SUPERUSER_ID)
        self.assertEqual(message.author_id, self.company.partner_id)
        self.assertNotIn(self.accountant.partner_id, self.invoice_paid.message_partner_ids, "not a follower")
        mails = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        self.assertTrue(mails)
        self.assertEqual(mails.create_uid.ids, [SUPERUSER_ID])
        self._assert_unreadable(message)

    def test_revocation_leaves_the_customer_link_and_hides_the_message(self):
        self._send(self.invoice_paid)
        message = self._sent_messages(self.invoice_paid)
        link = re.search(r"href=['\"]([^'\"]+)['\"]", message.body).group(1).replace("&amp;", "&")
        self.company.with_user(self.admin_user).accountant_user_ids = [Command.unlink(self.accountant.id)]
        # The accountant's portal is closed, the message still out of reach.
        self.assertEqual(self.url_open(self._url("/out_invoice")).status_code, 404)
        self._assert_unreadable(message)
        # The link is the customer's: it still opens the PDF, for anyone who has it.
        self.authenticate(None, None)
        response = self.url_open(link)
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment;", response.headers["Content-Disposition"])
        # In test mode Odoo renders reports as HTML instead of calling wkhtmltopdf.
        self.assertIn(self.invoice_paid.name, response.text)

    def test_the_send_record_cannot_be_forged(self):
        self._send(self.invoice_paid)
        sent = self.env["invoice.accountant.customer.email"].search([("move_id", "=", self.invoice_paid.id)])
        self.assertEqual(sent.accountant_id, self.accountant)
        self.assertEqual(sent.mail_message_id, self._sent_messages(self.invoice_paid))
        with mute_logger("odoo.http"):
            with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
                self._call_kw(
                    "invoice.accountant.customer.email",
                    "create",
                    {"move_id": self.invoice_open.id, "accountant_id": self.accountant.id},
                )
            with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
                self._call_kw("invoice.accountant.customer.email", "search_read", [], ["move_id"])

    def test_one_email_per_document_in_ten_minutes(self):
        self._send(self.invoice_paid)
        response = self._send(self.invoice_paid)
        self.assertIn("less than 10 minutes ago", response.text)
        self.assertEqual(len(self._sent_messages(self.invoice_paid)), 1)
        rows = self._log_rows(res_id=self.invoice_paid.id, action_type="portal_document_sent")
        self.assertEqual(len(rows), 1)
        # Ten minutes later, it may go again.
        with freeze_time(fields.Datetime.now() + timedelta(minutes=11)):
            self._send(self.invoice_paid)
        self.assertEqual(len(self._sent_messages(self.invoice_paid)), 2)

    def test_emails_per_accountant_are_limited(self):
        self.partner_b.email = "partner_b@example.com"
        with patch(f"{SEND_MODULE}.SEND_LIMIT_PER_ACCOUNTANT", (1, 60)):
            self._send(self.invoice_paid)
            response = self._send(self.invoice_open)
        self.assertIn("the most allowed", response.text)
        self.assertFalse(self._sent_messages(self.invoice_open))
        # Per accountant: another accountant of the company still sends.
        colleague = new_test_user(self.env, login="iwa_accountant_2", groups="base.group_portal")
        self.company.with_user(self.admin_user).accountant_user_ids = [Command.link(colleague.id)]
        self.authenticate(colleague.login, colleague.login)
        with patch(f"{SEND_MODULE}.SEND_LIMIT_PER_ACCOUNTANT", (1, 60)):
            response = self._send(self.invoice_open)
        self.assertIn("was e-mailed to", response.text)
        self.assertTrue(self._sent_messages(self.invoice_open))

    def test_accountant_name_is_escaped(self):
        self.accountant.name = "Eve <b>Bold</b>"
        self._send(self.invoice_paid)
        message = self._sent_messages(self.invoice_paid)
        self.assertIn("Eve &lt;b&gt;Bold&lt;/b&gt;", message.body)
        self.assertNotIn("<b>Bold", message.body)
        # A name, not a message: the accountant's text is cut short.
        self.partner_b.email = "partner_b@example.com"
        self.accountant.name = "Eve " + "please pay to our new bank account " * 5
        self._send(self.invoice_open)
        body = self._sent_messages(self.invoice_open).body
        self.assertIn("Eve please pay", body)
        self.assertNotIn(self.accountant.name.strip(), body)
        self.assertIn("…", body)
