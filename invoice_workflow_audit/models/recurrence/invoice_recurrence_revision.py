# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class InvoiceRecurrenceRevision(models.Model):
    """One price revision of a recurrence on an index: made by the scheduler
    only (no access right lets a user create, change or delete one), once per
    recurrence and date."""

    _name = "invoice.recurrence.revision"
    _description = "Recurring Invoice Price Revision"
    _order = "recurrence_id, date desc"

    recurrence_id = fields.Many2one("invoice.recurrence", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="recurrence_id.company_id", store=True)
    currency_id = fields.Many2one(related="recurrence_id.currency_id")
    date = fields.Date(required=True, help="The first period at the new prices.")
    old_amount_untaxed = fields.Monetary(string="Old Untaxed Amount")
    new_amount_untaxed = fields.Monetary(string="New Untaxed Amount")
    index_value = fields.Float(string="Index Value (S)", digits=(16, 4))
    base_value = fields.Float(string="Base Value (S0)", digits=(16, 4))
    description = fields.Text(string="Computation")
    # {base document line id: {"old": price, "new": price}}: the prices of the
    # periods before and from ``date`` (a posted base document keeps its own).
    line_prices = fields.Json()

    _sql_constraints = [
        ("recurrence_date_unique", "UNIQUE(recurrence_id, date)", "A recurrence is revised once per date.")
    ]
