# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class AccountPayment(models.Model):
    """Sales representatives and purchasing users register no payment: the
    access rights already refuse them account.payment; this holds on paths
    that create payments as superuser on their behalf."""

    _inherit = "account.payment"

    @api.model_create_multi
    def create(self, vals_list):
        self.env.user._check_may_post_and_pay(self.env._("register payments"))
        return super().create(vals_list)
