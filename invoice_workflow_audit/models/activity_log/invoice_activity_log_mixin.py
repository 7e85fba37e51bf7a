# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from ..common import describe_change


class InvoiceActivityLogMixin(models.AbstractModel):
    """Feeds the activity history from a model's creations, deletions and
    tracked changes, in the shape of OCA's tier validation mixin: a model
    inherits it and declares, with these class attributes, what it logs.

    - ``_activity_log_created``, ``_activity_log_deleted``: the action types
      of a creation and a deletion (None: not logged by the mixin);
    - ``_activity_log_modified``: the action type of tracked field changes,
      logged by ``_activity_log_tracking`` from the model's ``_message_track``;
    - ``_activity_log_untracked``: tracked fields whose changes the history
      leaves out (they are logged as actions of their own, or repeat another).

    Hooks: ``_activity_log_records`` (which of the records are logged),
    ``_activity_log_creation_description`` and ``_activity_log_actions``.
    """

    _name = "invoice.activity.log.mixin"
    _description = "Invoice Activity Log Mixin"

    _activity_log_created = None
    _activity_log_deleted = None
    _activity_log_modified = None
    _activity_log_untracked = ()

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if self._activity_log_created and (logged := records._activity_log_records()):
            Log = self.env["invoice.activity.log"]
            for record in logged if logged._activity_log_describes_creation() else [logged]:
                Log._log_action(
                    record, self._activity_log_created, record._activity_log_creation_description()
                )
        return records

    def unlink(self):
        if self._activity_log_deleted and (logged := self._activity_log_records()):
            # Names are taken now: the history keeps them after the records are gone.
            names = {record.id: record.display_name for record in logged}
            self.env["invoice.activity.log"]._log_action(
                logged, self._activity_log_deleted, self.env._("Deleted"), names=names
            )
        return super().unlink()

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    def _activity_log_records(self):
        """The records whose actions the history records (all by default)."""
        return self

    def _activity_log_describes_creation(self):
        """Whether each creation gets its own description (then logged record by record)."""
        return False

    def _activity_log_creation_description(self):
        """The detail of a creation row (none by default)."""
        return None

    def _activity_log_actions(self, changes):
        """Split the tracked fields ``changes`` into (action type, field names) pairs."""
        fnames = sorted(set(changes) - set(self._activity_log_untracked))
        return [(self._activity_log_modified, fnames)] if fnames else []

    # ------------------------------------------------------------------
    # Tracked changes
    # ------------------------------------------------------------------

    def _activity_log_tracking(self, tracking, initial_values_dict):
        """Log the field changes that mail's tracking just wrote in the chatter
        (``tracking`` and ``initial_values_dict`` as ``_message_track`` has
        them): the same changes, values included, without reading anything
        again. Called by the model's ``_message_track``, which mail.thread
        defines after this mixin in the class hierarchy."""
        Log = self.env["invoice.activity.log"]
        # Nothing to describe for companies without the history.
        for record in self._activity_log_records().filtered("company_id.activity_log_enabled"):
            changes = tracking.get(record.id, (None, None))[0]
            if not changes:
                continue
            initial = initial_values_dict.get(record.id) or {}
            for action_type, fnames in record._activity_log_actions(changes):
                Log._log_action(record, action_type, record._activity_log_describe(fnames, initial))
        return tracking

    def _activity_log_describe(self, fnames, initial):
        """One line "Field: old → new" per field of ``fnames``; ``initial``
        maps field names to the values before the change."""
        self.ensure_one()
        return "\n".join(describe_change(self, fname, initial.get(fname), self[fname]) for fname in fnames)
