# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    books_up_to_date = fields.Date(related="company_id.books_up_to_date")

    def action_stamp_books_up_to_date(self):
        self.company_id.action_stamp_books_up_to_date()
        # Back to the settings, showing the new date.
        return {"type": "ir.actions.client", "tag": "reload"}
