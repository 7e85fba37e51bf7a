# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from ..controllers.accountant_portal import AccountantPortal
from ..models.common import SETTLED_PAYMENT_STATES
from .common import WorkflowStatusCommon

CSRF_RE = re.compile(rb'name="csrf_token" value="([^"]+)"')


class AccountantPortalCommon(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    """One company with its accountant and documents of every kind; a second
    company with its own, which the accountant must never see."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_activity_log()
        cls.company = cls.company_data["company"]
        cls.other_company = cls.company_data_2["company"] if hasattr(cls, "company_data_2") else None
        if not cls.other_company:
            cls.company_data_2 = cls.setup_other_company()
            cls.other_company = cls.company_data_2["company"]
        cls.accountant = new_test_user(cls.env, login="iwa_accountant", groups="base.group_portal")
        cls.outsider = new_test_user(cls.env, login="iwa_outsider", groups="base.group_portal")
        cls.admin_user = new_test_user(
            cls.env,
            login="iwa_grant_admin",
            groups="base.group_erp_manager,base.group_partner_manager,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id, cls.other_company.id],
        )
        cls.company.with_user(cls.admin_user).accountant_user_ids = [Command.link(cls.accountant.id)]
        cls.partner_a.email = "partner_a@example.com"
        cls.partner_b.email = False

        cls.invoice_paid = cls.init_invoice(
            "out_invoice",
            partner=cls.partner_a,
            invoice_date="2026-01-10",
            amounts=[1000],
            taxes=[],
            post=True,
        )
        cls.invoice_open = cls.init_invoice(
            "out_invoice",
            partner=cls.partner_b,
            invoice_date="2026-02-10",
            amounts=[500],
            taxes=[],
            post=True,
        )
        cls.invoice_draft = cls.init_invoice("out_invoice", partner=cls.partner_a, amounts=[77], taxes=[])
        cls.refund = cls.init_invoice(
            "out_refund", partner=cls.partner_a, invoice_date="2026-01-20", amounts=[100], taxes=[], post=True
        )
        cls.bill = cls.init_invoice(
            "in_invoice", partner=cls.partner_b, invoice_date="2026-01-15", amounts=[300], taxes=[], post=True
        )
        cls.vendor_refund = cls.init_invoice(
            "in_refund", partner=cls.partner_b, invoice_date="2026-01-16", amounts=[30], taxes=[], post=True
        )
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=cls.invoice_paid.ids
        ).create({"payment_date": "2026-01-25"})._create_payments()
        cls.foreign_partner = cls.env["res.partner"].create({"name": "IWA Foreign Customer"})
        cls.foreign_invoice = cls.init_invoice(
            "out_invoice",
            partner=cls.foreign_partner,
            invoice_date="2026-01-12",
            amounts=[999],
            taxes=[],
            company=cls.other_company,
            post=True,
        )
        StatementLine = cls.env["account.bank.statement.line"]
        cls.bank_line = StatementLine.create(
            {
                "journal_id": cls.company_data["default_journal_bank"].id,
                "date": "2026-03-01",
                "payment_ref": "IWA BANK LINE OURS",
                "amount": 250.0,
                "partner_id": cls.partner_a.id,
            }
        )
        cls.foreign_bank_line = StatementLine.with_company(cls.other_company).create(
            {
                "journal_id": cls.company_data_2["default_journal_bank"].id,
                "date": "2026-04-01",
                "payment_ref": "IWA BANK LINE FOREIGN",
                "amount": 99.0,
            }
        )

    def _url(self, suffix=""):
        return f"/my/accounting/{self.company.id}{suffix}"

    def _get(self, url, status=200):
        response = self.url_open(url)
        self.assertEqual(response.status_code, status, url)
        return response.text

    def _csrf(self, url):
        token = CSRF_RE.search(self.url_open(url).content)
        self.assertTrue(token, "the page carries a CSRF token")
        return token.group(1).decode()


@tagged("post_install", "-at_install")
class TestAccountantPortalAccess(AccountantPortalCommon):
    """Who may see what: every route checks the grant on the server."""

    def test_grants_are_logged_from_every_side(self):
        self.other_company.activity_log_enabled = True
        self._flush_tracking()
        granted = self._log_rows(
            res_model="res.company", res_id=self.company.id, action_type="accountant_access_granted"
        )
        self.assertEqual(len(granted), 1)
        self.assertIn("iwa_accountant", granted.description)
        self.assertEqual(granted.user_id, self.admin_user)

        # From the user: grant the second company, then revoke it.
        self.outsider.with_user(self.admin_user).accountant_company_ids = [
            Command.link(self.other_company.id)
        ]
        self.outsider.with_user(self.admin_user).accountant_company_ids = [Command.clear()]
        # From the contact of the portal user.
        partner = self.accountant.partner_id.with_user(self.admin_user)
        self.assertEqual(partner.accountant_company_ids, self.company)
        partner.accountant_company_ids = [Command.set([self.company.id, self.other_company.id])]
        self.assertEqual(self.accountant.accountant_company_ids, self.company | self.other_company)
        # From the company.
        self.company.with_user(self.admin_user).accountant_user_ids = [Command.unlink(self.accountant.id)]
        self._flush_tracking()

        rows = self._log_rows(res_model="res.company", res_id=self.other_company.id)
        other_rows = rows.filtered(lambda r: r.action_type.startswith("accountant_access"))
        self.assertEqual(
            other_rows.mapped("action_type"),
            ["accountant_access_granted", "accountant_access_revoked", "accountant_access_granted"],
        )
        self.assertIn("iwa_outsider", other_rows[0].description)
        self.assertIn("iwa_outsider", other_rows[1].description)
        self.assertIn("iwa_accountant", other_rows[2].description)
        revoked = self._log_rows(res_id=self.company.id, action_type="accountant_access_revoked")
        self.assertEqual(len(revoked), 1)
        self.assertIn("iwa_accountant", revoked.description)

    def test_only_portal_users_and_administrators(self):
        with self.assertRaises(ValidationError):
            self.company.accountant_user_ids = [Command.link(self.invoice_user.id)]
        with self.assertRaises(AccessError):
            self.company.with_user(self.invoice_user).accountant_user_ids = [Command.link(self.outsider.id)]
        # A contact without portal access cannot be granted anything.
        with self.assertRaises(UserError):
            self.partner_b.with_user(self.admin_user).accountant_company_ids = [Command.set(self.company.ids)]

    def test_books_stamp_is_manager_only_and_logged(self):
        with self.assertRaises(AccessError):
            self.company.with_user(self.invoice_user).action_stamp_books_up_to_date()
        self.assertFalse(self.company.books_up_to_date)
        # Accounting managers who are not administrators reach it from Invoicing > Configuration.
        action = self.env.ref("invoice_workflow_audit.action_accountant_portal_settings")
        opened = action.with_user(self.status_manager).run()
        self.assertEqual((opened["res_model"], opened["res_id"]), ("res.company", self.company.id))
        self.company.with_user(self.status_manager).action_stamp_books_up_to_date()
        self.assertEqual(self.company.books_up_to_date, fields.Date.context_today(self.company))
        self._flush_tracking()
        stamped = self._log_rows(res_id=self.company.id, action_type="books_stamped")
        self.assertEqual(stamped.user_id, self.status_manager)

    def test_processed_flag_is_not_writable_in_the_back_office(self):
        with self.assertRaisesRegex(AccessError, "cannot be written"):
            self.invoice_open.write({"accountant_processed": True})
        self.assertFalse(self.invoice_open.accountant_processed)

    def test_outsiders_get_nothing(self):
        secret = self.invoice_open.name
        urls = [
            "/my/accounting",
            self._url(),
            self._url("/out_invoice"),
            self._url("/financial"),
            self._url(f"/history?partner_id={self.partner_a.id}"),
            self._url(f"/document/{self.invoice_open.id}/pdf"),
            "/my/accounting/help",
            "/my/accounting/help/guide.pdf",
        ]
        self.authenticate(self.outsider.login, self.outsider.login)
        for url in urls:
            response = self.url_open(url)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn(secret, response.text)
        # An internal user is no accountant either.
        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        self.assertEqual(self.url_open(self._url("/out_invoice")).status_code, 404)

    def test_accountant_sees_only_the_granted_company(self):
        self.authenticate(self.accountant.login, self.accountant.login)
        other = f"/my/accounting/{self.other_company.id}"
        for suffix in (
            "",
            "/out_invoice",
            "/financial",
            "/history",
            f"/document/{self.foreign_invoice.id}/pdf",
        ):
            response = self.url_open(other + suffix)
            self.assertEqual(response.status_code, 404, suffix)
            self.assertNotIn(self.foreign_partner.name, response.text)
            self.assertNotIn("IWA BANK LINE FOREIGN", response.text)
        # The other company's document or a draft through the granted company's URL.
        for move in (self.foreign_invoice, self.invoice_draft):
            self.assertEqual(self.url_open(self._url(f"/document/{move.id}/pdf")).status_code, 404)
        self.assertEqual(self.url_open("/my/accounting/999999/out_invoice").status_code, 404)
        self.assertEqual(self.url_open(self._url("/entry")).status_code, 404)
        # A partner without transactions in the company: no name shows through.
        stranger = self.env["res.partner"].create({"name": "IWA Stranger Partner"})
        response = self.url_open(self._url(f"/history?partner_id={stranger.id}"))
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("IWA Stranger Partner", response.text)

    def test_accountant_cannot_use_the_back_office(self):
        self.authenticate(self.accountant.login, self.accountant.login)
        response = self.url_open("/odoo/action-account.action_move_out_invoice_type")
        self.assertNotIn(self.invoice_open.name, response.text)
        # Odoo sends portal users away from the web client.
        self.assertNotIn("/odoo", response.url)
        with mute_logger("odoo.http"):
            # Odoo's portal rules only show the user's own invoices.
            found = self._call_kw(
                "account.move", "search_read", [("id", "=", self.invoice_open.id)], ["name"]
            )
            self.assertEqual(found, [])
            for vals in ({"accountant_processed": True}, {"ref": "forged"}):
                with self.assertRaises(JsonRpcException):
                    self._call_kw("account.move", "write", self.invoice_open.ids, vals)
            with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
                self._call_kw("res.company", "write", self.company.ids, {"books_up_to_date": "2030-01-01"})
        self.env.invalidate_all()
        self.assertFalse(self.invoice_open.accountant_processed)
        self.assertFalse(self.invoice_open.ref)
        self.assertFalse(self.company.books_up_to_date)


@tagged("post_install", "-at_install")
class TestAccountantPortalPages(AccountantPortalCommon):
    """What the accountant reads, page by page, through real HTTP requests."""

    def setUp(self):
        super().setUp()
        self.authenticate(self.accountant.login, self.accountant.login)

    def test_home_counter_and_companies(self):
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["accountant_company_count"]})
        self.assertEqual(counters["accountant_company_count"], 1)
        self.assertIn("/my/accounting", self._get("/my/home"))
        page = self._get("/my/accounting")
        self.assertIn(self.company.name, page)
        self.assertNotIn(self.other_company.name, page)

    def test_tabs_list_posted_documents_of_their_kind(self):
        self.company._write_protected({"books_up_to_date": "2026-03-31"})
        expected = {
            "out_invoice": self.invoice_paid | self.invoice_open,
            "out_refund": self.refund,
            "in_invoice": self.bill,
            "in_refund": self.vendor_refund,
        }
        everything = self.invoice_paid | self.invoice_open | self.refund | self.bill | self.vendor_refund
        for kind, moves in expected.items():
            page = self._get(self._url(f"/{kind}"))
            listed = set(re.findall(r'class="o_accountant_document" data-name="([^"]+)"', page))
            self.assertEqual(listed, set(moves.mapped("name")), kind)
            self.assertNotIn(self.foreign_partner.name, page)
            self.assertIn("03/31/2026", page, "books up to date on")
            self.assertIn("03/01/2026", page, "last bank statement on")
        self.assertTrue(everything)
        page = self._get(self._url("/out_invoice"))
        self.assertEqual(page.count("o_accountant_paid"), 1)
        self.assertIn("E-mail the customer", page)
        self.assertNotIn("E-mail the customer", self._get(self._url("/in_invoice")))

    def test_filters_search_period_sort_and_pages(self):
        self.invoice_open.with_user(self.accountant)._set_accountant_processed(True)

        def listed(query):
            page = self._get(self._url(f"/out_invoice?{query}"))
            return re.findall(r'class="o_accountant_document" data-name="([^"]+)"', page)

        paid, open_ = self.invoice_paid.name, self.invoice_open.name
        self.assertEqual(listed("filter=unpaid"), [open_])
        self.assertEqual(listed("filter=unprocessed"), [paid])
        self.assertEqual(listed("filter=unpaid_unprocessed"), [])
        self.assertEqual(listed(f"search={open_}"), [open_])
        self.assertEqual(listed(f"search={self.partner_a.name}"), [paid])
        self.assertEqual(listed("date_from=2026-02-01"), [open_])
        self.assertEqual(listed("date_to=2026-01-31"), [paid])
        self.assertEqual(listed("sortby=date"), [open_, paid])
        self.assertEqual(listed("sortby=date_asc"), [paid, open_])
        self.assertEqual(listed("sortby=total"), [paid, open_])
        self.assertEqual(listed("sortby=partner"), [paid, open_])
        # The column headers keep the filters and change the order only.
        page = self._get(self._url("/out_invoice?filter=unpaid&sortby=number"))
        self.assertIn(self._url("/out_invoice?filter=unpaid&amp;sortby=total"), page)
        self.assertIn(self._url('/out_invoice?filter=unpaid"'), page)
        with patch.object(AccountantPortal, "_accountant_page_size", 1):
            self.assertEqual(listed("sortby=date_asc&page=2"), [open_])
            page = self._get(self._url("/out_invoice?sortby=date_asc&page=2"))
            # The pager links to the first page, filters kept, with the query parameter.
            self.assertIn(self._url('/out_invoice?sortby=date_asc"'), page)
            self.assertNotIn("/page/", page)

    def test_paid_is_the_one_definition_of_the_addon(self):
        """Reversed and in payment are paid: badge, and out of the unpaid filter."""
        reversed_invoice = self.init_invoice(
            "out_invoice",
            partner=self.partner_a,
            invoice_date="2026-03-05",
            amounts=[200],
            taxes=[],
            post=True,
        )
        reversed_invoice._reverse_moves(cancel=True)
        # "In payment" is what the Accounting app answers for a payment not yet
        # matched with a bank transaction; Odoo's own tests patch the same hook.
        with patch.object(
            self.env.registry["account.move"], "_get_invoice_in_payment_state", return_value="in_payment"
        ):
            in_payment = self.init_invoice(
                "out_invoice",
                partner=self.partner_a,
                invoice_date="2026-03-06",
                amounts=[300],
                taxes=[],
                post=True,
            )
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=in_payment.ids
            ).create({"payment_date": "2026-03-07"})._create_payments()
            self.assertEqual(in_payment.payment_state, "in_payment")
        self.assertEqual(reversed_invoice.payment_state, "reversed")
        self.assertTrue({"reversed", "in_payment"} <= set(SETTLED_PAYMENT_STATES))

        page = self._get(self._url("/out_invoice"))
        rows = dict(re.findall(r'class="o_accountant_document" data-name="([^"]+)">(.*?)</tr>', page, re.S))
        for move, label in (
            (self.invoice_paid, "Paid"),
            (reversed_invoice, "Reversed"),
            (in_payment, "In payment"),
        ):
            badge = re.search(r'o_accountant_paid[^"]*">\s*([^<]+?)\s*</span>', rows[move.name])
            self.assertTrue(badge, move.name)
            self.assertEqual(badge.group(1), label)
        self.assertIn("o_accountant_unpaid", rows[self.invoice_open.name])
        page = self._get(self._url("/out_invoice?filter=unpaid"))
        listed = re.findall(r'class="o_accountant_document" data-name="([^"]+)"', page)
        self.assertEqual(listed, [self.invoice_open.name])

    def test_bad_parameters_are_reported(self):
        page = self._get(self._url("/out_invoice?date_from=2026-13-45&filter=nope&sortby=nope&page=x"))
        self.assertIn("o_accountant_errors", page)
        self.assertIn("Invalid date 2026-13-45", page)
        self.assertIn("Unknown filter nope", page)
        self.assertIn("Unknown sort order nope", page)
        self.assertIn("Invalid page x", page)
        page = self._get(self._url("/out_invoice?page=9"))
        self.assertIn("Page 9 does not exist (1 page(s)): page 1 is shown.", page)
        self.assertIn(self.invoice_open.name, page)
        # Nothing filtered by what was refused.
        self.assertIn(self.invoice_open.name, page)
        page = self._get(self._url("/financial?journal_id=abc&date_to=yesterday"))
        self.assertIn("Unknown bank journal abc", page)
        self.assertIn("Invalid date yesterday", page)

    def test_pdf_of_a_document(self):
        response = self.url_open(self._url(f"/document/{self.bill.id}/pdf"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment;", response.headers["Content-Disposition"])
        # In test mode Odoo renders reports as HTML instead of calling wkhtmltopdf.
        self.assertIn(self.bill.name, response.text)
        self.assertNotIn(self.invoice_open.name, response.text)
        # Downloading is printing: logged, as the accountant.
        printed = self._log_rows(res_id=self.bill.id, action_type="document_printed")
        self.assertEqual(printed.user_id, self.accountant)

    def test_processed_toggle_is_csrf_protected_and_logged(self):
        url = self._url(f"/document/{self.invoice_open.id}/processed")
        with mute_logger("odoo.http"):
            response = self.url_open(url, data={"processed": "1"})
        self.assertEqual(response.status_code, 400, "no CSRF token")
        self.assertEqual(self.url_open(url).status_code, 405, "GET is refused")
        self.env.invalidate_all()
        self.assertFalse(self.invoice_open.accountant_processed)

        token = self._csrf(self._url("/out_invoice"))
        response = self.url_open(
            url, data={"processed": "1", "csrf_token": token, "redirect": "https://evil.example.com/"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith(self._url("/out_invoice")), "never an open redirect")
        self.env.invalidate_all()
        self.assertTrue(self.invoice_open.accountant_processed)
        self.url_open(url, data={"processed": "0", "csrf_token": token})
        self.env.invalidate_all()
        self.assertFalse(self.invoice_open.accountant_processed)
        # Another company's document, even with a valid token.
        response = self.url_open(
            f"/my/accounting/{self.company.id}/document/{self.foreign_invoice.id}/processed",
            data={"processed": "1", "csrf_token": token},
        )
        self.assertEqual(response.status_code, 404)
        self.env.invalidate_all()
        self.assertFalse(self.foreign_invoice.accountant_processed)

        rows = self._log_rows(res_model="account.move", res_id=self.invoice_open.id)
        actions = [row.action_type for row in rows if row.action_type.startswith("accountant_processed")]
        self.assertEqual(actions, ["accountant_processed_set", "accountant_processed_cleared"])
        self.assertEqual(
            rows.filtered(lambda r: r.action_type == "accountant_processed_set").user_id, self.accountant
        )
        self.assertEqual(
            rows.filtered(lambda r: r.action_type == "accountant_processed_set").ip_address, "127.0.0.1"
        )
        notes = self.invoice_open.message_ids.mapped("body")
        self.assertTrue(any("Marked as processed by the accountant" in body for body in notes))

    def test_financial_lists_the_bank_lines_of_the_company(self):
        page = self._get(self._url("/financial"))
        self.assertIn("IWA BANK LINE OURS", page)
        self.assertNotIn("IWA BANK LINE FOREIGN", page)
        self.assertIn("To reconcile", page)
        journal = self.company_data["default_journal_bank"]
        self.assertIn("IWA BANK LINE OURS", self._get(self._url(f"/financial?journal_id={journal.id}")))
        self.assertNotIn("IWA BANK LINE OURS", self._get(self._url("/financial?date_to=2026-02-28")))
        foreign_journal = self.company_data_2["default_journal_bank"]
        page = self._get(self._url(f"/financial?journal_id={foreign_journal.id}"))
        self.assertIn("Unknown bank journal", page)
        self.assertNotIn("IWA BANK LINE FOREIGN", page)

    def test_history_running_balance(self):
        # partner_a: invoice 1000, its payment -1000, credit note -100.
        page = self._get(self._url(f"/history?partner_id={self.partner_a.id}"))
        balances = [float(value) for value in re.findall(r'data-balance="([^"]+)"', page)]
        self.assertEqual(balances, [1000.0, 900.0, -100.0])
        self.assertIn(self.invoice_paid.name, page)
        self.assertIn("Payment", page)
        self.assertNotIn(self.foreign_partner.name, page)
        with patch.object(AccountantPortal, "_accountant_page_size", 2):
            page = self._get(self._url(f"/history?partner_id={self.partner_a.id}&page=2"))
            self.assertIn("Balance brought forward", page)
            balances = [float(value) for value in re.findall(r'data-balance="([^"]+)"', page)]
            self.assertEqual(balances, [-100.0])
        # partner_b: a customer invoice and supplier documents.
        page = self._get(self._url(f"/history?partner_id={self.partner_b.id}"))
        balances = [float(value) for value in re.findall(r'data-balance="([^"]+)"', page)]
        # Its payment terms split each document in two instalments.
        self.assertEqual(balances, [-90.0, -300.0, -291.0, -270.0, -120.0, 230.0])

    def test_help_and_guide(self):
        page = self._get("/my/accounting/help")
        self.assertIn("What does", page)
        response = self.url_open("/my/accounting/help/guide.pdf")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment;", response.headers["Content-Disposition"])
        self.assertIn("Accountant portal guide", response.text)

    def test_pages_in_french(self):
        fr = self.env["res.lang"]._activate_lang("fr_FR")
        # Portal templates inherit from portal's: load both modules' terms.
        self.env["ir.module.module"]._load_module_terms(
            ["portal", "invoice_workflow_audit"], [fr.code], overwrite=True
        )
        self.accountant.lang = "fr_FR"
        # The session takes the user's language when it logs in.
        self.authenticate(self.accountant.login, self.accountant.login)
        page = self._get(self._url("/out_invoice"))
        self.assertIn("Livres à jour au", page)
        self.assertIn("Factures clients", page)
        self.assertIn("Guide du portail comptable", self.url_open("/my/accounting/help/guide.pdf").text)
