# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..common import PROTECTED_WRITE_KEY, is_internal_call


class InvoiceAccountantDeletedEntry(models.Model):
    """The journal entries deleted after they had been posted: what an entry
    batch needs to say "changed since collected" about entries that no longer
    exist. Written by account.move's unlink only (one insert per deletion)."""

    _name = "invoice.accountant.deleted.entry"
    _description = "Deleted Journal Entry"
    _order = "create_date desc, id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    move_id = fields.Integer(string="Entry ID", readonly=True)
    name = fields.Char(string="Entry", readonly=True)
    date = fields.Date(readonly=True, index=True)
    journal_id = fields.Many2one("account.journal", readonly=True, ondelete="set null")

    @api.model_create_multi
    def create(self, vals_list):
        if not is_internal_call(self.env, PROTECTED_WRITE_KEY):
            raise AccessError(self.env._("Deleted entries are recorded by their deletion only."))
        return super().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        raise AccessError(self.env._("The record of deleted entries cannot be modified."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(self.env._("The record of deleted entries cannot be deleted."))
