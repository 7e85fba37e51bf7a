# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountPayment(models.Model):
    _name = "account.payment"
    _inherit = ["account.payment", "invoice.activity.log.mixin"]

    # The story of a payment in its chatter (and so in the activity history):
    # account already tracks date and partner_id.
    amount = fields.Monetary(tracking=True)
    state = fields.Selection(tracking=True)
    payment_method_line_id = fields.Many2one(tracking=True)
    journal_id = fields.Many2one(tracking=True)

    # Odoo logs the creation in the chatter itself; the history gets a row.
    _activity_log_created = "payment_created"
    _activity_log_deleted = "payment_deleted"
    _activity_log_modified = "payment_modified"

    # Tracked fields that repeat another tracked field: the history keeps the
    # change of the field the user edits (amount, payment method line), the
    # chatter shows both as Odoo does.
    _activity_log_untracked = ("amount_signed", "payment_method_id")

    def _message_track(self, fields_iter, initial_values_dict):
        # account.move reports the state changes of a payment's journal entry
        # on the payment, calling this with ["state"] and the entry's initial
        # values (draft, posted, cancel). The payment's own state is tracked
        # here with its own values: that report would repeat it, wrongly.
        if set(fields_iter) == {"state"} and self._fields["state"].tracking:
            return {}
        return super()._message_track(fields_iter, initial_values_dict)
