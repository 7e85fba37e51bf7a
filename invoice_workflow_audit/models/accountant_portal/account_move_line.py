# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

# The fields of a journal item an entry batch holds: a change of one of them,
# on an entry posted now or before, flags the batches of its period.
ACCOUNTING_LINE_FIELDS = frozenset(
    {
        "account_id",
        "partner_id",
        "date",
        "name",
        "debit",
        "credit",
        "balance",
        "amount_currency",
        "currency_id",
        "date_maturity",
        "journal_id",
        "move_id",
    }
)


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.move_id._accountant_stamp_changed()
        return lines

    def write(self, vals):
        moves = self.move_id
        result = super().write(vals)
        if ACCOUNTING_LINE_FIELDS.intersection(vals):
            # Both the entry it left and the one it joined (move_id).
            (moves | self.move_id)._accountant_stamp_changed()
        return result

    def unlink(self):
        moves = self.move_id
        result = super().unlink()
        moves.exists()._accountant_stamp_changed()
        return result

    def _accountant_line_kind(self):
        """What the entry of this line is, as the History page of the
        accountant portal labels it: a payment (or any bank or cash entry),
        an invoice, a credit note, a bill, a refund, or a miscellaneous entry."""
        self.ensure_one()
        move = self.move_id
        if move.origin_payment_id or move.journal_id.type in ("bank", "cash") or move.statement_line_id:
            return self.env._("Payment")
        if move.move_type == "out_invoice":
            return self.env._("Invoice")
        if move.move_type == "out_refund":
            return self.env._("Credit note")
        if move.move_type == "in_invoice":
            return self.env._("Bill")
        if move.move_type == "in_refund":
            return self.env._("Refund")
        return self.env._("Miscellaneous")
