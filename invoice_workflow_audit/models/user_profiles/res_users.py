# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.exceptions import AccessError

# The profiles that prepare documents without being invoicing users.
LIMITED_PROFILES = (
    "invoice_workflow_audit.group_profile_sales_rep",
    "invoice_workflow_audit.group_profile_purchasing",
)


class ResUsers(models.Model):
    _inherit = "res.users"

    def _has_limited_invoicing_profile(self):
        """Whether the user prepares documents through a limited profile
        (sales representative, purchasing) and is no invoicing user: such a
        user neither posts nor pays."""
        self.ensure_one()
        return not self.has_group("account.group_account_invoice") and any(
            self.has_group(group) for group in LIMITED_PROFILES
        )

    def _check_may_post_and_pay(self, action):
        """Raise AccessError when the user's profile does not allow ``action``
        (a sentence: "post documents", "register payments")."""
        self.ensure_one()
        if self._has_limited_invoicing_profile():
            raise AccessError(
                self.env._(
                    "Your user profile does not allow you to %(action)s: ask an invoicing user.",
                    action=action,
                )
            )
