# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import SQL

from ..common import INTERNAL_CALL, is_internal_call

MODULE = "invoice_workflow_audit"
# The mixin is logging this write: the writes it causes on other watched
# records (a scheduled action's code, written on its server action) are part
# of the same change, not changes of their own.
ADMIN_CHANGE_KEY = "invoice_workflow_audit_admin_change"


def loading_modules(env):
    """Whether Odoo is installing, updating or removing modules right now.

    Module data (this addon's access rights, rules and scheduled actions, and
    every other module's) is loaded while the registry is not ready:
    ``Registry.new()`` sets ``ready`` once ``load_modules()`` has returned, and
    uninstalling runs inside ``load_modules()`` too. The flag lives in the
    server process and no RPC call sets it, unlike the ``install_mode`` or
    ``module`` context keys a client may send. Installing a module is running
    code on the server: what that code does is out of the history's reach.
    """
    return not env.registry.ready


def watched_model_ids(env):
    """The ir.model ids whose access rights and record rules are logged.

    The addon's own models (the history first of all), and the models whose
    access the addon itself decides with the rights and rules it ships
    (account.move and its lines, the invoice analysis, the profiles' journals
    and reconciliations): relaxing the rule that hides a restricted status
    changes what the addon promises as much as granting oneself the history.
    Other models (res.partner...) are Odoo's business, not this history's.
    """
    own = tuple(name for name in env.registry if env.registry[name]._original_module == MODULE)
    env.cr.execute(
        SQL(
            """
            SELECT id FROM ir_model WHERE model IN %(own)s
             UNION
            SELECT access.model_id
              FROM ir_model_access access
              JOIN ir_model_data data ON data.model = 'ir.model.access' AND data.res_id = access.id
             WHERE data.module = %(module)s
             UNION
            SELECT rule.model_id
              FROM ir_rule rule
              JOIN ir_model_data data ON data.model = 'ir.rule' AND data.res_id = rule.id
             WHERE data.module = %(module)s
            """,
            own=own,
            module=MODULE,
        )
    )
    return {model_id for (model_id,) in env.cr.fetchall()}


class InvoiceActivityLogAdminMixin(models.AbstractModel):
    """Logs the changes of configuration records that decide who reads the
    addon's data and whether its history is sealed: access rights, record
    rules, the addon's scheduled actions. A model inherits it and declares:

    - ``_activity_log_admin_fields``: the fields whose changes are logged;
    - ``_activity_log_admin_actions``: the action types of a creation, a
      change and a deletion (None: not logged).

    Hooks: ``_activity_log_admin_watched`` (which records are logged: by
    default those on a watched model), ``_activity_log_admin_label`` and
    ``_activity_log_admin_action`` (the action type of a change).

    Each change is one row in the history of every company that has it on
    (these records belong to no company, as an owner grant does not), with
    the user, the record and its fields before → after. Whatever the context
    says; superuser writes too; only module loading is left out.
    """

    _name = "invoice.activity.log.admin.mixin"
    _description = "Activity History of Administration Changes"

    _activity_log_admin_fields = ()
    _activity_log_admin_actions = (None, None, None)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if self._activity_log_admin_actions[0] and not loading_modules(self.env):
            watched = records._activity_log_admin_watched()
            records._activity_log_admin_log({}, watched._activity_log_admin_snapshot())
        return records

    def write(self, vals):
        before = self._activity_log_admin_before(vals)
        if before is None:
            return super().write(vals)
        logging = self.with_context(**{ADMIN_CHANGE_KEY: INTERNAL_CALL})
        result = super(InvoiceActivityLogAdminMixin, logging).write(vals)
        self._activity_log_admin_written(before)
        return result

    def unlink(self):
        if not self._activity_log_admin_actions[2] or loading_modules(self.env):
            return super().unlink()
        before = self._activity_log_admin_watched()._activity_log_admin_snapshot()
        result = super().unlink()
        self._activity_log_admin_log(before, {})
        return result

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    def _activity_log_admin_watched(self):
        """The records of ``self`` whose changes are logged, as superuser."""
        model_ids = watched_model_ids(self.env)
        records = self.sudo().with_context(active_test=False)
        return records.filtered(lambda record: record.model_id.id in model_ids)

    def _activity_log_admin_label(self):
        """What the history calls this record."""
        self.ensure_one()
        return self.display_name

    def _activity_log_admin_action(self, old, new):
        """The action type of a change: ``old`` and ``new`` are the texts of
        the fields before and after (None for a creation or a deletion)."""
        created, modified, deleted = self._activity_log_admin_actions
        return created if old is None else deleted if new is None else modified

    # ------------------------------------------------------------------
    # Before → after
    # ------------------------------------------------------------------

    def _activity_log_admin_before(self, vals):
        """What a write of ``vals`` on ``self`` is compared to: (the watched
        records, a snapshot of all of ``self``), or None when nothing is logged."""
        if (
            not self
            or loading_modules(self.env)
            or is_internal_call(self.env, ADMIN_CHANGE_KEY)
            or not set(self._activity_log_admin_fields) & vals.keys()
        ):
            return None
        return self._activity_log_admin_watched(), self._activity_log_admin_snapshot()

    def _activity_log_admin_written(self, before):
        # A record moved onto a watched model is logged, as well as one moved
        # away from it.
        watched, snapshot = before
        watched |= self._activity_log_admin_watched()
        before = {record_id: snapshot[record_id] for record_id in watched.ids}
        self._activity_log_admin_log(before, watched._activity_log_admin_snapshot())

    def _activity_log_admin_snapshot(self):
        """{record id: (label, {field: text})}, read as superuser: what a
        change is compared to, and all that is left of a deleted record."""
        records = self.sudo().with_context(active_test=False)
        return {
            record.id: (
                record._activity_log_admin_label(),
                {fname: record._activity_log_admin_text(fname) for fname in self._activity_log_admin_fields},
            )
            for record in records
        }

    def _activity_log_admin_text(self, fname):
        """The value of the field ``fname`` as the history writes it."""
        field = self._fields[fname]
        value = self[fname]
        if field.type == "boolean":
            return self.env._("yes") if value else self.env._("no")
        if field.comodel_name == "res.groups" and not value:
            # An access right or a rule without a group applies to every user.
            return self.env._("everyone")
        if field.comodel_name == "ir.model":
            return ", ".join(value.mapped("model")) or "-"
        if field.type in ("many2one", "many2many", "one2many"):
            return ", ".join(value.mapped("display_name")) or "-"
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value) or "-"
        if value is False or value is None or value == "":
            return "-"
        return str(value)

    @api.model
    def _activity_log_admin_log(self, before, after):
        """One row per record whose watched fields changed between the
        snapshots ``before`` and ``after`` (created: in ``after`` only,
        deleted: in ``before`` only)."""
        if not before and not after:
            return
        companies = self.env["res.company"].sudo().search([("activity_log_enabled", "=", True)])
        if not companies:
            return
        Log = self.env["invoice.activity.log"]
        for record_id in {**before, **after}:
            old, new = before.get(record_id), after.get(record_id)
            old_values, new_values = old and old[1], new and new[1]
            if old_values is not None and new_values is not None:
                changes = [
                    (fname, f"{old_values[fname]} → {new_values[fname]}")
                    for fname in self._activity_log_admin_fields
                    if old_values[fname] != new_values[fname]
                ]
            else:
                changes = list((new_values or old_values).items())
            action_type = self.browse(record_id)._activity_log_admin_action(old_values, new_values)
            if not changes or not action_type:
                continue

            def describe(env, what=(new or old)[0], changes=changes):
                # The labels in the language of ``env`` (each company's); the
                # values as the snapshots read them.
                label = self.with_env(env)._activity_log_admin_field_label
                return env._(
                    "%(what)s: %(changes)s",
                    what=what,
                    changes="; ".join(f"{label(fname)}: {text}" for fname, text in changes),
                )

            Log._log_action(companies, action_type, describe)

    def _activity_log_admin_field_label(self, fname):
        return self._fields[fname]._description_string(self.env)
