# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .invoice_activity_log_closing import PERIODS


class InvoiceActivityLogClosingDocument(models.Model):
    """A document counted by a closing, with the amount and date it had then.

    A document is counted once per kind of period (day, month, fiscal year):
    by the first closing of that kind that finds it posted with an accounting
    date up to the end of its period. A document entered late, dated in a
    period already closed, is therefore counted by the next closing: a closing
    is never rewritten. Verify compares each document with what it was when
    it was counted, so that an amount, a date or a state changed afterwards in
    a closed period is named.
    """

    _name = "invoice.activity.log.closing.document"
    _inherit = ["invoice.append.only.mixin"]
    _description = "Document Counted by an Activity History Closing"
    _log_access = False
    _order = "closing_id, res_model, res_id"
    _rec_name = "name"

    closing_id = fields.Many2one(
        "invoice.activity.log.closing", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="restrict")
    # The kind of period of the closing, kept on the row so that "counted
    # once per kind of period" is a unique constraint, not a promise.
    period = fields.Selection(PERIODS, required=True, readonly=True)
    res_model = fields.Selection(
        [("account.move", "Invoice or credit note"), ("account.payment", "Payment")],
        string="Document Type",
        required=True,
        readonly=True,
    )
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", required=True, readonly=True
    )
    name = fields.Char(string="Number", readonly=True)
    date = fields.Date(string="Accounting Date", required=True, readonly=True)
    amount = fields.Float(
        readonly=True,
        digits=(16, 6),
        help="Signed, in the company's currency, as it was when the closing counted it.",
    )

    _sql_constraints = [
        (
            "document_unique",
            "UNIQUE(company_id, period, res_model, res_id)",
            "A document is counted once per kind of period.",
        )
    ]
