# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import Command
from odoo.tests import new_test_user, tagged

from .test_accountant_portal import AccountantPortalCommon

MATCH_RE = re.compile(r'class="[^"]*o_accountant_partner_match[^"]*"[^>]*data-partner-id="(\d+)"')


@tagged("post_install", "-at_install")
class TestAccountantPortalPartnerSearch(AccountantPortalCommon):
    """The History page searches the company's partners, it never lists them
    all: a company may have tens of thousands."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.many = cls.env["res.partner"].create([{"name": f"IWA Many Partner {i:03d}"} for i in range(300)])
        receivable = cls.company_data["default_account_receivable"].id
        entry = cls.env["account.move"].create(
            {
                "move_type": "entry",
                "date": "2026-01-10",
                "line_ids": [
                    *(
                        Command.create({"account_id": receivable, "partner_id": partner.id, "balance": 1.0})
                        for partner in cls.many
                    ),
                    Command.create(
                        {"account_id": cls.company_data["default_account_revenue"].id, "balance": -300.0}
                    ),
                ],
            }
        )
        entry.action_post()
        # A contact without transactions in the company: never offered.
        cls.idle = cls.env["res.partner"].create({"name": "IWA Many Partner Idle"})
        cls.other_accountant = new_test_user(
            cls.env, login="iwa_other_accountant", groups="base.group_portal"
        )
        other_company = cls.other_company.with_user(cls.admin_user)
        other_company.accountant_user_ids = [Command.link(cls.other_accountant.id)]

    def _suggestions(self, search, company=None, status=200):
        response = self.url_open(
            f"/my/accounting/{(company or self.company).id}/history/partners?search={search}"
        )
        self.assertEqual(response.status_code, status)
        return response.json() if status == 200 else response.text

    def test_history_page_lists_no_partner_until_searched(self):
        self.authenticate(self.accountant.login, self.accountant.login)
        page = self._get(self._url("/history"))
        self.assertNotIn("IWA Many Partner", page)
        self.assertFalse(MATCH_RE.findall(page))
        self.assertIn('name="partner_search"', page)

    def test_a_search_shows_at_most_twenty_of_the_company_s_partners(self):
        self.authenticate(self.accountant.login, self.accountant.login)
        page = self._get(self._url("/history?partner_search=IWA+Many+Partner"))
        shown = [int(partner_id) for partner_id in MATCH_RE.findall(page)]
        self.assertEqual(len(shown), 20)
        self.assertLessEqual(set(shown), set(self.many.ids))
        self.assertIn("refine the search", page)
        self.assertLess(page.count("IWA Many Partner"), 60, "the page holds a few matches, not 300 partners")
        self.assertNotIn(self.idle.name, page)
        # Nothing matches: said so, nothing listed.
        page = self._get(self._url("/history?partner_search=IWA+Many+Partner+Idle"))
        self.assertFalse(MATCH_RE.findall(page))
        self.assertIn("No customer or supplier with transactions matches", page)

    def test_one_match_opens_its_history_with_its_id_in_the_url(self):
        self.authenticate(self.accountant.login, self.accountant.login)
        partner = self.many[7]
        response = self.url_open(self._url("/history?partner_search=IWA+Many+Partner+007"))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith(self._url(f"/history?partner_id={partner.id}")), response.url)
        self.assertIn("o_accountant_history_line", response.text)
        self.assertIn(f'value="{partner.name}"', response.text)

    def test_suggestions_are_few_and_the_company_s(self):
        self.authenticate(self.accountant.login, self.accountant.login)
        suggestions = self._suggestions("IWA Many")
        self.assertEqual(len(suggestions), 20)
        self.assertLessEqual({row["id"] for row in suggestions}, set(self.many.ids))
        self.assertEqual(
            self._suggestions("Partner 042"), [{"id": self.many[42].id, "name": self.many[42].name}]
        )
        # Contacts without transactions here, another company's customer: never.
        self.assertEqual(self._suggestions("Idle"), [])
        self.assertEqual(self._suggestions(self.foreign_partner.name), [])
        # An empty search suggests the first ones, still twenty at most.
        self.assertEqual(len(self._suggestions("")), 20)

    def test_another_company_s_accountant_gets_nothing(self):
        self.authenticate(self.other_accountant.login, self.other_accountant.login)
        # Not their company: 404, no name.
        text = self._suggestions("IWA Many", status=404)
        self.assertNotIn("IWA Many Partner", text)
        response = self.url_open(self._url("/history?partner_search=IWA+Many"))
        self.assertEqual(response.status_code, 404)
        # Their company: its own partners only.
        self.assertEqual(self._suggestions("IWA Many", company=self.other_company), [])
        self.assertEqual(
            self._suggestions(self.foreign_partner.name, company=self.other_company),
            [{"id": self.foreign_partner.id, "name": self.foreign_partner.name}],
        )
        # An outsider: nothing anywhere.
        self.authenticate(self.outsider.login, self.outsider.login)
        self._suggestions("IWA", status=404)

    def test_bad_partner_ids_answer_not_found(self):
        self.authenticate(self.accountant.login, self.accountant.login)
        for value in ("abc", "-1", "0", "99999999999", str(self.idle.id), str(self.foreign_partner.id)):
            with self.subTest(partner_id=value):
                self._get(self._url(f"/history?partner_id={value}"), status=404)
