# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.osv import expression
from odoo.tools import SQL

# The relation behind res.company.accountant_user_ids and its inverse
# res.users.accountant_company_ids.
ACCOUNTANT_RELATION = ("res_company_accountant_user_rel", "company_id", "user_id")
# Receivable and payable accounts: what the History page of the portal lists.
PARTNER_ACCOUNT_TYPES = ("asset_receivable", "liability_payable")


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "invoice.protected.fields.mixin"]

    accountant_user_ids = fields.Many2many(
        "res.users",
        *ACCOUNTANT_RELATION,
        string="Accountants",
        domain=[("share", "=", True)],
        groups="base.group_erp_manager",
        help="Portal users who read the posted documents, bank transactions and partner histories "
        "of this company on the accountant portal (/my/accounting).",
    )
    books_up_to_date = fields.Date(
        string="Books Up to Date On",
        readonly=True,
        copy=False,
        help="Stamped by the accounting manager, e.g. after a review or a bank synchronisation: "
        "the entries of the company are complete up to this date. Shown to the accountants.",
    )

    @api.constrains("accountant_user_ids")
    def _check_accountant_user_ids(self):
        self.sudo().accountant_user_ids._check_accountant_portal_user()

    @api.model
    def _protected_fields(self):
        # Stamped by action_stamp_books_up_to_date only.
        return (*super()._protected_fields(), "books_up_to_date")

    def write(self, vals):
        before = self._accountant_users_snapshot() if "accountant_user_ids" in vals else None
        result = super().write(vals)
        if before is not None:
            self._log_accountant_access_changes(before)
        return result

    # ------------------------------------------------------------------
    # Accountant access: granted and revoked from either end of the
    # relation, logged the same way.
    # ------------------------------------------------------------------

    def _accountant_users_snapshot(self):
        return {company.id: company.sudo().accountant_user_ids for company in self}

    def _log_accountant_access_changes(self, before):
        """Log who gained and who lost accountant access since ``before``
        (company id -> users)."""
        for company in self:
            old = before[company.id]
            new = company.sudo().accountant_user_ids
            company._log_accountant_access(new - old, old - new)

    def _log_accountant_access(self, granted, revoked):
        """One log row per direction: ``granted`` and ``revoked`` users."""
        self.ensure_one()
        Log = self.env["invoice.activity.log"]
        for users, action_type in (
            (granted, "accountant_access_granted"),
            (revoked, "accountant_access_revoked"),
        ):
            if not users:
                continue
            names = ", ".join(f"{user.name} ({user.login})" for user in users)
            if action_type == "accountant_access_granted":

                def describe(env, names=names):
                    return env._("Accountant access granted to %(users)s", users=names)
            else:

                def describe(env, names=names):
                    return env._("Accountant access revoked from %(users)s", users=names)

            Log._log_action(self, action_type, describe)

    def action_stamp_books_up_to_date(self):
        """The accounting manager states that the books are complete up to today."""
        if not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(self.env._("Only accounting managers may stamp the books up to date."))
        today = fields.Date.context_today(self)
        for company in self:
            previous = company.books_up_to_date
            # Accounting managers need no other right on companies for this.
            company.sudo()._write_protected({"books_up_to_date": today})
            self.env["invoice.activity.log"]._log_action(
                company,
                "books_stamped",
                lambda env, previous=previous: env._(
                    "Books up to date on %(date)s (before: %(previous)s)",
                    date=fields.Date.to_string(today),
                    previous=fields.Date.to_string(previous) if previous else "-",
                ),
            )
        return True

    def action_open_accountant_portal_settings(self):
        """The current company's accountant portal settings, for accounting
        managers who are not administrators (Settings is theirs only)."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Accountant Portal"),
            "res_model": "res.company",
            "res_id": self.env.company.id,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref("invoice_workflow_audit.view_company_form_accountant_portal_settings").id,
                    "form",
                )
            ],
            "target": "current",
        }

    def _accountant_last_bank_statement_date(self):
        """Date of the latest bank transaction of the company's bank journals."""
        self.ensure_one()
        [[last_date]] = (
            self.env["account.bank.statement.line"]
            .sudo()
            ._read_group(
                [("company_id", "=", self.id), ("journal_id.type", "=", "bank"), ("state", "=", "posted")],
                aggregates=["date:max"],
            )
        )
        return last_date

    # ------------------------------------------------------------------
    # History: a partner's receivable and payable transactions. Read as
    # superuser (portal users read no journal items): callers checked the
    # accountant's access to the company, the domain keeps to it.
    # ------------------------------------------------------------------

    def _accountant_history_domain(self, partner=None):
        """Posted receivable and payable lines of the company, of ``partner``
        when given, else of any partner."""
        self.ensure_one()
        return [
            ("company_id", "=", self.id),
            ("parent_state", "=", "posted"),
            ("account_id.account_type", "in", PARTNER_ACCOUNT_TYPES),
            ("partner_id", "=", partner.id) if partner else ("partner_id", "!=", False),
        ]

    def _accountant_history_partners_domain(self):
        """Partners with transactions in the company: the only ones the
        History page offers and accepts, so that no other contact's name shows
        through it. A subquery, never the list (tens of thousands of partners)."""
        query = self.env["account.move.line"].sudo()._search(self._accountant_history_domain())
        return [("id", "in", query.subselect(SQL.identifier(query.table, "partner_id")))]

    def _accountant_history_partner(self, partner_id):
        """The partner of id ``partner_id`` if it has transactions in the
        company (superuser), else an empty recordset."""
        self.ensure_one()
        return (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "=", partner_id), *self._accountant_history_partners_domain()], limit=1)
        )

    def _accountant_history_partner_search(self, search, limit, offset=0):
        """At most ``limit`` partners with transactions in the company whose
        name, reference, VAT number or e-mail contains ``search`` (all of them
        when empty), by name (superuser)."""
        self.ensure_one()
        domain = self._accountant_history_partners_domain()
        if search:
            # The fields of res.partner's name search, without its "child_of"
            # (every match's ids read into Python first).
            fnames = ("complete_name", "ref", "vat", "email")
            matches = expression.OR([[(fname, "ilike", search)] for fname in fnames])
            domain = expression.AND([domain, matches])
        return (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search(domain, limit=limit, offset=offset)
        )

    def _accountant_partner_history_count(self, partner):
        return self.env["account.move.line"].sudo().search_count(self._accountant_history_domain(partner))

    def _accountant_partner_history(self, partner, offset=0, limit=None):
        """One page of ``partner``'s transactions, oldest first, with their
        running balance (debit minus credit, in the company's currency).

        :return: ``(rows, opening)``: rows ``{"line", "kind", "balance"}`` and
            the balance brought forward from the transactions before the page.
        """
        self.ensure_one()
        MoveLine = self.env["account.move.line"].sudo()
        domain = self._accountant_history_domain(partner)
        lines = MoveLine.search(domain, order="date asc, id asc", offset=offset, limit=limit)
        currency = self.currency_id
        opening = 0.0
        if lines and offset:
            first = lines[0]
            before = expression.AND(
                [
                    domain,
                    ["|", ("date", "<", first.date), "&", ("date", "=", first.date), ("id", "<", first.id)],
                ]
            )
            [[opening]] = MoveLine._read_group(before, aggregates=["balance:sum"])
            # Rounded as the ledger is, and never "-0.00".
            opening = currency.round(opening or 0.0) or 0.0
        # One query for the entries of the page, not one per row.
        lines.move_id.mapped("name")
        rows = []
        balance = opening
        for line in lines:
            balance = currency.round(balance + line.balance) or 0.0
            rows.append({"line": line, "kind": line._accountant_line_kind(), "balance": balance})
        return rows, opening
