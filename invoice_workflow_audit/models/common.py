# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the capabilities share, each defined here once.

Which documents carry a status, are tracked and may recur is account's own
definition of an invoice (``account.move.get_invoice_types()`` and
``is_invoice()``, receipts excluded): it is not repeated here.
"""

from odoo import tools
from odoo.exceptions import AccessError

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


# The addon's own code writes fields that users read but never write
# (counters, dates, states it keeps): see check_protected_fields.
PROTECTED_WRITE_KEY = "invoice_workflow_audit_protected_write"
# action_set_workflow_status ran its checks: write() lets the status through.
STATUS_CHECKED_KEY = "invoice_workflow_status_checked"
# The portal path sets the accountant's Processed flag.
ACCOUNTANT_PROCESSED_KEY = "invoice_workflow_audit_accountant_processed"
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


def check_protected_fields(model, vals_list, fnames):
    """Refuse ``fnames`` in the values of a create or write (``vals_list``)
    unless the addon's own code writes them. A ``readonly`` field is
    read-only in views only: RPC, imports (``load``) and scripts go through
    create() and write(), which call this."""
    if is_internal_call(model.env, PROTECTED_WRITE_KEY):
        return
    written = sorted({fname for vals in vals_list for fname in vals} & set(fnames))
    if written:
        labels = ", ".join(model._fields[fname]._description_string(model.env) for fname in written)
        raise AccessError(
            model.env._(
                "%(fields)s: these fields are kept by Odoo itself and cannot be written.", fields=labels
            )
        )


# ----------------------------------------------------------------------
# "Field: old → new", values as the user reads them
# ----------------------------------------------------------------------


def format_field_value(record, field, value):
    """``value`` of ``field`` (of ``record``'s model) as the user reads it."""
    if field.type in ("many2one", "many2many", "one2many"):
        return ", ".join(value.mapped("display_name")) if value else "-"
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


# ----------------------------------------------------------------------
# Demo data (demo/invoice_workflow_audit_demo.xml): each capability fills its
# part through its own business methods, acting as the demo administrator in
# the main company, on account's demo documents of that company.
# ----------------------------------------------------------------------


def demo_env(env, user_xmlid="base.user_admin"):
    """``env`` as the demo user ``user_xmlid`` (no superuser mode), in the main company."""
    company = env.ref("base.main_company")
    user = env.ref(user_xmlid)
    return env(user=user.id, su=False, context=dict(env.context, allowed_company_ids=[company.id]))


def demo_documents(env, *names):
    """Account's demo documents ``names`` of the main company that exist
    (their xml ids are per company: account.<company id>_<name>)."""
    company = env.ref("base.main_company")
    Move = env["account.move"]
    return Move.union(
        *(env.ref(f"account.{company.id}_{name}", raise_if_not_found=False) or Move for name in names)
    )
