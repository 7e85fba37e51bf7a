# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class IrModelAccess(models.Model):
    """An access right on one of the addon's models is logged when it is
    created, changed or deleted: an administrator who gives a group the right
    to read the history leaves a row in it."""

    _name = "ir.model.access"
    _inherit = ["ir.model.access", "invoice.activity.log.admin.mixin"]

    _activity_log_admin_fields = (
        "name",
        "model_id",
        "group_id",
        "perm_read",
        "perm_write",
        "perm_create",
        "perm_unlink",
        "active",
    )
    _activity_log_admin_actions = ("access_right_created", "access_right_modified", "access_right_deleted")

    def _activity_log_admin_label(self):
        self.ensure_one()
        return self.env._(
            "Access right %(name)s on %(model)s for %(group)s",
            name=self.name,
            model=self.model_id.model,
            group=self.group_id.display_name or self.env._("everyone"),
        )
