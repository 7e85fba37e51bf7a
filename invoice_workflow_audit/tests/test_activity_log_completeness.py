# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import tools
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon

# Context keys any RPC client or import may send: none of them decides
# whether an action is in the history.
CLIENT_KEYS = (
    {"tracking_disable": True},
    {"mail_notrack": True},
    {"mail_create_nolog": True},
    {"invoice_workflow_status_checked": True, "invoice_workflow_audit_download": True},
)


@tagged("post_install", "-at_install")
class TestActivityLogCompleteness(WorkflowStatusCommon):
    """Every action is logged exactly once, whatever the transaction looks like."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_activity_log()

    def _actions(self, record):
        return self._log_rows(record).mapped("action_type")

    def test_created_posted_and_edited_in_one_transaction(self):
        # What checkout, automatic invoicing, imports and scripts do.
        invoice = self._draft_invoice()
        invoice.action_post()
        invoice.write({"ref": "SO-7"})
        self.assertEqual(
            self._actions(invoice),
            ["document_created", "document_posted", "status_changed", "document_modified"],
        )
        modified = self._log_rows(invoice, action_type="document_modified")
        self.assertIn("SO-7", modified.description)

    def test_client_context_keys_neither_remove_nor_add_rows(self):
        for context in CLIENT_KEYS:
            with self.subTest(context=context):
                invoice = self._draft_invoice().with_context(**context)
                # Each step as its own request would end: computed fields written.
                for step in (invoice.action_post, invoice.button_draft, invoice.button_cancel):
                    step()
                    invoice.env.flush_all()
                self.assertEqual(
                    self._actions(invoice),
                    [
                        "document_created",
                        "document_posted",
                        "status_changed",
                        "document_reset",
                        "status_changed",
                        "document_cancelled",
                        "status_changed",
                    ],
                )

    def test_a_document_created_and_deleted_at_once_is_named_in_both_rows(self):
        invoice = self._draft_invoice()
        invoice_id = invoice.id
        amount = tools.format_amount(self.env, invoice.amount_total, invoice.currency_id)
        invoice.unlink()
        rows = self._log_rows(res_model="account.move", res_id=invoice_id)
        self.assertEqual(rows.mapped("action_type"), ["document_created", "document_deleted"])
        expected = f"Draft customer invoice #{invoice_id} — {self.partner_a.display_name} — "
        for row in rows:
            self.assertTrue(row.document_name.startswith(expected), row.document_name)
            self.assertTrue(row.document_name.endswith(amount), row.document_name)

    def test_deleted_drafts_are_told_apart(self):
        first, second = self._draft_invoice(), self._draft_invoice()
        self._flush_tracking()
        ids = (first | second).ids
        (first | second).unlink()
        names = self._log_rows(res_model="account.move", action_type="document_deleted").filtered(
            lambda row: row.res_id in ids
        )
        self.assertEqual(len(set(names.mapped("document_name"))), 2)

    def test_nothing_is_logged_for_an_empty_recordset(self):
        before = len(self._log_rows())
        Log = self.env["invoice.activity.log"]
        Log._log_action(self.env["account.move"], "document_posted", "nothing")
        self.env["account.move"]._log_printed("nothing")
        self.assertEqual(len(self._log_rows()), before)

    def test_exports_are_logged_with_model_count_and_fields(self):
        invoices = self._posted_invoice() | self._posted_invoice()
        invoices.export_data(["name", "amount_total"])
        [row] = self._log_rows(action_type="records_exported")
        self.assertEqual(row.company_id, self.company_data["company"])
        self.assertIn("2 Journal Entry exported: name, amount_total", row.description)
        owner = new_test_user(
            self.env,
            login="iwa_export_owner",
            groups="invoice_workflow_audit.group_account_owner,base.group_allow_export",
            company_id=self.company_data["company"].id,
            company_ids=[self.company_data["company"].id],
        )
        history = self._log_rows()
        history.with_user(owner).export_data(["document_name"])
        exported = self._log_rows(action_type="records_exported")
        self.assertEqual(len(exported), 2)
        self.assertIn(f"{len(history)} Invoice Activity Log exported", exported[-1].description)


@tagged("post_install", "-at_install")
class TestActivityLogPrinting(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    """Printing is recognised by the code path, never by a context key."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_activity_log()

    def _printed(self, invoice):
        self.env.invalidate_all()
        return self._log_rows(invoice, action_type="document_printed")

    def test_report_urls_are_logged_whatever_the_context_says(self):
        invoice = self._posted_invoice()
        self._flush_tracking()
        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        # The key that used to silence the print row, sent in the URL.
        context = '{"invoice_workflow_audit_download": true}'
        response = self.url_open(f"/report/pdf/account.report_invoice/{invoice.id}?context={context}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(self._printed(invoice)), 1)
        self.assertEqual(invoice.audit_print_count, 1)
        # /report/html prints too; within a minute, one row per user and document.
        self.assertEqual(self.url_open(f"/report/html/account.report_invoice/{invoice.id}").status_code, 200)
        self.assertEqual(len(self._printed(invoice)), 1)
        self.assertEqual(invoice.audit_print_count, 2)

    def test_downloading_the_stored_pdf_is_logged(self):
        invoice = self._posted_invoice()
        attachment = self.env["ir.attachment"].create(
            {
                "name": "invoice.pdf",
                "raw": b"%PDF-1.4 stored",
                "res_model": "account.move",
                "res_id": invoice.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        self._flush_tracking()
        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        response = self.url_open(f"/web/content/{attachment.id}?download=true")
        self.assertEqual(response.status_code, 200)
        printed = self._printed(invoice)
        self.assertEqual(len(printed), 1)
        self.assertIn("stored PDF", printed.description)
        self.assertEqual(printed.user_id, self.invoice_user)


@tagged("post_install", "-at_install")
class TestActivityLogExternalApi(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    """An integration's calls are recorded with its IP address, as the web client's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_activity_log()

    def test_json_rpc_calls_carry_the_callers_address(self):
        login = self.invoice_user.login
        move_id = self.make_jsonrpc_request(
            "/jsonrpc",
            {
                "service": "object",
                "method": "execute_kw",
                "args": [
                    self.env.cr.dbname,
                    self.invoice_user.id,
                    login,
                    "account.move",
                    "create",
                    [
                        {
                            "move_type": "out_invoice",
                            "partner_id": self.partner_a.id,
                            "invoice_line_ids": [[0, 0, {"name": "API", "quantity": 1, "price_unit": 10.0}]],
                        }
                    ],
                ],
            },
        )
        self._flush_tracking()
        rows = self._log_rows(self.env["account.move"].browse(move_id))
        self.assertEqual(rows.mapped("action_type"), ["document_created"])
        self.assertEqual(rows.ip_address, "127.0.0.1")
