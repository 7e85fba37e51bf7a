# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class AccountPayment(models.Model):
    """Sales representatives and purchasing users register no payment: the
    access rights already refuse them account.payment; this names the refusal
    and holds should another group give them the model. Superuser mode is the
    server's own code (point of sale closing a session): trusted, as Odoo's
    own group checks trust it."""

    _inherit = "account.payment"

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            self.env.user._check_may_post_and_pay(self.env._("register payments"))
        return super().create(vals_list)
