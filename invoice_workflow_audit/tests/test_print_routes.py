# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2.errors import ReadOnlySqlTransaction
from werkzeug.test import EnvironBuilder

from odoo.http import HTTPRequest, Request, _request_stack
from odoo.tests import tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestPrintRoutes(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    """Only prints and downloads of invoices take a read/write cursor (the
    primary, on a replicated setup); every other report and download keeps
    Odoo's read-only one (the replica)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_activity_log()
        cls.invoice = cls._posted_invoice()
        cls.invoice_pdf = cls.env["ir.attachment"].create(
            {
                "name": "invoice.pdf",
                "raw": b"%PDF-1.4 stored",
                "res_model": "account.move",
                "res_id": cls.invoice.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        cls.partner_file = cls.env["ir.attachment"].create(
            {
                "name": "contract.txt",
                "raw": b"a partner's contract",
                "res_model": "res.partner",
                "res_id": cls.partner_a.id,
            }
        )

    def setUp(self):
        super().setUp()
        self._flush_tracking()
        self.authenticate(self.invoice_user.login, self.invoice_user.login)

    def _route_readonly(self, url):
        """The cursor mode Odoo chooses for ``url``: its route's ``readonly``
        evaluated as http.Request._serve_db does, in a request for that URL."""
        environ = EnvironBuilder(
            url,
            base_url=self.base_url(),
            headers={"Cookie": f"{TEST_CURSOR_COOKIE_NAME}={self.http_request_key}"},
        ).get_environ()
        request = Request(HTTPRequest(environ))
        request.registry = self.registry
        request.env = self.env
        _request_stack.push(request)
        try:
            rule, _args = self.env["ir.http"]._match(request.httprequest.path)
            readonly = rule.endpoint.routing["readonly"]
            return readonly(rule.endpoint.func.__self__) if callable(readonly) else readonly
        finally:
            _request_stack.pop()

    def _printed(self, record):
        return self._log_rows(record, action_type="document_printed")

    def _get_logged_read_write(self, url):
        """GET ``url`` and assert it was served at once: a route served
        read-only that writes is replayed by Odoo with a warning."""
        with self.assertNoLogs("odoo.http", "WARNING"):
            response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return response

    # ------------------------------------------------------------------
    # /report/<converter>/<reportname>/<docids>
    # ------------------------------------------------------------------

    def test_invoice_reports_are_read_write_by_name_and_xml_id(self):
        for reportname in (
            "account.report_invoice",
            "account.report_invoice_with_payments",
            "account.account_invoices",
            "account.account_invoices_without_payment",
            "account.report_original_vendor_bill",
        ):
            with self.subTest(reportname=reportname):
                self.assertFalse(self._route_readonly(f"/report/pdf/{reportname}/{self.invoice.id}"))
        self.assertFalse(self._route_readonly(f"/report/html/account.report_invoice/{self.invoice.id}"))

    def test_invoice_print_is_logged_on_its_read_write_cursor(self):
        self._get_logged_read_write(f"/report/pdf/account.account_invoices/{self.invoice.id}")
        self.assertEqual(len(self._printed(self.invoice)), 1)
        self.assertEqual(self.invoice.audit_print_count, 1)

    def test_other_reports_stay_read_only_and_log_nothing(self):
        payment = self.env["account.payment"].create(
            {"payment_type": "inbound", "partner_id": self.partner_a.id, "amount": 10.0}
        )
        payment.action_post()
        url = f"/report/html/account.report_payment_receipt/{payment.id}"
        self.assertTrue(self._route_readonly(url))
        self.assertTrue(self._route_readonly(f"/report/pdf/base.report_irmodulereference/{payment.id}"))
        self.assertTrue(self._route_readonly("/report/pdf/no.such_report/1"))
        rows = self._log_rows()
        # Served on the read-only cursor without a replay: nothing written.
        self._get_logged_read_write(url)
        self.assertEqual(self._log_rows(), rows)

    def test_a_new_invoice_report_is_read_write_at_once(self):
        # The cached names follow the reports (the registry's cache is cleared).
        url = f"/report/pdf/iwa.custom_invoice/{self.invoice.id}"
        self.assertTrue(self._route_readonly(url))
        self.env["ir.actions.report"].create(
            {
                "name": "Custom invoice",
                "model": "account.move",
                "report_type": "qweb-pdf",
                "report_name": "iwa.custom_invoice",
            }
        )
        self.assertFalse(self._route_readonly(url))

    def test_on_a_read_only_cursor_only_invoice_reports_write(self):
        # What a replica gives a route that Odoo serves read-only.
        payment = self.env["account.payment"].create(
            {"payment_type": "inbound", "partner_id": self.partner_a.id, "amount": 10.0}
        )
        payment.action_post()
        self._flush_tracking()
        with self.registry.cursor(readonly=True) as cr:
            self.assertTrue(cr.readonly)
            Report = self.env(cr=cr, user=self.invoice_user)["ir.actions.report"]
            # Another model's report renders, logging nothing.
            html, _type = Report._render_qweb_html("account.report_payment_receipt", payment.ids)
            self.assertIn(payment.name, html.decode())
            # An invoice's tries to log, so fails (before its PDF is rendered):
            # Odoo replays the request on a read/write cursor, where it is logged.
            # (Not assertRaises: its savepoint is on the test's cursor, which
            # shares this read-only transaction.)
            refused = None
            try:
                with mute_logger("odoo.sql_db"):
                    Report._render_qweb_pdf("account.report_invoice", self.invoice.ids)
            except ReadOnlySqlTransaction as error:
                refused = error
            cr.rollback()
            self.assertTrue(refused, "printing an invoice on a read-only cursor wrote nothing")

    # ------------------------------------------------------------------
    # /web/content
    # ------------------------------------------------------------------

    def test_invoice_document_downloads_are_read_write(self):
        invoice, pdf = self.invoice, self.invoice_pdf
        for url in (
            f"/web/content/{pdf.id}?download=true",
            f"/web/content/ir.attachment/{pdf.id}/datas?download=1",
            f"/web/content/account.move/{invoice.id}/invoice_pdf_report_file?download=true",
            f"/web/content?model=account.move&id={invoice.id}&field=invoice_pdf_report_file&download=true",
        ):
            with self.subTest(url=url):
                self.assertFalse(self._route_readonly(url))

    def test_other_downloads_and_inline_views_stay_read_only(self):
        for url in (
            f"/web/content/{self.partner_file.id}?download=true",
            f"/web/content/res.partner/{self.partner_a.id}/image_128?download=true",
            f"/web/content/{self.invoice_pdf.id}",
            f"/web/content/{self.invoice_pdf.id}?download=false",
            "/web/content/999999999?download=true",
            "/web/content/99999999999999?download=true",
        ):
            with self.subTest(url=url):
                self.assertTrue(self._route_readonly(url))
        rows = self._log_rows()
        response = self._get_logged_read_write(f"/web/content/{self.partner_file.id}?download=true")
        self.assertEqual(response.content, b"a partner's contract")
        # Shown inline, the invoice's PDF is not a print.
        self._get_logged_read_write(f"/web/content/{self.invoice_pdf.id}")
        self.assertEqual(self._log_rows(), rows)

    def test_invoice_pdf_download_is_logged(self):
        response = self._get_logged_read_write(f"/web/content/{self.invoice_pdf.id}?download=true")
        self.assertEqual(response.content, b"%PDF-1.4 stored")
        printed = self._printed(self.invoice)
        self.assertEqual(len(printed), 1)
        self.assertIn("stored PDF", printed.description)
        self.assertEqual(printed.user_id, self.invoice_user)

    def test_send_and_print_download_of_the_stored_pdf_is_logged(self):
        # account.move.send's "Download" serves the stored files through
        # /account/download_invoice_attachments.
        url = f"/account/download_invoice_attachments/{self.invoice_pdf.id}"
        self._get_logged_read_write(url)
        self.assertEqual(len(self._printed(self.invoice)), 1)
        self.assertEqual(self.invoice.audit_print_count, 1)
