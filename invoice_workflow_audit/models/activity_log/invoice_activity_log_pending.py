# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class InvoiceActivityLogPending(models.Model):
    """History rows written but not chained yet: the sealer's work list.

    A writer inserts its rows and their entries here in one statement; the
    sealer chains them and removes the entries, both in SQL: through the ORM
    nobody touches the list (a removed entry would keep a row out of the
    chain). Verification counts a row that
    is neither chained nor listed here as removed from the chain.
    """

    _name = "invoice.activity.log.pending"
    _inherit = ["invoice.append.only.mixin"]
    _description = "Activity History Row Awaiting its Seal"
    _log_access = False
    _rec_name = "log_id"

    log_id = fields.Many2one(
        "invoice.activity.log", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
