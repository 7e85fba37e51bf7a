# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .invoice_activity_log_admin_mixin import watched_model_ids


class IrRule(models.Model):
    """A record rule on one of the addon's models is logged when it is
    created, changed or deleted: relaxing the company rule of the history, or
    the rule that hides a restricted status, leaves a row in the history."""

    _name = "ir.rule"
    _inherit = ["ir.rule", "invoice.activity.log.admin.mixin"]

    _activity_log_admin_fields = (
        "name",
        "model_id",
        "groups",
        "domain_force",
        "perm_read",
        "perm_write",
        "perm_create",
        "perm_unlink",
        "active",
    )
    _activity_log_admin_actions = ("record_rule_created", "record_rule_modified", "record_rule_deleted")

    def _activity_log_admin_label(self):
        self.ensure_one()
        return self.env._(
            "Record rule %(name)s on %(model)s for %(groups)s",
            name=self.name or "-",
            model=self.model_id.model,
            groups=", ".join(self.groups.mapped("display_name")) or self.env._("everyone"),
        )

    def _activity_log_admin_watched_rules(self):
        """All the rules on the watched models: what a change made from the
        groups' side (res.groups.rule_groups) is compared to."""
        model_ids = list(watched_model_ids(self.env))
        return self.sudo().with_context(active_test=False).search([("model_id", "in", model_ids)])
