# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class IrActionsServer(models.Model):
    """What a scheduled action runs lives on its server action: writing the
    code there directly is logged as a change of the addon's scheduled
    action, as writing it on the scheduled action is."""

    _inherit = "ir.actions.server"

    def write(self, vals):
        crons = self.env["ir.cron"]
        if self and set(crons._activity_log_admin_fields) & vals.keys():
            crons = crons._activity_log_admin_crons().filtered(lambda cron: cron.ir_actions_server_id in self)
        before = crons._activity_log_admin_before(vals) if crons else None
        result = super().write(vals)
        if before is not None:
            crons.invalidate_recordset()
            crons._activity_log_admin_written(before)
        return result
