# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .res_users import _log_owner_changes, _owners


class ResGroups(models.Model):
    _inherit = "res.groups"

    def write(self, vals):
        if "users" not in vals and "implied_ids" not in vals:
            return super().write(vals)
        before = _owners(self.env)
        result = super().write(vals)
        _log_owner_changes(self.env, before)
        return result
