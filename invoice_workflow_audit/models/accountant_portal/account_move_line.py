# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

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
