# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMove(models.Model):
    """What the activity history records of invoices: creation, deletion and
    the tracked changes (posting, reset, cancellation, status, fields)."""

    _name = "account.move"
    _inherit = ["account.move", "invoice.activity.log.mixin"]

    _activity_log_created = "document_created"
    _activity_log_deleted = "document_deleted"
    _activity_log_modified = "document_modified"

    def _activity_log_records(self):
        return self.filtered(lambda move: move.is_invoice())

    def _activity_log_actions(self, changes):
        changes = set(changes)
        actions = []
        if "state" in changes:
            action = {"posted": "document_posted", "draft": "document_reset", "cancel": "document_cancelled"}
            actions.append((action.get(self.state, "document_modified"), ["state"]))
        if "workflow_status_id" in changes:
            actions.append(("status_changed", ["workflow_status_id"]))
        return actions + super()._activity_log_actions(changes - {"state", "workflow_status_id"})

    def _message_track(self, fields_iter, initial_values_dict):
        tracking = super()._message_track(fields_iter, initial_values_dict)
        return self._activity_log_tracking(tracking, initial_values_dict)
