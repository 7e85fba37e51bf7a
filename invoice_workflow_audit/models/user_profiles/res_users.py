# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError, ValidationError

from .res_groups import PROFILES

# The profiles that prepare documents without being invoicing users.
LIMITED_PROFILES = (
    "invoice_workflow_audit.group_profile_sales_rep",
    "invoice_workflow_audit.group_profile_purchasing",
)


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.constrains("groups_id")
    def _check_one_invoicing_profile(self):
        """A user holds one ready-made profile at most: they are one choice
        (sales representative, purchasing, sales administration), whatever
        door the groups come through (user form, group form, import, RPC)."""
        profiles = self.env["res.groups"]
        for xmlid in PROFILES:
            profiles |= self.env.ref(xmlid, raise_if_not_found=False) or profiles
        if not profiles or not self.ids:
            return
        self.flush_model(["groups_id"])
        self.env.cr.execute(
            """SELECT uid FROM res_groups_users_rel
                WHERE uid = ANY(%s) AND gid = ANY(%s)
             GROUP BY uid HAVING COUNT(*) > 1 LIMIT 1""",
            [self.ids, profiles.ids],
        )
        row = self.env.cr.fetchone()
        if row:
            user = self.browse(row[0])
            raise ValidationError(
                self.env._(
                    "%(user)s can have one invoicing profile only (%(profiles)s): "
                    "choose one in Invoicing Profile on the user form.",
                    user=user.sudo().name,
                    profiles=", ".join((user.sudo().groups_id & profiles).mapped("name")),
                )
            )

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
