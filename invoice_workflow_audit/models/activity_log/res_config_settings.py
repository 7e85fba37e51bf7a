# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    activity_log_enabled = fields.Boolean(
        related="company_id.activity_log_enabled",
        readonly=False,
    )
