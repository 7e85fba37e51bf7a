# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, models, tools

from ..common import NAMES_KEY, describe_change


class InvoiceActivityLogMixin(models.AbstractModel):
    """Feeds the activity history from a model's business operations, in the
    shape of OCA's tier validation mixin: a model inherits it and declares,
    with these class attributes, what it logs.

    - ``_activity_log_created``, ``_activity_log_deleted``: the action types
      of a creation and a deletion (None: not logged by the mixin);
    - ``_activity_log_modified``: the action type of a write of the fields
      that matter (old → new);
    - ``_activity_log_untracked``: tracked fields left out of the history.

    The fields that matter are the model's tracked fields: the history logs
    them from ``write`` itself, whatever the context says (mail's
    ``tracking_disable`` or ``mail_notrack`` only silence the chatter), and
    whatever the transaction holds (created, posted and edited at once).

    Hooks: ``_activity_log_records`` (which records are logged),
    ``_activity_log_creation_description``, ``_activity_log_actions`` (split
    changed fields into action types) and ``_activity_log_name``.
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
                # The row in the company's language (_log_action), not the user's.
                Log._log_action(
                    record,
                    self._activity_log_created,
                    lambda env, record=record: record.with_env(env)._activity_log_creation_description(),
                )
        return records

    def write(self, vals):
        fnames = self._activity_log_fields() & vals.keys() if self else ()
        logged = self._activity_log_records().filtered("company_id.activity_log_enabled") if fnames else ()
        if not logged:
            return super().write(vals)
        # Values as they are before the write, as the user read them.
        before = {record.id: {fname: record[fname] for fname in fnames} for record in logged}
        result = super().write(vals)
        Log = self.env["invoice.activity.log"]
        for record in logged:
            old = before[record.id]
            changed = [fname for fname in sorted(fnames) if record[fname] != old[fname]]
            for action_type, action_fnames in record._activity_log_actions(changed):

                def describe(env, record=record, fnames=action_fnames, old=old):
                    return record.with_env(env)._activity_log_describe(fnames, old)

                # The row in the company's language; the chatter, when tracking
                # left the change out, in the user's.
                bodies = None
                if record._activity_log_tracking_discarded():
                    bodies = record._activity_log_untracked_bodies({record.id: describe(self.env)}) or None
                Log._log_action(record, action_type, describe, chatter_body=bodies)
        return result

    def _activity_log_tracking_discarded(self):
        """These records whose field tracking Odoo leaves out, where the
        history records the change: mail discards the tracking of a record
        created in the same transaction, so an invoice created and posted at
        once (point of sale, sale auto-invoicing, imports) would show its
        posting in the history and not in its chatter. Where the history is
        off, the chatter stays as Odoo writes it."""
        initial = self.env.cr.precommit.data.get(f"mail.tracking.{self._name}", {})
        return self.filtered(
            lambda record: (
                record.id in initial and initial[record.id] is None and record.company_id.activity_log_enabled
            )
        )

    def _activity_log_untracked_bodies(self, descriptions):
        """Chatter notes {record id: body} telling what the history tells
        (``descriptions``, {record id: text}), for the records among these
        whose tracking Odoo left out; empty when tracking writes the chatter."""
        discarded = self.browse(list(descriptions))._activity_log_tracking_discarded()
        return {
            record.id: Markup("<p>%s</p>") % Markup("<br/>").join(descriptions[record.id].split("\n"))
            for record in discarded
            if descriptions[record.id]
        }

    def unlink(self):
        if self._activity_log_deleted and (logged := self._activity_log_records()):
            Log = self.env["invoice.activity.log"]
            # Names are taken now: the history keeps them after the records are gone.
            remembered = self.env.cr.precommit.data.get(NAMES_KEY, {})
            names = {
                record.id: remembered.get((record._name, record.id)) or Log._document_name(record)
                for record in logged
            }
            Log._name_pending_rows({(record._name, record.id): names[record.id] for record in logged})
            Log._log_action(logged, self._activity_log_deleted, lambda env: env._("Deleted"), names=names)
        return super().unlink()

    def export_data(self, fields_to_export):
        # An export takes the data out of Odoo: it is an action of the history.
        result = super().export_data(fields_to_export)
        Log = self.env["invoice.activity.log"]
        for company in self.mapped("company_id") or self.env.company:
            Log._log_export(company, self.filtered(lambda r, c=company: r.company_id == c), fields_to_export)
        return result

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    def _activity_log_records(self):
        """The records whose actions the history records (all by default)."""
        return self

    def _activity_log_remember_names(self):
        """Take the names of these records now, for their deletion row: for
        models that dismantle a record (its lines) before deleting it."""
        Log = self.env["invoice.activity.log"]
        remembered = self.env.cr.precommit.data.setdefault(NAMES_KEY, {})
        for record in self._activity_log_records():
            remembered.setdefault((record._name, record.id), Log._document_name(record))

    @api.model
    @tools.ormcache()
    def _activity_log_fields(self):
        """The fields whose changes the history records: the tracked ones."""
        return frozenset(
            fname
            for fname, field in self._fields.items()
            if getattr(field, "tracking", False) and fname not in self._activity_log_untracked
        )

    def _activity_log_describes_creation(self):
        """Whether each creation gets its own description (then logged record by record)."""
        return False

    def _activity_log_creation_description(self):
        """The detail of a creation row (none by default)."""
        return None

    def _activity_log_actions(self, changes):
        """Split the changed fields ``changes`` into (action type, field names) pairs."""
        return [(self._activity_log_modified, sorted(changes))] if changes else []

    def _activity_log_name(self):
        """How the history names this record, also once it is deleted."""
        self.ensure_one()
        return self.display_name

    def _activity_log_describe(self, fnames, initial):
        """One line "Field: old → new" per field of ``fnames``; ``initial``
        maps field names to the values before the change."""
        self.ensure_one()
        return "\n".join(describe_change(self, fname, initial.get(fname), self[fname]) for fname in fnames)
