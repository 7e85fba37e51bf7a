# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the capabilities share, each defined here once.

Which documents carry a status, are tracked and may recur is account's own
definition of an invoice (``account.move.get_invoice_types()`` and
``is_invoice()``, receipts excluded): it is not repeated here.
"""

from odoo import api, models, tools
from odoo.exceptions import AccessError, ValidationError

# ----------------------------------------------------------------------
# Paid: nothing is left to pay on a document in one of these payment states.
# It is the accounting meaning of the Paid status group, and the Paid column
# of the accountant portal.
# ----------------------------------------------------------------------
SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed", "invoicing_legacy")

# ----------------------------------------------------------------------
# Status groups: each status belongs to one; the group gives the status its
# accounting meaning (account.move._workflow_accounting_group) and its colour.
# ----------------------------------------------------------------------
STATUS_GROUPS = [
    ("new", "New"),
    ("in_progress", "In progress"),
    ("paid", "Paid"),
    ("cancelled", "Cancelled"),
]

# Colour of each group: the index of Odoo's colour picker (tags) and the
# matching decoration of badges, lists and the kanban progress bar (grey for
# Cancelled, as Odoo greys cancelled invoices; colour 0 is the picker's grey).
# The views write the decorations out (XML cannot import them); a test checks
# that every view says the same as this table.
STATUS_GROUP_COLORS = {
    "new": (4, "info"),
    "in_progress": (2, "warning"),
    "paid": (10, "success"),
    "cancelled": (0, "muted"),
}

# ----------------------------------------------------------------------
# Context keys set by the addon's own code paths, and the keys under which a
# transaction's pending work waits for its commit (cr.precommit.data).
#
# The context is the client's: RPC, /report URLs and imports pass it as sent.
# The addon's keys therefore carry INTERNAL_CALL, an object that is not JSON,
# so that no client can send it; is_internal_call() is the only test of them.
# ----------------------------------------------------------------------


class _InternalCall:
    __slots__ = ()

    def __repr__(self):
        return "<invoice_workflow_audit internal call>"


INTERNAL_CALL = _InternalCall()


def is_internal_call(env, key):
    """Whether the addon's own code set the context ``key`` (never a client)."""
    return env.context.get(key) is INTERNAL_CALL


# The addon's own code writes fields that users read but never write: see
# invoice.protected.fields.mixin below, the only user of this key.
PROTECTED_WRITE_KEY = "invoice_workflow_audit_protected_write"
# Odoo's send wizard is sending the document: message_post logs the sending.
SENDING_KEY = "invoice_workflow_audit_sending"
# The payment reminder action is posting: message_post logs the reminder.
REMINDER_KEY = "invoice_workflow_audit_reminder"

# The group that reads the activity history, verifies and seals it.
OWNER_GROUP = "invoice_workflow_audit.group_account_owner"

# Rows of the activity history waiting for the commit.
LOG_QUEUE_KEY = "invoice_workflow_audit.activity_log"
# Changes of invoice lines waiting to be summarised once per document.
LINE_CHANGES_KEY = "invoice_workflow_audit.line_changes"
# Names of records about to be deleted, taken before their deletion began.
NAMES_KEY = "invoice_workflow_audit.names"
# Documents printed or downloaded in the transaction: one print each.
PRINTED_KEY = "invoice_workflow_audit.printed"
# Documents whose change of status the workflow is writing and records itself
# (by hand, received from the platform, moved by a rule): the flush path,
# which records the changes made by accounting events, leaves them to it.
STATUS_SET_KEY = "invoice_workflow_audit.status_set"
# The status and reason each document had in the database before its status
# was computed anew, {move id: (status id, reason id)} (cr.precommit.data):
# where the change is written (_write_multi), the change is recorded from it
# without reading the row back.
STATUS_BEFORE_KEY = "invoice_workflow_audit.status_before"


class ProtectedFieldsMixin(models.AbstractModel):
    """Fields users read but never write, guarded where every door passes.

    A ``readonly`` field is read-only in views only: RPC, imports (``load``
    calls create and write) and scripts write whatever they send. Each model
    lists its kept fields in ``_protected_fields()`` (each capability adds its
    own through ``super()``); ``create`` and ``write`` refuse them once, with
    AccessError, whatever the context. The addon's own code writes them
    through ``_write_protected`` / ``_create_protected``, the only place the
    internal sentinel is set.
    """

    _name = "invoice.protected.fields.mixin"
    _description = "Fields Kept by Invoice Workflow & Audit"

    @api.model
    def _protected_fields(self):
        """Names of the fields users read and never write."""
        return ()

    @api.model_create_multi
    def create(self, vals_list):
        self._check_protected_fields(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_protected_fields([vals])
        return super().write(vals)

    def _is_protected_write(self):
        return self.env.context.get(PROTECTED_WRITE_KEY) is INTERNAL_CALL

    def _check_protected_fields(self, vals_list):
        if self._is_protected_write():
            return
        written = sorted({fname for vals in vals_list for fname in vals} & set(self._protected_fields()))
        if written:
            labels = ", ".join(self._fields[fname]._description_string(self.env) for fname in written)
            raise AccessError(
                self.env._(
                    "%(fields)s: these fields are kept by Odoo itself and cannot be written.", fields=labels
                )
            )

    # The one private write path: a leading underscore is not callable over
    # RPC, and the sentinel is an object no client can send.
    def _as_protected_writer(self):
        """These records in the addon's own write path: the only place the
        sentinel is set. For an override that passes kept fields to super()."""
        return self.with_context(**{PROTECTED_WRITE_KEY: INTERNAL_CALL})

    def _write_protected(self, vals):
        """Write ``vals``, kept fields included: the addon's own code only."""
        return self._as_protected_writer().write(vals)

    @api.model
    def _create_protected(self, vals_list):
        """Create records with kept fields: the addon's own code only. The
        records come back without the sentinel: later writes are checked."""
        return self._as_protected_writer().create(vals_list).with_env(self.env)


class AppendOnlyMixin(models.AbstractModel):
    """Records nobody changes: the history's rows, its chain, the sealer's work
    list, the seals, the record of deleted entries, the entry batches. Through
    the ORM they are created (and, for a batch, marked) by the addon's own
    path only, and never deleted, superuser included; no access right allows
    more (ir.model.access.csv)."""

    _name = "invoice.append.only.mixin"
    _inherit = ["invoice.protected.fields.mixin"]
    _description = "Records Nobody Changes"

    def _append_only_label(self):
        return self.env["ir.model"]._get(self._name).name

    def _check_protected_fields(self, vals_list):
        # Every field is kept, even when none is given (create({})).
        if not self._is_protected_write():
            raise AccessError(
                self.env._(
                    "%(records)s are written by Odoo itself only: they cannot be created or modified.",
                    records=self._append_only_label(),
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(self.env._("%(records)s cannot be deleted.", records=self._append_only_label()))


# PostgreSQL's integer: beyond it a create or write fails in the database.
INTEGER_MAX = 2**31 - 1


def check_integer_values(model, vals_list):
    """Refuse, in the user's language, an integer field given what is no
    whole number PostgreSQL can hold: RPC clients send any JSON, and the
    database would answer with a raw error."""
    for vals in vals_list:
        for fname, value in vals.items():
            field = model._fields.get(fname)
            if not field or field.type != "integer" or value in (None, False):
                continue
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = None
            if number is None or isinstance(value, float) or abs(number) > INTEGER_MAX:
                raise ValidationError(
                    model.env._(
                        "%(field)s must be a whole number between %(min)s and %(max)s.",
                        field=field._description_string(model.env),
                        min=-INTEGER_MAX,
                        max=INTEGER_MAX,
                    )
                )


# ----------------------------------------------------------------------
# "Field: old → new", values as the user reads them
# ----------------------------------------------------------------------


def format_field_value(record, field, value):
    """``value`` of ``field`` (of ``record``'s model) as the user reads it."""
    if field.type in ("many2one", "many2many", "one2many"):
        # Named in the language of ``record``'s environment, whichever read them.
        return ", ".join(value.with_env(record.env).mapped("display_name")) if value else "-"
    if field.type == "selection":
        return dict(field._description_selection(record.env)).get(value, value or "-")
    if field.type == "monetary" and value is not None and value is not False:
        currency = record[field.get_currency_field(record)]
        if currency:
            return tools.format_amount(record.env, value, currency)
    if value in (False, None, ""):
        return "-"
    return str(value)


def describe_change(record, fname, old, new):
    """One line "Field: old → new" for the field ``fname`` of ``record``."""
    field = record._fields[fname]
    return (
        f"{field._description_string(record.env)}: "
        f"{format_field_value(record, field, old)} → {format_field_value(record, field, new)}"
    )
