# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models, tools


class AccountMove(models.Model):
    """What the activity history records of invoices: creation, deletion,
    posting, reset, cancellation and the edits of the fields that matter,
    from the operations themselves."""

    _name = "account.move"
    _inherit = ["account.move", "invoice.activity.log.mixin"]

    _activity_log_created = "document_created"
    _activity_log_deleted = "document_deleted"
    _activity_log_modified = "document_modified"
    # Posting sets "checked" by itself (the journal's autocheck): what the
    # history records is a user marking the document reviewed (below).
    _activity_log_untracked = ("checked",)

    def _activity_log_records(self):
        return self.filtered(lambda move: move.is_invoice())

    def unlink(self):
        # account deletes the lines before the document: name it first.
        self._activity_log_remember_names()
        return super().unlink()

    def _activity_log_actions(self, changes):
        changes = set(changes)
        actions = []
        if "state" in changes:
            action = {"posted": "document_posted", "draft": "document_reset", "cancel": "document_cancelled"}
            actions.append((action.get(self.state, "document_modified"), ["state"]))
        return actions + super()._activity_log_actions(changes - {"state"})

    def button_set_checked(self):
        result = super().button_set_checked()
        self.env["invoice.activity.log"]._log_action(
            self._activity_log_records(), "document_modified", lambda env: env._("Marked as reviewed")
        )
        return result

    def _activity_log_name(self):
        # A draft has no number yet: its type, id, partner and amount tell it
        # apart from every other draft, also once it is deleted.
        self.ensure_one()
        if self.name and self.name != "/":
            return self.display_name
        type_label = dict(self._fields["move_type"]._description_selection(self.env))[self.move_type]
        return self.env._(
            "Draft %(type)s #%(id)s — %(partner)s — %(amount)s",
            type=type_label.lower(),
            id=self.id,
            partner=self.partner_id.display_name or "-",
            amount=tools.format_amount(self.env, self.amount_total, self.currency_id),
        )
