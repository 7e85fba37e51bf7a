# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    einvoicing_decision_group_id = fields.Many2one(
        related="company_id.einvoicing_decision_group_id",
        readonly=False,
    )

    def action_load_einvoicing_lifecycle(self):
        return self.company_id.action_load_einvoicing_lifecycle()
