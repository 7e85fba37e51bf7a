# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class InvoiceRecurrenceIndex(models.Model):
    """A price index (SYNTEC, an INSEE index...): monthly values the user
    enters or imports from a CSV file (Odoo's import, no network)."""

    _name = "invoice.recurrence.index"
    _description = "Price Revision Index"
    _order = "name"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    value_ids = fields.One2many("invoice.recurrence.index.value", "index_id", string="Values")

    _sql_constraints = [("name_unique", "UNIQUE(name)", "An index of that name exists already.")]

    def _value_for(self, month):
        """The value for ``month`` (any day of it), or None when not entered."""
        self.ensure_one()
        # Read through the one2many: the values of every index of a scheduler
        # call come in one query, not one search per revision.
        month = month.replace(day=1)
        value = self.value_ids.filtered(lambda value: value.date == month)[:1]
        return value.value if value else None


class InvoiceRecurrenceIndexValue(models.Model):
    _name = "invoice.recurrence.index.value"
    _description = "Price Revision Index Value"
    _order = "index_id, date desc"

    index_id = fields.Many2one("invoice.recurrence.index", required=True, ondelete="cascade", index=True)
    date = fields.Date(string="Month", required=True, help="The month the value is for (its first day).")
    value = fields.Float(required=True, digits=(16, 4))

    _sql_constraints = [
        ("month_unique", "UNIQUE(index_id, date)", "An index has one value per month."),
        ("value_positive", "CHECK(value > 0)", "An index value is positive."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._first_of_month(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._first_of_month(vals))

    @api.model
    def _first_of_month(self, vals):
        # A value is for a month: 2026-09-15 in an imported file is September.
        if vals.get("date"):
            vals = dict(vals, date=fields.Date.to_date(vals["date"]).replace(day=1))
        return vals

    @api.constrains("date")
    def _check_date(self):
        for value in self:
            if value.date.day != 1:
                raise ValidationError(self.env._("An index value is for a month: date it on its first day."))
