# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .invoice_activity_log_admin_mixin import loading_modules
from .res_users import _log_owner_changes, _owners


class ResGroups(models.Model):
    _inherit = "res.groups"

    @api.model_create_multi
    def create(self, vals_list):
        rules = self._activity_log_rules_before([key for vals in vals_list for key in vals])
        groups = super().create(vals_list)
        self._activity_log_rules_after(rules)
        return groups

    def write(self, vals):
        rules = self._activity_log_rules_before(vals)
        if "users" not in vals and "implied_ids" not in vals:
            result = super().write(vals)
        else:
            before = _owners(self.env)
            result = super().write(vals)
            _log_owner_changes(self.env, before)
        self._activity_log_rules_after(rules)
        return result

    # A group's rules (rule_groups) are the other side of the rules' groups:
    # a change made from here never goes through ir.rule.write.

    def _activity_log_rules_before(self, fnames):
        if "rule_groups" not in fnames or loading_modules(self.env):
            return None
        rules = self.env["ir.rule"]._activity_log_admin_watched_rules()
        return rules, rules._activity_log_admin_snapshot()

    def _activity_log_rules_after(self, before):
        if before is None:
            return
        rules, snapshot = before
        rules.invalidate_recordset(["groups"])
        rules._activity_log_admin_log(snapshot, rules._activity_log_admin_snapshot())
