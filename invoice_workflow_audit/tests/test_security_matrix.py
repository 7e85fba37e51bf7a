# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import closing

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import WorkflowStatusCommon

MODULE = "invoice_workflow_audit"

STATUS = "invoice.workflow.status"
STATUS_CHANGE = "invoice.workflow.status.change"
LOG = "invoice.activity.log"
LINK = "invoice.activity.log.link"
PENDING = "invoice.activity.log.pending"
SEAL = "invoice.activity.log.seal"
KEY = "invoice.activity.log.key"
CLOSING = "invoice.activity.log.closing"
CLOSING_DOCUMENT = "invoice.activity.log.closing.document"
ARCHIVE = "invoice.activity.log.archive"
ANCHOR = "invoice.activity.log.anchor"
VERIFY = "invoice.activity.log.verify"
RECURRENCE = "invoice.recurrence"
BATCH = "invoice.accountant.batch"
DELETED = "invoice.accountant.deleted.entry"
EMAILED = "invoice.accountant.customer.email"
EXPORT_REQUEST = "invoice.accountant.export.request"
REASON = "invoice.lifecycle.reason"
EVENT = "invoice.lifecycle.event"
INDEX = "invoice.recurrence.index"
INDEX_VALUE = "invoice.recurrence.index.value"
REVISION = "invoice.recurrence.revision"
PERIOD = "invoice.workflow.status.period"
TIME_REPORT = "invoice.workflow.status.time.report"

# Every model the addon defines has its line in the matrix. Abstract models
# have no table and no records: they are listed here instead.
MODELS = (
    STATUS,
    STATUS_CHANGE,
    LOG,
    LINK,
    PENDING,
    SEAL,
    KEY,
    CLOSING,
    CLOSING_DOCUMENT,
    ARCHIVE,
    ANCHOR,
    VERIFY,
    RECURRENCE,
    BATCH,
    DELETED,
    EMAILED,
    EXPORT_REQUEST,
    REASON,
    EVENT,
    INDEX,
    INDEX_VALUE,
    REVISION,
    PERIOD,
    TIME_REPORT,
)
ABSTRACT_MODELS = {
    "invoice.activity.log.mixin",
    "invoice.protected.fields.mixin",
    "invoice.append.only.mixin",
    "invoice.activity.log.admin.mixin",
    "invoice.accountant.batch.export",
    "invoice.recurrence.schedule.mixin",
}

# The groups the product speaks of, one test user each (setUpClass).
GROUPS = (
    "invoice_user",  # account.group_account_invoice
    "account_manager",  # account.group_account_manager
    "readonly",  # account.group_account_readonly (auditors)
    "status_manager",  # invoice_workflow_audit.group_invoice_workflow_manager
    "account_owner",  # invoice_workflow_audit.group_account_owner
    "portal_accountant",  # base.group_portal, in res.company.accountant_user_ids
    "portal_customer",  # base.group_portal
    "public",  # base.group_public
    "sales_admin",  # invoice_workflow_audit.group_profile_sales_admin
    "sales_rep",  # invoice_workflow_audit.group_profile_sales_rep
    "purchasing",  # invoice_workflow_audit.group_profile_purchasing
)

OPERATIONS = ("read", "create", "write", "unlink")

# What the product promises (DESIGN.md; readme/CONFIGURE.md and USAGE.md,
# "Statuses" and "Activity history"), operation by operation: r(ead) c(reate) w(rite)
# u(nlink), "-" where the operation is refused with AccessError.
# - Statuses show on every document: internal and portal users read them; the
#   Invoice Status Managers configure them.
# - Change Status is an invoicing action: invoicing users (and the groups that
#   imply it) open and fill the wizard; nobody deletes a wizard (the vacuum does).
# - The activity history, its chain, the rows awaiting their seal and the seals:
#   the account owner reads them; no group implies the owner ("administrators
#   see nothing of the history unless they are given it too"); nobody creates,
#   changes or deletes them.
# - The closings and the documents they counted: the account owner reads
#   them; nobody creates (but the closing path), changes or deletes them.
# - Archives: the account owner asks for them (and deletes one not generated
#   yet); nobody else sees them.
# - Purge anchors: the account owner reads them; only the purge makes them.
# - Verify Integrity: the account owner only.
# - Recurrences: invoicing users manage them, read-only accounting users read them.
# - Entry batches, the record of deleted entries and of the invoices e-mailed
#   from the accountant portal: accounting managers read
#   them; portal accountants never through the ORM (the portal reads their
#   company's batches as superuser); nobody creates, changes or deletes them.
# - Price revision indices and their values: managed as recurrences are; the
#   revisions are the scheduler's: read by who reads recurrences, made,
#   changed and deleted by nobody.
# - User profiles (readme/CONFIGURE.md, "User profiles"): Sales administration is an
#   invoicing user; sales representatives and purchasing users are internal
#   users who prepare documents of one side and nothing else of the addon:
#   they read statuses, no history, no recurrence, no Change Status wizard.
# - E-invoicing reason codes: internal users read them (Change Status offers
#   them); the Invoice Status Managers extend the lists.
# - E-invoicing lifecycle events: invoicing and read-only accounting users read
#   them; nobody creates, changes or deletes them (the addon queues them, the
#   connector marks them through its methods).
# - Status periods: the workflow records them; nobody reads or writes them
#   through the ORM. The time-in-status report built on them: invoicing and
#   read-only accounting users read it (as the invoice analysis); nobody
#   writes it (a SQL view).
EXPECTED = {
    (PERIOD, "invoice_user"): "----",
    (PERIOD, "account_manager"): "----",
    (PERIOD, "readonly"): "----",
    (PERIOD, "status_manager"): "----",
    (PERIOD, "account_owner"): "----",
    (PERIOD, "portal_accountant"): "----",
    (PERIOD, "portal_customer"): "----",
    (PERIOD, "public"): "----",
    (PERIOD, "sales_admin"): "----",
    (PERIOD, "sales_rep"): "----",
    (PERIOD, "purchasing"): "----",
    (TIME_REPORT, "invoice_user"): "r---",
    (TIME_REPORT, "account_manager"): "r---",
    (TIME_REPORT, "readonly"): "r---",
    (TIME_REPORT, "status_manager"): "r---",
    (TIME_REPORT, "account_owner"): "r---",
    (TIME_REPORT, "portal_accountant"): "----",
    (TIME_REPORT, "portal_customer"): "----",
    (TIME_REPORT, "public"): "----",
    (TIME_REPORT, "sales_admin"): "r---",
    (TIME_REPORT, "sales_rep"): "----",
    (TIME_REPORT, "purchasing"): "----",
    (EVENT, "invoice_user"): "r---",
    (EVENT, "account_manager"): "r---",
    (EVENT, "readonly"): "r---",
    (EVENT, "status_manager"): "r---",
    (EVENT, "account_owner"): "r---",
    (EVENT, "portal_accountant"): "----",
    (EVENT, "portal_customer"): "----",
    (EVENT, "public"): "----",
    (EVENT, "sales_admin"): "r---",
    (EVENT, "sales_rep"): "----",
    (EVENT, "purchasing"): "----",
    (REASON, "invoice_user"): "r---",
    (REASON, "account_manager"): "r---",
    (REASON, "readonly"): "r---",
    (REASON, "status_manager"): "rcwu",
    (REASON, "account_owner"): "r---",
    (REASON, "portal_accountant"): "----",
    (REASON, "portal_customer"): "----",
    (REASON, "public"): "----",
    (REASON, "sales_admin"): "r---",
    (REASON, "sales_rep"): "r---",
    (REASON, "purchasing"): "r---",
    (STATUS, "invoice_user"): "r---",
    (STATUS, "account_manager"): "r---",
    (STATUS, "readonly"): "r---",
    (STATUS, "status_manager"): "rcwu",
    (STATUS, "account_owner"): "r---",
    (STATUS, "portal_accountant"): "r---",
    (STATUS, "portal_customer"): "r---",
    (STATUS, "public"): "----",
    (STATUS, "sales_admin"): "r---",
    (STATUS, "sales_rep"): "r---",
    (STATUS, "purchasing"): "r---",
    (STATUS_CHANGE, "invoice_user"): "rcw-",
    (STATUS_CHANGE, "account_manager"): "rcw-",
    (STATUS_CHANGE, "readonly"): "----",
    (STATUS_CHANGE, "status_manager"): "rcw-",
    (STATUS_CHANGE, "account_owner"): "rcw-",
    (STATUS_CHANGE, "portal_accountant"): "----",
    (STATUS_CHANGE, "portal_customer"): "----",
    (STATUS_CHANGE, "public"): "----",
    (STATUS_CHANGE, "sales_admin"): "rcw-",
    (STATUS_CHANGE, "sales_rep"): "----",
    (STATUS_CHANGE, "purchasing"): "----",
    (LOG, "invoice_user"): "----",
    (LOG, "account_manager"): "----",
    (LOG, "readonly"): "----",
    (LOG, "status_manager"): "----",
    (LOG, "account_owner"): "r---",
    (LOG, "portal_accountant"): "----",
    (LOG, "portal_customer"): "----",
    (LOG, "public"): "----",
    (LOG, "sales_admin"): "----",
    (LOG, "sales_rep"): "----",
    (LOG, "purchasing"): "----",
    (LINK, "invoice_user"): "----",
    (LINK, "account_manager"): "----",
    (LINK, "readonly"): "----",
    (LINK, "status_manager"): "----",
    (LINK, "account_owner"): "r---",
    (LINK, "portal_accountant"): "----",
    (LINK, "portal_customer"): "----",
    (LINK, "public"): "----",
    (LINK, "sales_admin"): "----",
    (LINK, "sales_rep"): "----",
    (LINK, "purchasing"): "----",
    (PENDING, "invoice_user"): "----",
    (PENDING, "account_manager"): "----",
    (PENDING, "readonly"): "----",
    (PENDING, "status_manager"): "----",
    (PENDING, "account_owner"): "r---",
    (PENDING, "portal_accountant"): "----",
    (PENDING, "portal_customer"): "----",
    (PENDING, "public"): "----",
    (PENDING, "sales_admin"): "----",
    (PENDING, "sales_rep"): "----",
    (PENDING, "purchasing"): "----",
    (SEAL, "invoice_user"): "----",
    (SEAL, "account_manager"): "----",
    (SEAL, "readonly"): "----",
    (SEAL, "status_manager"): "----",
    (SEAL, "account_owner"): "r---",
    (SEAL, "portal_accountant"): "----",
    (SEAL, "portal_customer"): "----",
    (SEAL, "public"): "----",
    (SEAL, "sales_admin"): "----",
    (SEAL, "sales_rep"): "----",
    (SEAL, "purchasing"): "----",
    (KEY, "invoice_user"): "----",
    (KEY, "account_manager"): "----",
    (KEY, "readonly"): "----",
    (KEY, "status_manager"): "----",
    (KEY, "account_owner"): "r---",
    (KEY, "portal_accountant"): "----",
    (KEY, "portal_customer"): "----",
    (KEY, "public"): "----",
    (KEY, "sales_admin"): "----",
    (KEY, "sales_rep"): "----",
    (KEY, "purchasing"): "----",
    (CLOSING, "invoice_user"): "----",
    (CLOSING, "account_manager"): "----",
    (CLOSING, "readonly"): "----",
    (CLOSING, "status_manager"): "----",
    (CLOSING, "account_owner"): "r---",
    (CLOSING, "portal_accountant"): "----",
    (CLOSING, "portal_customer"): "----",
    (CLOSING, "public"): "----",
    (CLOSING, "sales_admin"): "----",
    (CLOSING, "sales_rep"): "----",
    (CLOSING, "purchasing"): "----",
    (CLOSING_DOCUMENT, "invoice_user"): "----",
    (CLOSING_DOCUMENT, "account_manager"): "----",
    (CLOSING_DOCUMENT, "readonly"): "----",
    (CLOSING_DOCUMENT, "status_manager"): "----",
    (CLOSING_DOCUMENT, "account_owner"): "r---",
    (CLOSING_DOCUMENT, "portal_accountant"): "----",
    (CLOSING_DOCUMENT, "portal_customer"): "----",
    (CLOSING_DOCUMENT, "public"): "----",
    (CLOSING_DOCUMENT, "sales_admin"): "----",
    (CLOSING_DOCUMENT, "sales_rep"): "----",
    (CLOSING_DOCUMENT, "purchasing"): "----",
    (ARCHIVE, "invoice_user"): "----",
    (ARCHIVE, "account_manager"): "----",
    (ARCHIVE, "readonly"): "----",
    (ARCHIVE, "status_manager"): "----",
    (ARCHIVE, "account_owner"): "rcwu",
    (ARCHIVE, "portal_accountant"): "----",
    (ARCHIVE, "portal_customer"): "----",
    (ARCHIVE, "public"): "----",
    (ARCHIVE, "sales_admin"): "----",
    (ARCHIVE, "sales_rep"): "----",
    (ARCHIVE, "purchasing"): "----",
    (ANCHOR, "invoice_user"): "----",
    (ANCHOR, "account_manager"): "----",
    (ANCHOR, "readonly"): "----",
    (ANCHOR, "status_manager"): "----",
    (ANCHOR, "account_owner"): "r---",
    (ANCHOR, "portal_accountant"): "----",
    (ANCHOR, "portal_customer"): "----",
    (ANCHOR, "public"): "----",
    (ANCHOR, "sales_admin"): "----",
    (ANCHOR, "sales_rep"): "----",
    (ANCHOR, "purchasing"): "----",
    (VERIFY, "invoice_user"): "----",
    (VERIFY, "account_manager"): "----",
    (VERIFY, "readonly"): "----",
    (VERIFY, "status_manager"): "----",
    (VERIFY, "account_owner"): "rcw-",
    (VERIFY, "portal_accountant"): "----",
    (VERIFY, "portal_customer"): "----",
    (VERIFY, "public"): "----",
    (VERIFY, "sales_admin"): "----",
    (VERIFY, "sales_rep"): "----",
    (VERIFY, "purchasing"): "----",
    (RECURRENCE, "invoice_user"): "rcwu",
    (RECURRENCE, "account_manager"): "rcwu",
    (RECURRENCE, "readonly"): "r---",
    (RECURRENCE, "status_manager"): "rcwu",
    (RECURRENCE, "account_owner"): "rcwu",
    (RECURRENCE, "portal_accountant"): "----",
    (RECURRENCE, "portal_customer"): "----",
    (RECURRENCE, "public"): "----",
    (BATCH, "invoice_user"): "----",
    (BATCH, "account_manager"): "r---",
    (BATCH, "readonly"): "----",
    (BATCH, "status_manager"): "----",
    (BATCH, "account_owner"): "----",
    (BATCH, "portal_accountant"): "----",
    (BATCH, "portal_customer"): "----",
    (BATCH, "public"): "----",
    (DELETED, "invoice_user"): "----",
    (DELETED, "account_manager"): "r---",
    (DELETED, "readonly"): "----",
    (DELETED, "status_manager"): "----",
    (DELETED, "account_owner"): "----",
    (DELETED, "portal_accountant"): "----",
    (DELETED, "portal_customer"): "----",
    (DELETED, "public"): "----",
    (BATCH, "sales_admin"): "----",
    (BATCH, "sales_rep"): "----",
    (BATCH, "purchasing"): "----",
    (DELETED, "sales_admin"): "----",
    (DELETED, "sales_rep"): "----",
    (DELETED, "purchasing"): "----",
    (RECURRENCE, "sales_admin"): "rcwu",
    (RECURRENCE, "sales_rep"): "----",
    (RECURRENCE, "purchasing"): "----",
    (EMAILED, "invoice_user"): "----",
    (EMAILED, "account_manager"): "r---",
    (EMAILED, "readonly"): "----",
    (EMAILED, "status_manager"): "----",
    (EMAILED, "account_owner"): "----",
    (EMAILED, "portal_accountant"): "----",
    (EMAILED, "portal_customer"): "----",
    (EMAILED, "public"): "----",
    (EMAILED, "sales_admin"): "----",
    (EMAILED, "sales_rep"): "----",
    (EMAILED, "purchasing"): "----",
    # Exports in the background: queued by the accountant's portal route and
    # written by the scheduled action only; accounting managers read them.
    (EXPORT_REQUEST, "invoice_user"): "----",
    (EXPORT_REQUEST, "account_manager"): "r---",
    (EXPORT_REQUEST, "readonly"): "----",
    (EXPORT_REQUEST, "status_manager"): "----",
    (EXPORT_REQUEST, "account_owner"): "----",
    (EXPORT_REQUEST, "portal_accountant"): "----",
    (EXPORT_REQUEST, "portal_customer"): "----",
    (EXPORT_REQUEST, "public"): "----",
    (EXPORT_REQUEST, "sales_admin"): "----",
    (EXPORT_REQUEST, "sales_rep"): "----",
    (EXPORT_REQUEST, "purchasing"): "----",
    (INDEX, "invoice_user"): "rcwu",
    (INDEX, "account_manager"): "rcwu",
    (INDEX, "readonly"): "r---",
    (INDEX, "status_manager"): "rcwu",
    (INDEX, "account_owner"): "rcwu",
    (INDEX, "portal_accountant"): "----",
    (INDEX, "portal_customer"): "----",
    (INDEX, "public"): "----",
    (INDEX, "sales_admin"): "rcwu",
    (INDEX, "sales_rep"): "----",
    (INDEX, "purchasing"): "----",
    (INDEX_VALUE, "invoice_user"): "rcwu",
    (INDEX_VALUE, "account_manager"): "rcwu",
    (INDEX_VALUE, "readonly"): "r---",
    (INDEX_VALUE, "status_manager"): "rcwu",
    (INDEX_VALUE, "account_owner"): "rcwu",
    (INDEX_VALUE, "portal_accountant"): "----",
    (INDEX_VALUE, "portal_customer"): "----",
    (INDEX_VALUE, "public"): "----",
    (INDEX_VALUE, "sales_admin"): "rcwu",
    (INDEX_VALUE, "sales_rep"): "----",
    (INDEX_VALUE, "purchasing"): "----",
    (REVISION, "invoice_user"): "r---",
    (REVISION, "account_manager"): "r---",
    (REVISION, "readonly"): "r---",
    (REVISION, "status_manager"): "r---",
    (REVISION, "account_owner"): "r---",
    (REVISION, "portal_accountant"): "----",
    (REVISION, "portal_customer"): "----",
    (REVISION, "public"): "----",
    (REVISION, "sales_admin"): "r---",
    (REVISION, "sales_rep"): "----",
    (REVISION, "purchasing"): "----",
}

# Append-only for real: these operations raise AccessError with superuser
# rights too ("the model refuses writes and deletions even with superuser
# rights"; the rows, the chain and the pending rows are written by their own
# SQL paths, the seals by the sealing path only, never by a plain create()).
REFUSED_TO_SUPERUSER = {
    LOG: ("create", "write", "unlink"),
    LINK: ("create", "write", "unlink"),
    PENDING: ("create", "write", "unlink"),
    SEAL: ("create", "write", "unlink"),
    KEY: ("create", "write", "unlink"),
    CLOSING: ("create", "write", "unlink"),
    CLOSING_DOCUMENT: ("create", "write", "unlink"),
    ANCHOR: ("create", "write", "unlink"),
    BATCH: ("create", "write", "unlink"),
    DELETED: ("create", "write", "unlink"),
    EMAILED: ("create", "write", "unlink"),
    EXPORT_REQUEST: ("create", "write"),
    EVENT: ("create", "write", "unlink"),
}

# The field read by the read attempt.
READ_FIELDS = {
    STATUS: "name",
    STATUS_CHANGE: "comment",
    LOG: "document_name",
    LINK: "hash",
    PENDING: "log_id",
    SEAL: "head_hash",
    KEY: "public_key",
    CLOSING: "invoice_total",
    CLOSING_DOCUMENT: "amount",
    ARCHIVE: "date_from",
    ANCHOR: "last_hash",
    VERIFY: "seal_text",
    RECURRENCE: "interval_number",
    BATCH: "checksum",
    DELETED: "name",
    EMAILED: "accountant_id",
    EXPORT_REQUEST: "state",
    REASON: "code",
    EVENT: "lifecycle_code",
    INDEX: "name",
    INDEX_VALUE: "value",
    REVISION: "description",
    PERIOD: "date_start",
    TIME_REPORT: "hours",
}


@tagged("post_install", "-at_install")
class TestSecurityMatrix(WorkflowStatusCommon):
    """Each group's rights on each model of the addon, through the ORM, against
    what the product promises."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        company_values = {"company_id": cls.company.id, "company_ids": [cls.company.id]}
        cls.users = {
            "invoice_user": new_test_user(
                cls.env, login="iwa_matrix_invoice", groups="account.group_account_invoice", **company_values
            ),
            "account_manager": new_test_user(
                cls.env, login="iwa_matrix_manager", groups="account.group_account_manager", **company_values
            ),
            "readonly": new_test_user(
                cls.env,
                login="iwa_matrix_readonly",
                groups="base.group_user,account.group_account_readonly",
                **company_values,
            ),
            "status_manager": new_test_user(
                cls.env,
                login="iwa_matrix_status",
                groups="invoice_workflow_audit.group_invoice_workflow_manager",
                **company_values,
            ),
            "account_owner": new_test_user(
                cls.env,
                login="iwa_matrix_owner",
                groups="invoice_workflow_audit.group_account_owner",
                **company_values,
            ),
            "portal_accountant": new_test_user(
                cls.env, login="iwa_matrix_accountant", groups="base.group_portal", **company_values
            ),
            "portal_customer": new_test_user(
                cls.env, login="iwa_matrix_customer", groups="base.group_portal", **company_values
            ),
            "public": new_test_user(
                cls.env, login="iwa_matrix_public", groups="base.group_public", **company_values
            ),
            **{
                profile: new_test_user(
                    cls.env,
                    login=f"iwa_matrix_{profile}",
                    groups=f"invoice_workflow_audit.group_profile_{profile}",
                    **company_values,
                )
                for profile in ("sales_admin", "sales_rep", "purchasing")
            },
        }
        cls.company.accountant_user_ids = [Command.link(cls.users["portal_accountant"].id)]

        # History rows: one sealed (with its link, and a seal), one awaiting its seal.
        cls._enable_activity_log()
        cls.invoice = cls._posted_invoice()
        cls._commit_work()
        cls.env["invoice.activity.log.link"]._seal(cls.company)
        seal = cls.env[SEAL]._make_seal(cls.company)
        cls.recurrence_base = cls._posted_invoice()
        cls._commit_work()
        Log = cls.env[LOG].sudo()
        sealed_row = Log.search([("company_id", "=", cls.company.id), ("link_ids", "!=", False)], limit=1)
        pending = cls.env[PENDING].sudo().search([("company_id", "=", cls.company.id)], limit=1)
        cls.other_row = Log.search(
            [("id", "!=", sealed_row.id), ("company_id", "=", cls.company.id)], limit=1
        )

        # _create_values reads them, for every model at once.
        cls.index = cls.env[INDEX].create({"name": "Matrix SYNTEC"})
        cls.revised = cls.env[RECURRENCE].create({"template_move_id": cls.invoice.id})
        closing = cls.env[CLOSING].sudo()._create_protected([cls._create_values(CLOSING)])
        closing._count_documents("account.move", [(cls.invoice.id, cls.invoice.name, cls.invoice.date, 1.0)])
        status = cls.env[STATUS].create({"name": "Matrix", "group": "in_progress", "sequence": 30})
        cls.records = {
            STATUS: status,
            STATUS_CHANGE: cls.env[STATUS_CHANGE].create(cls._create_values(STATUS_CHANGE)),
            LOG: sealed_row,
            LINK: sealed_row.link_ids,
            PENDING: pending,
            SEAL: seal,
            KEY: seal.signing_key_id,
            CLOSING: closing,
            CLOSING_DOCUMENT: closing.document_ids,
            ARCHIVE: cls.env[ARCHIVE].create(cls._create_values(ARCHIVE)),
            ANCHOR: cls.env[ANCHOR].sudo()._create_protected([cls._create_values(ANCHOR)]),
            VERIFY: cls.env[VERIFY].create(cls._create_values(VERIFY)),
            RECURRENCE: cls.env[RECURRENCE].create({"template_move_id": cls.invoice.id}),
            BATCH: cls.env[BATCH].sudo()._create_protected([cls._create_values(BATCH)]),
            DELETED: cls.env[DELETED].sudo()._create_protected([cls._create_values(DELETED)]),
            EMAILED: cls.env[EMAILED].sudo()._create_protected([cls._create_values(EMAILED)]),
            EXPORT_REQUEST: cls.env[EXPORT_REQUEST]
            .sudo()
            ._create_protected([cls._create_values(EXPORT_REQUEST)]),
            REASON: cls.env[REASON].create({"lifecycle_code": "207", "code": "MATRIX", "name": "Matrix"}),
            EVENT: cls.env[EVENT].sudo()._create_protected([cls._create_values(EVENT)]),
            INDEX: cls.index,
            INDEX_VALUE: cls.env[INDEX_VALUE].create(
                {"index_id": cls.index.id, "date": "2026-01-01", "value": 250}
            ),
            REVISION: cls.env[REVISION].sudo().create(cls._create_values(REVISION)),
        }
        cls._commit_work()
        # The invoice's stays in its statuses, once recorded.
        period = cls.env[PERIOD].sudo().search([("move_id", "=", cls.invoice.id)], limit=1)
        cls.records[PERIOD] = period
        cls.records[TIME_REPORT] = cls.env[TIME_REPORT].browse(period.id)

    @classmethod
    def _commit_work(cls):
        """What a commit writes (as ``_flush_tracking``): pending fields, then
        the pre-commit work (tracking messages, history rows)."""
        cls.env.flush_all()
        cls.env.cr.precommit.run()

    @classmethod
    def _create_values(cls, model):
        """Valid values of a new record of ``model``: what may fail is access only."""
        return {
            STATUS: {"name": "Created by the matrix", "group": "new", "sequence": 31},
            STATUS_CHANGE: {"move_ids": [Command.set(cls.invoice.ids)], "status_id": cls.status_sent.id},
            LOG: {"company_id": cls.company.id, "action_type": "document_created", "document_name": "Forged"},
            LINK: {
                "log_id": cls.other_row.id,
                "company_id": cls.company.id,
                "position": 10**6,
                "hash": "0" * 64,
            },
            PENDING: {"log_id": cls.other_row.id, "company_id": cls.company.id},
            SEAL: {"company_id": cls.company.id, "position": 10**6, "head_hash": "0" * 64},
            KEY: {"key_id": "0" * 16, "public_key": "forged", "date_start": "2026-01-01 00:00:00"},
            CLOSING: {
                "company_id": cls.company.id,
                "currency_id": cls.company.currency_id.id,
                "period": "day",
                "date_from": "2026-01-01",
                "date_to": "2026-01-01",
                "date": "2026-01-02 00:30:00",
                "invoice_total": 1.0,
            },
            CLOSING_DOCUMENT: {
                "closing_id": cls.env[CLOSING].sudo().search([], limit=1).id,
                "company_id": cls.company.id,
                "period": "month",
                "res_model": "account.move",
                "res_id": cls.invoice.id,
                "date": "2026-01-01",
            },
            ARCHIVE: {"company_id": cls.company.id, "date_from": "2026-01-01", "date_to": "2026-01-31"},
            ANCHOR: {
                "company_id": cls.company.id,
                "first_position": 10**6,
                "last_position": 10**6,
                "last_hash": "0" * 64,
                "date": "2026-01-02 00:30:00",
            },
            VERIFY: {"company_id": cls.company.id},
            RECURRENCE: {"template_move_id": cls.recurrence_base.id, "interval_number": 2},
            BATCH: {
                "company_id": cls.company.id,
                "date_from": "2026-01-01",
                "date_to": "2026-01-31",
                "period_label": "2026-01",
                "file_format": "csv",
                "date": "2026-02-01 10:00:00",
                "checksum": "1" * 64,
            },
            DELETED: {"company_id": cls.company.id, "move_id": 10**6, "name": "Matrix/0001"},
            EXPORT_REQUEST: {
                "company_id": cls.company.id,
                "user_id": cls.users["portal_accountant"].id,
                "date_from": "2026-01-01",
                "date_to": "2026-12-31",
                "period_label": "2026",
                "file_format": "csv",
            },
            EMAILED: {
                "company_id": cls.company.id,
                "move_id": cls.invoice.id,
                "accountant_id": cls.users["portal_accountant"].id,
            },
            REASON: {"lifecycle_code": "210", "code": "MATRIX_NEW", "name": "Created by the matrix"},
            EVENT: {"move_id": cls.invoice.id, "lifecycle_code": "212", "amount": 10.0},
            INDEX: {"name": "Created by the matrix"},
            INDEX_VALUE: {"index_id": cls.index.id, "date": "2026-02-01", "value": 251},
            REVISION: {"recurrence_id": cls.revised.id, "date": "2027-01-01", "description": "Forged"},
            PERIOD: {
                "move_id": cls.invoice.id,
                "company_id": cls.company.id,
                "status_id": cls.status_sent.id,
                "date_start": "2026-01-01 00:00:00",
            },
            TIME_REPORT: {"move_id": cls.invoice.id, "hours": 1.0},
        }[model]

    def _write_values(self, model):
        return {
            STATUS: {"time_limit_hours": 7.0},
            STATUS_CHANGE: {"comment": "Written by the matrix"},
            LOG: {"document_name": "Rewritten"},
            LINK: {"hash": "0" * 64},
            PENDING: {"log_id": self.other_row.id},
            SEAL: {"head_hash": "0" * 64},
            KEY: {"public_key": "forged"},
            CLOSING: {"invoice_total": 2.0},
            CLOSING_DOCUMENT: {"amount": 2.0},
            ARCHIVE: {"date_to": "2026-02-28"},
            ANCHOR: {"last_hash": "1" * 64},
            VERIFY: {"seal_text": "Written by the matrix"},
            RECURRENCE: {"interval_number": 3},
            BATCH: {"checksum": "0" * 64},
            DELETED: {"name": "Rewritten"},
            EMAILED: {"accountant_id": self.users["invoice_user"].id},
            EXPORT_REQUEST: {"state": "done"},
            REASON: {"name": "Written by the matrix"},
            EVENT: {"state": "sent"},
            INDEX: {"name": "Renamed by the matrix"},
            INDEX_VALUE: {"value": 252},
            REVISION: {"description": "Rewritten"},
            PERIOD: {"date_end": "2026-01-02 00:00:00"},
            TIME_REPORT: {"hours": 2.0},
        }[model]

    # ------------------------------------------------------------------
    # One attempt, in a savepoint always rolled back
    # ------------------------------------------------------------------

    def _attempt(self, model, operation, env):
        """Try ``operation`` on the matrix record of ``model`` in ``env``:
        True when it is allowed (no AccessError), False when refused. A refused
        operation changed nothing (asserted here, before the rollback)."""
        record = self.records[model].with_env(env)
        Model = env[model]
        with closing(self.env.cr.savepoint()):
            before = self._snapshot(model, operation)
            try:
                if operation == "read":
                    record.read([READ_FIELDS[model]])
                elif operation == "create":
                    Model.create(self._create_values(model))
                elif operation == "write":
                    record.write(self._write_values(model))
                else:
                    record.unlink()
                # What the commit would do with it, as this user.
                env.cr.flush()
            except AccessError:
                self.env.invalidate_all(flush=False)
                self.assertEqual(
                    self._snapshot(model, operation), before, "a refused operation changes nothing"
                )
                return False
            except UserError:
                # A business refusal: access was granted (the data is meant
                # to be valid, so this should not happen).
                return True
            return True

    def _snapshot(self, model, operation):
        """What ``operation`` would change on ``model``, read as superuser."""
        Model = self.env[model].sudo()
        if operation == "create":
            return Model.search_count([])
        record = self.records[model].sudo()
        if operation == "write":
            return record.exists() and record.read(list(self._write_values(model)))
        if operation == "unlink":
            return bool(record.exists())
        return None

    def _allowed(self, model, env):
        return "".join(
            operation[0] if self._attempt(model, operation, env) else "-"
            for operation in ("read", "create", "write", "unlink")
        )

    # ------------------------------------------------------------------
    # The matrix
    # ------------------------------------------------------------------

    def test_matrix_lists_every_model_of_the_addon(self):
        defined = {name for name, Model in self.registry.items() if Model._original_module == MODULE}
        self.assertEqual(defined, set(MODELS) | ABSTRACT_MODELS, "a model of the addon escapes the matrix")
        self.assertEqual(
            {name for name in defined if self.registry[name]._abstract},
            ABSTRACT_MODELS,
            "only abstract models stay out of the matrix",
        )
        self.assertEqual(set(EXPECTED), {(model, group) for model in MODELS for group in GROUPS})
        # Every model of the matrix is known to ir.model, as this addon's.
        ir_models = self.env["ir.model"].search([("model", "in", list(defined))])
        self.assertEqual(set(ir_models.mapped("model")), defined)
        for ir_model in ir_models:
            self.assertIn(MODULE, ir_model.modules.split(", "))

    def test_matrix(self):
        for model in MODELS:
            self.assertEqual(len(self.records[model].exists()), 1, f"one record of {model} to try")
        for model in MODELS:
            for group in GROUPS:
                with self.subTest(model=model, group=group):
                    env = self.env(user=self.users[group], su=False)
                    self.assertEqual(self._allowed(model, env), EXPECTED[(model, group)])

    def test_history_refuses_superuser(self):
        for model, operations in REFUSED_TO_SUPERUSER.items():
            for operation in operations:
                with self.subTest(model=model, operation=operation):
                    self.assertFalse(
                        self._attempt(model, operation, self.env(su=True)),
                        f"{model}: {operation} refused even with superuser rights",
                    )

    # ------------------------------------------------------------------
    # Documents
    # ------------------------------------------------------------------

    def test_portal_customer_reads_own_invoices_only(self):
        customer = self.users["portal_customer"]
        own = self._posted_invoice(partner=customer.partner_id)
        other = self._posted_invoice(partner=self.partner_a)
        Move = self.env["account.move"].with_user(customer)
        self.assertEqual(own.with_user(customer).read(["name"])[0]["name"], own.name)
        with self.assertRaises(AccessError):
            other.with_user(customer).read(["name"])
        self.assertEqual(Move.search([("id", "in", (own + other).ids)]), own)

    def test_restricted_status_hides_documents_outside_its_groups(self):
        reviewers = self.env["res.groups"].create(
            {
                "name": "Matrix reviewers",
                "users": [Command.link(self.env.user.id), Command.link(self.users["status_manager"].id)],
            }
        )
        reserved = self.env[STATUS].create(
            {
                "name": "Reserved",
                "group": "in_progress",
                "sequence": 32,
                "group_ids": [Command.set(reviewers.ids)],
            }
        )
        self.status_in_progress.next_status_ids = [Command.link(reserved.id)]
        invoice = self._posted_invoice()
        invoice.action_set_workflow_status(reserved)
        self.assertEqual(invoice.workflow_status_id, reserved)
        outsider = self.users["invoice_user"]
        self.assertNotIn(reviewers, outsider.groups_id)
        with self.assertRaises(AccessError):
            invoice.with_user(outsider).read(["name"])
        self.assertFalse(self.env["account.move"].with_user(outsider).search([("id", "=", invoice.id)]))
        manager = self.users["status_manager"]
        self.assertEqual(invoice.with_user(manager).read(["name"])[0]["name"], invoice.name)
        self.assertEqual(
            self.env["account.move"].with_user(manager).search([("id", "=", invoice.id)]), invoice
        )

    def test_history_is_read_in_own_companies_only(self):
        other = self.env["res.company"].create({"name": "Matrix other company"})
        other.activity_log_enabled = True  # recorded in the history of the other company
        self._flush_tracking()
        self.env[SEAL]._make_seal(other)
        self.env[LOG]._log_action(other, "books_stamped")  # awaits its seal
        self._flush_tracking()
        owner = self.users["account_owner"]
        self.assertNotIn(other, owner.company_ids)
        self.env[CLOSING].sudo()._create_protected([self._create_values(CLOSING) | {"company_id": other.id}])
        for model in (LOG, LINK, PENDING, SEAL, CLOSING):
            with self.subTest(model=model):
                records = self.env[model].sudo().search([("company_id", "=", other.id)])
                self.assertTrue(records)
                self.assertFalse(self.env[model].with_user(owner).search([("id", "in", records.ids)]))
                with self.assertRaises(AccessError):
                    records.with_user(owner).read(["company_id"])
