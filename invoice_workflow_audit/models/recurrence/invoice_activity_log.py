# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class InvoiceActivityLog(models.Model):
    _inherit = "invoice.activity.log"

    action_type = fields.Selection(
        selection_add=[("recurrence_price_revised", "Recurrence price revised")],
        ondelete={"recurrence_price_revised": "cascade"},
    )
