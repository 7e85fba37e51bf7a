# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import tagged

from .test_accountant_portal import AccountantPortalCommon

# SQL queries of one request of each page, as the accountant, caches warm.
# They do not depend on how many documents, bank transactions or partner
# transactions the company has: a page reads its rows in one search, then each
# model of what it shows in one query, whatever the number of rows.
#
# Every page: the request's default language (ir.default: 2), the companies
# granted to the user (1) and the company (1), the portal layout's user and
# its contact (2), the header's last bank transaction (1); then
# - archive (+5): count, search, the documents, their partners, their
#   currencies;
# - financial (+8): the bank journals (search, read), count, search, the
#   transactions, their entries, their partners, their currencies;
# - history (+9): the partner of the URL, if it has transactions here (one
#   search), its name, count, search, the lines, their entries, their
#   journals (the line kinds), their accounts, the company's currency. The
#   company's partners are searched, never listed.
QUERIES = {
    "archive": 12,
    "financial": 15,
    "history": 16,
}


@tagged("post_install", "-at_install")
class TestAccountantPortalQueries(AccountantPortalCommon):
    """Query-count invariants: the benchmark's "same number of queries at
    2,000 and at 20,000 documents" (bench/README.rst) as a test, at 5 and at
    30 of each."""

    def setUp(self):
        super().setUp()
        self.authenticate(self.accountant.login, self.accountant.login)
        self.customer = self.env["res.partner"].create({"name": "IWA Queries Customer"})
        self.urls = {
            "archive": self._url("/out_invoice"),
            "financial": self._url("/financial"),
            "history": self._url(f"/history?partner_id={self.customer.id}"),
        }

    def _add_rows(self, count):
        """``count`` posted customer invoices of ``customer`` (and of other
        partners, so that the page reads several) and ``count`` bank transactions."""
        partners = [self.customer, self.partner_a, self.partner_b]
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": (self.customer if i % 2 else partners[i % 3]).id,
                    "invoice_date": f"2026-02-{1 + i % 28:02d}",
                    "invoice_line_ids": [
                        Command.create({"name": f"Line {i}", "price_unit": 10 + i, "tax_ids": []})
                    ],
                }
                for i in range(count)
            ]
        )
        moves.action_post()
        self.env["account.bank.statement.line"].create(
            [
                {
                    "journal_id": self.company_data["default_journal_bank"].id,
                    "date": f"2026-03-{1 + i % 28:02d}",
                    "payment_ref": f"IWA queries {i}",
                    "amount": 5.0 + i,
                    "partner_id": partners[i % 3].id,
                }
                for i in range(count)
            ]
        )

    def _page_queries(self, name):
        """Queries of one request of the page ``name``, its caches warm; at
        most the pinned number (assertQueryCount)."""
        url = self.urls[name]
        self._get(url)  # warm-up: templates compiled, caches filled
        with self.subTest(page=name), self.assertQueryCount(QUERIES[name]):
            start = self.cr.sql_log_count
            self._get(url)
            return self.cr.sql_log_count - start

    def test_queries_do_not_grow_with_the_rows(self):
        self._add_rows(5)
        at_5 = {name: self._page_queries(name) for name in self.urls}
        self._add_rows(25)
        at_30 = {name: self._page_queries(name) for name in self.urls}
        # assertQueryCount only fails on more queries: the numbers are pinned
        # exactly, so that a page that gets cheaper updates QUERIES too.
        self.assertEqual(at_5, QUERIES, "at 5 rows")
        self.assertEqual(at_30, QUERIES, "at 30 rows")
