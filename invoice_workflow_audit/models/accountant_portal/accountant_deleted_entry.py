# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class InvoiceAccountantDeletedEntry(models.Model):
    """The journal entries deleted after they had been posted: what an entry
    batch needs to say "changed since collected" about entries that no longer
    exist. Written by account.move's unlink only (one insert per deletion)."""

    _name = "invoice.accountant.deleted.entry"
    _inherit = ["invoice.append.only.mixin"]
    _description = "Deleted Journal Entry"
    _order = "create_date desc, id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    move_id = fields.Integer(string="Entry ID", readonly=True)
    name = fields.Char(string="Entry", readonly=True)
    date = fields.Date(readonly=True, index=True)
    journal_id = fields.Many2one("account.journal", readonly=True, ondelete="set null")
