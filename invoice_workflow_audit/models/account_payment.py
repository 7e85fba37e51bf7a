# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

# Tracked fields that repeat another tracked field: the activity history keeps
# the change of the field the user edits, the chatter shows both as Odoo does.
REDUNDANT_TRACKED_FIELDS = {
    "amount_signed": "amount",
    "payment_method_id": "payment_method_line_id",
}


class AccountPayment(models.Model):
    _name = "account.payment"
    _inherit = ["account.payment", "invoice.activity.log.mixin"]

    # The story of a payment in its chatter (and so in the activity history):
    # account already tracks date and partner_id.
    amount = fields.Monetary(tracking=True)
    state = fields.Selection(tracking=True)
    payment_method_line_id = fields.Many2one(tracking=True)
    journal_id = fields.Many2one(tracking=True)

    @api.model_create_multi
    def create(self, vals_list):
        payments = super().create(vals_list)
        # Odoo logs the creation in the chatter itself.
        self.env["invoice.activity.log"]._log_action(payments, "payment_created")
        return payments

    def unlink(self):
        if self:
            # Names are taken now: the log keeps them after the payments are gone.
            names = {payment.id: payment.display_name for payment in self}
            self.env["invoice.activity.log"]._log_action(
                self, "payment_deleted", self.env._("Deleted"), names=names
            )
        return super().unlink()

    def _message_track(self, fields_iter, initial_values_dict):
        # account.move reports the state changes of a payment's journal entry
        # on the payment, calling this with ["state"] and the entry's initial
        # values (draft, posted, cancel). The payment's own state is tracked
        # here with its own values: that report would repeat it, wrongly.
        if set(fields_iter) == {"state"} and self._fields["state"].tracking:
            return {}
        # Field tracking already wrote the chatter; the central log takes the
        # same changes, values included, without reading anything again.
        tracking = super()._message_track(fields_iter, initial_values_dict)
        Log = self.env["invoice.activity.log"]
        # Nothing to describe for companies without the history.
        for payment in self.filtered("company_id.activity_log_enabled"):
            changes = tracking.get(payment.id, (None, None))[0]
            if not changes:
                continue
            fnames = sorted(fname for fname in changes if REDUNDANT_TRACKED_FIELDS.get(fname) not in changes)
            initial = initial_values_dict.get(payment.id) or {}
            Log._log_action(payment, "payment_modified", payment._activity_log_describe(fnames, initial))
        return tracking
