# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .res_company import ACCOUNTANT_RELATION


class ResUsers(models.Model):
    _inherit = "res.users"

    accountant_company_ids = fields.Many2many(
        "res.company",
        ACCOUNTANT_RELATION[0],
        ACCOUNTANT_RELATION[2],
        ACCOUNTANT_RELATION[1],
        string="Accountant Access",
        groups="base.group_erp_manager",
        help="Companies whose books this portal user reads on the accountant portal (/my/accounting).",
    )

    @api.constrains("accountant_company_ids", "groups_id")
    def _check_accountant_company_ids(self):
        self.sudo().filtered("accountant_company_ids")._check_accountant_portal_user()

    def _check_accountant_portal_user(self):
        """Accountant access is a portal access: internal users read the books
        in the back office, with their own rights."""
        if not_portal := self.filtered(lambda user: not user._is_portal()):
            raise ValidationError(
                self.env._(
                    "Only portal users can be given accountant access: %(users)s.",
                    users=", ".join(not_portal.mapped("name")),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        if granted := users.sudo().filtered("accountant_company_ids"):
            for company in granted.accountant_company_ids:
                company._log_accountant_access(
                    granted.filtered(lambda user, company=company: company in user.accountant_company_ids),
                    self.browse(),
                )
        return users

    def write(self, vals):
        if "accountant_company_ids" not in vals:
            return super().write(vals)
        before = {user.id: user.sudo().accountant_company_ids for user in self}
        result = super().write(vals)
        after = {user.id: user.sudo().accountant_company_ids for user in self}
        for company in self.env["res.company"].union(*before.values(), *after.values()):
            company._log_accountant_access(
                self.filtered(lambda user, c=company: c in after[user.id] and c not in before[user.id]),
                self.filtered(lambda user, c=company: c in before[user.id] and c not in after[user.id]),
            )
        return result

    def _accountant_companies(self):
        """The companies this user may read on the accountant portal."""
        self.ensure_one()
        if not self._is_portal():
            return self.env["res.company"]
        return self.sudo().accountant_company_ids
