# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    _inherit = "res.partner"

    # The contact's side of res.users.accountant_company_ids, so that an
    # administrator grants access from the contact of a portal user.
    accountant_company_ids = fields.Many2many(
        "res.company",
        string="Accountant Access",
        compute="_compute_accountant_company_ids",
        inverse="_inverse_accountant_company_ids",
        groups="base.group_erp_manager",
        help="Companies whose books the portal user of this contact reads on the accountant portal.",
    )
    accountant_portal_user = fields.Boolean(
        compute="_compute_accountant_company_ids",
        groups="base.group_erp_manager",
        help="Technical: the contact has a portal user who can be given accountant access.",
    )

    def _accountant_portal_users(self):
        self.ensure_one()
        return self.with_context(active_test=True).user_ids.filtered(lambda user: user._is_portal())

    def _compute_accountant_company_ids(self):
        for partner in self:
            users = partner._accountant_portal_users()
            partner.accountant_portal_user = bool(users)
            partner.accountant_company_ids = users.accountant_company_ids

    def _inverse_accountant_company_ids(self):
        for partner in self:
            users = partner._accountant_portal_users()
            if not users:
                if partner.accountant_company_ids:
                    raise UserError(
                        self.env._(
                            "%(contact)s has no portal access: grant it portal access first "
                            "(Action > Grant portal access).",
                            contact=partner.display_name,
                        )
                    )
                continue
            users.accountant_company_ids = partner.accountant_company_ids
