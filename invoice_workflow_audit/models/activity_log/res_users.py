# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from ..common import OWNER_GROUP


def _owners(env):
    # The group does not exist yet while the addon installs.
    group = env.ref(OWNER_GROUP, raise_if_not_found=False)
    return group.sudo().with_context(active_test=False).users if group else env["res.users"]


def _log_owner_changes(env, before):
    """Log who became and who stopped being account owner since ``before``."""
    after = _owners(env)
    Log = env["invoice.activity.log"]
    for user in after - before:
        name = f"{user.name} ({user.login})"
        for company in user.sudo().company_ids:
            Log._log_action(
                company, "owner_granted", env._("Account owner rights granted to %(user)s", user=name)
            )
    for user in before - after:
        name = f"{user.name} ({user.login})"
        for company in user.sudo().company_ids:
            Log._log_action(
                company, "owner_revoked", env._("Account owner rights revoked from %(user)s", user=name)
            )


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        before = _owners(self.env)
        users = super().create(vals_list)
        _log_owner_changes(self.env, before)
        return users

    def write(self, vals):
        # Groups arrive as groups_id or as the form's reified group fields.
        if not any(key == "groups_id" or key.startswith(("in_group_", "sel_groups_")) for key in vals):
            return super().write(vals)
        before = _owners(self.env)
        result = super().write(vals)
        _log_owner_changes(self.env, before)
        return result
