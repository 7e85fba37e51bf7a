# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models, tools


class InvoiceActivityLogMixin(models.AbstractModel):
    """Readable descriptions of tracked changes for the central activity log.

    Models whose field tracking goes to the activity history (see their
    ``_message_track`` override) describe the changes with these helpers: one
    line "Field: old → new" per changed field, values as the user reads them.
    """

    _name = "invoice.activity.log.mixin"
    _description = "Invoice Activity Log Mixin"

    def _activity_log_describe(self, fnames, initial):
        """One line "Field: old → new" per field of ``fnames``; ``initial``
        maps field names to the values before the change."""
        self.ensure_one()
        parts = []
        for fname in fnames:
            field = self._fields[fname]
            parts.append(
                f"{field._description_string(self.env)}: "
                f"{self._activity_log_format(field, initial.get(fname))} → "
                f"{self._activity_log_format(field, self[fname])}"
            )
        return "\n".join(parts)

    def _activity_log_format(self, field, value):
        if field.type in ("many2one", "many2many", "one2many"):
            return ", ".join(value.mapped("display_name")) if value else "-"
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value or "-")
        if field.type == "monetary" and value is not None and value is not False:
            currency = self[field.get_currency_field(self)]
            if currency:
                return tools.format_amount(self.env, value, currency)
        if value in (False, None, ""):
            return "-"
        return str(value)
