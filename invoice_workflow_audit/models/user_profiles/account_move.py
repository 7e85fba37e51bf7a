# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

# What only invoicing users change on an invoice, a bill or a receipt: its
# accounting state (posting, reset, cancellation), its review, its scheduled
# posting (Odoo's cron posts the drafts marked for it). Each with the value a
# new document has.
PROFILE_KEPT_FIELDS = {"state": "draft", "checked": False, "auto_post": "no"}
# A new document of a profile is a draft that no cron will post. Not
# ``checked``: a copy carries it, and posting sets it anew.
PROFILE_KEPT_ON_CREATE = ("state", "auto_post")


class AccountMove(models.Model):
    """The user profiles' side of account.move: sales representatives and
    purchasing users prepare drafts of their side and never post, reset,
    cancel or review them.

    Their record rules (security/ir_rules.xml) give them write access to
    drafts only, so that no door reaches a posted or cancelled document; the
    checks below refuse what is left on a draft, and name the action refused.
    Both concern invoices, credit notes, bills, refunds and receipts only: the
    journal entries Odoo posts for the user (stock valuation, point of sale
    closing) are none of the profiles' business."""

    _inherit = "account.move"

    def _is_limited_profile_call(self):
        """Whether a user of a limited profile is behind the call. Superuser
        mode is the server's own code acting for the user (point of sale,
        stock valuation, crons): trusted, as Odoo's own group checks trust
        it (``env.su``)."""
        return not self.env.su and self.env.user._has_limited_invoicing_profile()

    def _check_profile_may(self, action):
        """Raise AccessError when the user behind the call may not ``action``
        (a sentence: "post documents") these documents."""
        if self._is_limited_profile_call() and any(move.is_invoice(include_receipts=True) for move in self):
            self.env.user._check_may_post_and_pay(action)

    def _kept_value(self, fname, value):
        """``value`` written to ``fname`` as the record reads it."""
        field = self._fields[fname]
        return field.convert_to_record(field.convert_to_cache(value, self), self)

    def _refuse_profile_changes(self, fnames):
        """Refuse the user the change of ``fnames`` (of PROFILE_KEPT_FIELDS), if any."""
        if fnames:
            labels = ", ".join(sorted(self._fields[fname]._description_string(self.env) for fname in fnames))
            self.env.user._check_may_post_and_pay(self.env._("change the fields %(fields)s", fields=labels))

    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_limited_profile_call():
            return super().create(vals_list)
        invoice_types = self.get_invoice_types(include_receipts=True)
        default_type = self.env.context.get("default_move_type")
        self._refuse_profile_changes(
            {
                fname
                for vals in vals_list
                if (vals.get("move_type") or default_type) in invoice_types
                for fname in PROFILE_KEPT_ON_CREATE
                if fname in vals and self._kept_value(fname, vals[fname]) != PROFILE_KEPT_FIELDS[fname]
            }
        )
        # copy() calls create on the originals, and account's create resets
        # their "dirty" flags by a write: a profile duplicating a posted
        # document, which it may not write, would be refused.
        return super(AccountMove, self.browse()).create(vals_list)

    def write(self, vals):
        kept = set(vals) & set(PROFILE_KEPT_FIELDS)
        if kept and self._is_limited_profile_call():
            invoices = self.filtered(lambda move: move.is_invoice(include_receipts=True))
            self._refuse_profile_changes(
                {
                    fname
                    for fname in kept
                    if any(move[fname] != move._kept_value(fname, vals[fname]) for move in invoices)
                }
            )
        return super().write(vals)

    def _post(self, soft=True):
        # Every posting goes through _post (the Confirm button, action_post,
        # the statuses of the In progress group, RPC).
        self._check_profile_may(self.env._("post documents"))
        return super()._post(soft=soft)

    def button_draft(self):
        self._check_profile_may(self.env._("reset documents to draft"))
        return super().button_draft()

    def button_cancel(self):
        self._check_profile_may(self.env._("cancel documents"))
        return super().button_cancel()

    def button_set_checked(self):
        self._check_profile_may(self.env._("mark documents as checked"))
        return super().button_set_checked()
