# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .lifecycle_codes import LIFECYCLE_CODES


class InvoiceLifecycleReason(models.Model):
    """A reason code of the e-invoicing lifecycle: why a document is approved
    partially, disputed, suspended, refused or rejected. Each lifecycle code
    has its own list (rule BR-FR-CDV-CL-09 of the external specifications);
    the lists are shipped as data and the administrator may extend them."""

    _name = "invoice.lifecycle.reason"
    _description = "E-invoicing Lifecycle Reason"
    _order = "lifecycle_code, code"
    _rec_names_search = ["code", "name"]

    lifecycle_code = fields.Selection(LIFECYCLE_CODES, required=True, index=True)
    code = fields.Char(
        required=True, help="The code sent to and received from the platforms, e.g. TX_TVA_ERR."
    )
    name = fields.Char(string="Label", required=True, translate=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "code_per_lifecycle_code_unique",
            "UNIQUE(lifecycle_code, code)",
            "A reason code appears once in the list of a lifecycle code.",
        )
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for reason in self:
            reason.display_name = f"{reason.code} - {reason.name}" if reason.code else reason.name
