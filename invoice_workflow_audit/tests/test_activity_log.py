# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import JsonRpcException, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestActivityLog(WorkflowStatusCommon):
    """The central activity history: one path, append-only, chained."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.owner = new_test_user(
            cls.env,
            login="iwa_owner",
            groups="invoice_workflow_audit.group_account_owner",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.administrator = new_test_user(
            cls.env,
            login="iwa_admin",
            groups="base.group_system,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.company.with_user(cls.owner).activity_log_enabled = True

    def test_document_lifecycle_is_logged_with_user_and_detail(self):
        invoice = self._draft_invoice()
        name_at_creation = invoice._activity_log_name()
        self._log_rows()
        invoice.with_user(self.invoice_user).write({"ref": "PO-42"})
        invoice.with_user(self.invoice_user).action_post()
        created = self._log_rows(res_model="account.move", res_id=invoice.id, action_type="document_created")
        self.assertEqual(len(created), 1)
        self.assertEqual(created.company_id, self.company)
        # The name the document had when the action happened.
        self.assertEqual(created.document_name, name_at_creation)
        self.assertFalse(created.ip_address, "no HTTP request: no address")
        modified = self._log_rows(res_id=invoice.id, action_type="document_modified")
        self.assertEqual(modified.user_id, self.invoice_user)
        self.assertIn("PO-42", modified[0].description)
        posted = self._log_rows(res_id=invoice.id, action_type="document_posted")
        self.assertEqual(len(posted), 1)
        status = self._log_rows(res_id=invoice.id, action_type="status_changed")
        self.assertIn("New → In progress", status.description)

    def test_deleted_document_keeps_its_name(self):
        invoice = self._draft_invoice()
        invoice_id, name = invoice.id, invoice._activity_log_name()
        invoice.unlink()
        deleted = self._log_rows(res_id=invoice_id, action_type="document_deleted")
        self.assertEqual(deleted.document_name, name)
        self.assertEqual(deleted.res_model, "account.move")

    def test_the_owners_are_told_of_a_new_owner(self):
        self.owner.email = "first.owner@example.com"
        newcomer = new_test_user(
            self.env,
            login="iwa_new_owner",
            groups="account.group_account_invoice",
            email="new@example.com",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        newcomer.groups_id |= self.env.ref("invoice_workflow_audit.group_account_owner")
        mail = self.env["mail.mail"].search([("email_to", "ilike", "first.owner@example.com")])
        self.assertEqual(len(mail), 1)
        self.assertIn("iwa_new_owner", mail.body_html)
        self.assertNotIn("new@example.com", mail.email_to, "the newcomer is not told of themselves")

    def test_status_configuration_is_logged(self):
        status = self.env["invoice.workflow.status"].create({"name": "Audited", "group": "in_progress"})
        status.time_limit_hours = 3
        managers = self.env.ref("account.group_account_manager")
        status.group_ids = managers
        status.write({"group_ids": [Command.clear()], "require_comment": False})  # only one change
        status.unlink()
        rows = self._log_rows(res_model="invoice.workflow.status", res_id=status.id)
        self.assertEqual(
            rows.mapped("action_type"),
            ["status_config_created"] + ["status_config_modified"] * 3 + ["status_config_deleted"],
        )
        # What changed, old → new, as for documents.
        modified = rows.filtered(lambda row: row.action_type == "status_config_modified")
        self.assertEqual(modified[0].description, "Time Limit (hours): - → 3.0")
        self.assertIn(f"- → {managers.display_name}", modified[1].description)
        self.assertIn(f"{managers.display_name} → -", modified[2].description)
        self.assertNotIn("Require", modified[2].description)

    def test_disabled_company_writes_nothing_but_chatter_works(self):
        self.company.with_user(self.owner).activity_log_enabled = False
        before = len(self._log_rows())
        invoice = self._posted_invoice()
        invoice.action_set_workflow_status(self.status_sent)
        self.assertEqual(len(self._log_rows()), before)
        self.assertTrue(self._status_messages(invoice))

    def test_switching_is_owner_only_and_logged(self):
        with self.assertRaises(AccessError):
            self.company.with_user(self.administrator).activity_log_enabled = False
        self.assertTrue(self.company.activity_log_enabled)
        self.company.with_user(self.owner).activity_log_enabled = False
        self.company.with_user(self.owner).activity_log_enabled = True
        actions = self._log_rows(res_model="res.company", res_id=self.company.id).mapped("action_type")
        self.assertEqual(actions[-2:], ["log_disabled", "log_enabled"])

    def test_only_the_owner_reads_and_nobody_writes(self):
        self._draft_invoice()
        row = self._log_rows()[:1]
        self.assertTrue(row.with_user(self.owner).read(["description"]))
        for user in (self.administrator, self.invoice_user, self.status_manager):
            with self.assertRaises(AccessError):
                row.with_user(user).read(["description"])
        for user in (self.owner, self.administrator):
            with self.assertRaises(AccessError):
                row.with_user(user).write({"description": "forged"})
            with self.assertRaises(AccessError):
                row.with_user(user).unlink()
            with self.assertRaises(AccessError):
                self.env["invoice.activity.log"].with_user(user).create({"action_type": "document_created"})
        # Not even with superuser rights.
        with self.assertRaises(AccessError):
            row.sudo().write({"description": "forged"})
        with self.assertRaises(AccessError):
            row.sudo().unlink()
        self.assertTrue(row.exists())


@tagged("post_install", "-at_install")
class TestActivityLogHttp(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    """What comes through a real HTTP request: the IP address, and RPC refusals."""

    def test_ip_address_is_captured_and_rpc_cannot_tamper(self):
        company = self.company_data["company"]
        owner = new_test_user(
            self.env,
            login="iwa_http_owner",
            groups="invoice_workflow_audit.group_account_owner",
            company_id=company.id,
            company_ids=[company.id],
        )
        company.with_user(owner).activity_log_enabled = True
        invoice = self._posted_invoice()
        self._flush_tracking()

        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        self._call_kw("account.move", "action_set_workflow_status", invoice.ids, self.status_sent.id)
        self.env.invalidate_all()
        row = (
            self.env["invoice.activity.log"]
            .sudo()
            .search(
                [
                    ("res_id", "=", invoice.id),
                    ("action_type", "=", "status_changed"),
                    ("user_id", "=", self.invoice_user.id),
                ]
            )
        )
        self.assertEqual(len(row), 1)
        self.assertEqual(row.user_id, self.invoice_user)
        self.assertEqual(row.ip_address, "127.0.0.1")

        # Nobody, owner included, changes or deletes the history through RPC.
        self.authenticate(owner.login, owner.login)
        self.assertEqual(
            self._call_kw("invoice.activity.log", "read", row.ids, ["ip_address"])[0]["ip_address"],
            "127.0.0.1",
        )
        for method, args in (("write", (row.ids, {"description": "forged"})), ("unlink", (row.ids,))):
            with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
                self._call_kw("invoice.activity.log", method, *args)
        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
            self._call_kw("invoice.activity.log", "search_read", [], ["description"])
        self.env.invalidate_all()
        self.assertTrue(row.exists())
        self.assertIn("In progress → Sent", row.description)

    def test_pdf_download_is_logged_once_with_the_address(self):
        self._enable_activity_log()
        invoice = self._posted_invoice()
        self._flush_tracking()
        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        response = self.url_open(f"/account/download_invoice_documents/{invoice.id}/pdf")
        self.assertEqual(response.status_code, 200)
        # In test mode Odoo renders reports as HTML instead of calling wkhtmltopdf.
        self.assertIn(invoice.name.encode(), response.content)
        self.env.invalidate_all()
        rows = (
            self.env["invoice.activity.log"]
            .sudo()
            .search([("res_id", "=", invoice.id), ("action_type", "=", "document_printed")])
        )
        self.assertEqual(len(rows), 1, "the PDF rendered for the download is not a second print")
        self.assertIn("Downloaded (pdf)", rows.description)
        self.assertEqual(rows.ip_address, "127.0.0.1")
        self.assertEqual(rows.user_id, self.invoice_user)
        self.assertEqual(invoice.audit_print_count, 1)
