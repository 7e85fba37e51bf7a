# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..common import OWNER_GROUP


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    activity_log_enabled = fields.Boolean(
        related="company_id.activity_log_enabled",
        readonly=False,
    )
    activity_log_public_key = fields.Text(related="company_id.activity_log_public_key", groups=OWNER_GROUP)
    activity_log_key_id = fields.Char(related="company_id.activity_log_key_id", groups=OWNER_GROUP)
    activity_log_key_file = fields.Char(related="company_id.activity_log_key_file", groups=OWNER_GROUP)
    activity_log_retention_years = fields.Integer(
        related="company_id.activity_log_retention_years", readonly=False, groups=OWNER_GROUP
    )

    def action_activity_log_new_key(self):
        return self.company_id.action_activity_log_new_key()
