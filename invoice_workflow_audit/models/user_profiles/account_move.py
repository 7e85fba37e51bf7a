# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMove(models.Model):
    """The user profiles' side of account.move: sales representatives and
    purchasing users prepare drafts and never post them."""

    _inherit = "account.move"

    def _post(self, soft=True):
        # Every posting goes through _post (the Confirm button, action_post,
        # the statuses of the In progress group, RPC): the profile is checked
        # on the user behind the call, superuser mode included.
        if self:
            self.env.user._check_may_post_and_pay(self.env._("post documents"))
        return super()._post(soft=soft)
