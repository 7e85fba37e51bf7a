# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, models, tools

# The documents a matching pays, when both sides are workflow documents (a
# credit note against an invoice): the invoice or bill.
PAID_MOVE_TYPES = ("out_invoice", "in_invoice")


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._log_payment_matchings("payment_reconciled", partials._payment_matchings())
        return partials

    def unlink(self):
        # What the partials paid is read before they go, and logged once they
        # are gone: a refused unlink logs nothing.
        matchings = self._payment_matchings()
        result = super().unlink()
        self._log_payment_matchings("payment_unreconciled", matchings)
        return result

    # ------------------------------------------------------------------
    # Which payment pays which invoice
    # ------------------------------------------------------------------

    def _payment_matchings(self):
        """What each partial pays, as a list of dicts:

        - ``invoice``: the workflow document paid (invoice, credit note, bill, refund);
        - ``payments``: the payments that pay it (account.payment), possibly empty;
        - ``document``: the paying journal entry when no payment stands for it
          (a credit note, a bank statement line), else an empty recordset;
        - ``amount``: the amount matched and the invoice's currency, (amount, currency).

        Matchings of other entries (exchange differences, cash basis, a payment
        with its bank statement line) pay no invoice and are left out.
        """
        matchings = []
        for partial in self:
            debit_move = partial.debit_move_id.move_id
            credit_move = partial.credit_move_id.move_id
            if not debit_move.is_invoice() and not credit_move.is_invoice():
                continue
            if credit_move.move_type in PAID_MOVE_TYPES or not debit_move.is_invoice():
                invoice, other = credit_move, debit_move
                amount, currency = partial.credit_amount_currency, partial.credit_currency_id
            else:
                invoice, other = debit_move, credit_move
                amount, currency = partial.debit_amount_currency, partial.debit_currency_id
            # The payment whose journal entry this is, else the payment without
            # journal entry that this matching settles, as account decides it.
            payments = other.origin_payment_id or partial._get_to_update_payments(from_state="paid")
            document = other.browse()
            if not payments and (other.is_invoice() or other.statement_line_id):
                document = other
            if not payments and not document:
                continue
            matchings.append(
                {
                    "invoice": invoice,
                    "payments": payments,
                    "document": document,
                    "amount": (amount, currency),
                }
            )
        return matchings

    def _log_payment_matchings(self, action_type, matchings):
        """Log each matching in the chatter and the activity history of the
        invoice and of its payments (or paying document), one ``_log_action``
        call per model and text."""
        if not matchings:
            return
        groups = {}  # (text arguments, model): records
        names = {}

        def add(args, records):
            key = (args, records._name)
            groups[key] = groups.get(key, records.browse()) | records

        for matching in matchings:
            invoice = matching["invoice"]
            names[invoice] = invoice.display_name
            for payment in matching["payments"]:
                names[payment] = payment.display_name
                args = (action_type, names[payment], names[invoice], matching["amount"], True)
                add(args, invoice)
                add(args, payment)
            if document := matching["document"]:
                names[document] = document.display_name
                args = (action_type, names[document], names[invoice], matching["amount"], False)
                # A credit note is a workflow document: its chatter tells the story too.
                add(args, invoice | document if document.is_invoice() else invoice)
        Log = self.env["invoice.activity.log"]
        for (args, _model), records in groups.items():
            # The row in the company's language, the chatter in the user's.
            Log._log_action(
                records,
                action_type,
                lambda env, args=args: self._payment_matching_text(env, *args),
                chatter_body=Markup("<p>%s</p>") % self._payment_matching_text(self.env, *args),
                names={record.id: names[record] for record in records},
            )

    @api.model
    def _payment_matching_text(self, env, action_type, payer, invoice, amount, is_payment):
        """The text of a matching in the language of ``env``."""
        amount = tools.format_amount(env, *amount)
        if action_type == "payment_reconciled":
            if is_payment:
                return env._(
                    "Payment %(payment)s reconciled with %(invoice)s (amount %(amount)s)",
                    payment=payer,
                    invoice=invoice,
                    amount=amount,
                )
            return env._(
                "%(document)s reconciled with %(invoice)s (amount %(amount)s)",
                document=payer,
                invoice=invoice,
                amount=amount,
            )
        if is_payment:
            return env._(
                "Payment %(payment)s unreconciled from %(invoice)s (amount %(amount)s)",
                payment=payer,
                invoice=invoice,
                amount=amount,
            )
        return env._(
            "%(document)s unreconciled from %(invoice)s (amount %(amount)s)",
            document=payer,
            invoice=invoice,
            amount=amount,
        )
