# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
from hashlib import sha256

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.http import request
from odoo.tools import SQL

from ..common import LOG_QUEUE_KEY, SEND_STATE_KEY

_logger = logging.getLogger(__name__)

# Fields covered by the hash chain, in this order. They never change once the
# row is written. ``send_state`` is left out on purpose: it follows the e-mail
# after the action (sent, failed, bounced) and each of its changes is itself
# appended to the chain as a row of type "send status changed".
HASHED_FIELDS = (
    "date",
    "user_id",
    "ip_address",
    "company_id",
    "action_type",
    "res_model",
    "res_id",
    "document_name",
    "description",
)

SEND_STATES = [
    ("pending", "Pending"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("bounced", "Bounced"),
]


class InvoiceActivityLog(models.Model):
    """The central activity log: append-only, one hash chain per company.

    Rows are written by ``_log_action`` only (the one logging path), queued for
    the transaction and inserted together at commit time, so that the chain
    head of a company is locked for the shortest possible time.
    """

    _name = "invoice.activity.log"
    _description = "Invoice Activity Log"
    _order = "date desc, id desc"
    _rec_name = "document_name"
    _log_access = False

    date = fields.Datetime(required=True, readonly=True, index=True, default=fields.Datetime.now)
    user_id = fields.Many2one("res.users", readonly=True, index=True, ondelete="restrict")
    ip_address = fields.Char(string="IP Address", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="restrict")
    # Other addons add their own action types with selection_add.
    action_type = fields.Selection(
        [
            ("document_created", "Document created"),
            ("document_modified", "Document modified"),
            ("document_deleted", "Document deleted"),
            ("document_posted", "Document posted"),
            ("document_reset", "Document reset to draft"),
            ("document_cancelled", "Document cancelled"),
            ("status_changed", "Status changed"),
            ("document_printed", "Document printed"),
            ("document_sent", "Document sent"),
            ("reminder_sent", "Payment reminder sent"),
            ("send_state_changed", "E-mail send status changed"),
            ("payment_created", "Payment created"),
            ("payment_modified", "Payment modified"),
            ("payment_deleted", "Payment deleted"),
            ("payment_reconciled", "Payment reconciled"),
            ("payment_unreconciled", "Payment unreconciled"),
            ("recurrence_created", "Recurrence created"),
            ("recurrence_modified", "Recurrence modified"),
            ("recurrence_deleted", "Recurrence deleted"),
            ("recurring_document_created", "Recurring document created"),
            ("recurring_document_sent", "Recurring document sent"),
            ("recurrence_stopped", "Recurrence stopped"),
            ("recurrence_reactivated", "Recurrence reactivated"),
            ("recurrence_ended", "Recurrence ended"),
            ("status_config_created", "Status configuration created"),
            ("status_config_modified", "Status configuration modified"),
            ("status_config_deleted", "Status configuration deleted"),
            ("log_enabled", "Activity history switched on"),
            ("log_disabled", "Activity history switched off"),
            ("accountant_access_granted", "Accountant access granted"),
            ("accountant_access_revoked", "Accountant access revoked"),
            ("accountant_processed_set", "Marked processed by the accountant"),
            ("accountant_processed_cleared", "Processed mark cleared by the accountant"),
            ("books_stamped", "Books stamped up to date"),
            ("portal_document_sent", "Document e-mailed from the accountant portal"),
        ],
        string="Action",
        required=True,
        readonly=True,
        index=True,
    )
    res_model = fields.Char(string="Document Model", readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", readonly=True, index=True
    )
    document_name = fields.Char(string="Document", readonly=True)
    description = fields.Text(string="Detail", readonly=True)
    send_state = fields.Selection(SEND_STATES, string="Send Status", readonly=True, index="btree_not_null")
    mail_message_id = fields.Many2one(
        "mail.message", readonly=True, index="btree_not_null", ondelete="set null"
    )
    hash = fields.Char(readonly=True, copy=False)

    def init(self):
        # The head of each company's chain: the hash of its last row. Every
        # appending transaction updates it, which serializes appenders.
        self.env.cr.execute(
            SQL(
                "CREATE TABLE IF NOT EXISTS invoice_activity_log_chain ("
                " company_id integer PRIMARY KEY REFERENCES res_company(id) ON DELETE RESTRICT,"
                " last_hash varchar NOT NULL DEFAULT '')"
            )
        )

    # ------------------------------------------------------------------
    # Append-only: no access right creates, writes or deletes rows (see
    # ir.model.access.csv); write() and unlink() refuse even with sudo.
    # ------------------------------------------------------------------

    def write(self, vals):
        if not self.env.context.get(SEND_STATE_KEY) or set(vals) - {"send_state"}:
            raise AccessError(self.env._("The activity history cannot be modified."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(self.env._("The activity history cannot be deleted."))

    # ------------------------------------------------------------------
    # The one logging path
    # ------------------------------------------------------------------

    @api.model
    def _log_action(
        self,
        records,
        action_type,
        description=None,
        *,
        chatter_body=None,
        send_state=None,
        mail_message=None,
        names=None,
    ):
        """Record that ``action_type`` happened to ``records``.

        Writes the chatter message ``chatter_body`` on each record that still
        exists (None when Odoo already wrote one, e.g. field tracking), in one
        call for all, and queues one central log row per record of a company
        that enabled the activity history. ``description`` and ``chatter_body``
        are the same for every record, or dicts {record id: value} when each
        record has its own. ``names`` gives the document names of records about
        to be deleted. Rows are inserted at commit time (``_flush_queue``).
        """
        if chatter_body is not None and records and hasattr(records, "_message_log_batch"):
            existing = records.exists()
            if isinstance(chatter_body, dict):
                bodies = {rid: chatter_body[rid] for rid in existing.ids if rid in chatter_body}
            else:
                bodies = dict.fromkeys(existing.ids, chatter_body)
            if bodies:
                existing.browse(list(bodies))._message_log_batch(bodies=bodies)
        descriptions = description if isinstance(description, dict) else {}
        company_of = {record: self._log_company(record) for record in records or [None]}
        enabled = self.env["res.company"].union(*company_of.values()).filtered("activity_log_enabled")
        if not enabled:
            return
        queue = self.env.cr.precommit.data.setdefault(LOG_QUEUE_KEY, [])
        if not queue:
            self.env.cr.precommit.add(self._flush_queue)
        now = fields.Datetime.to_string(fields.Datetime.now())
        user_id = self.env.uid
        ip_address = self._current_ip_address()
        for record, company in company_of.items():
            if company not in enabled:
                continue
            queue.append(
                {
                    "date": now,
                    "user_id": user_id,
                    "ip_address": ip_address,
                    "company_id": company.id,
                    "action_type": action_type,
                    "res_model": record._name if record is not None else False,
                    "res_id": record.id if record is not None else False,
                    "document_name": (names or {}).get(record.id) if record is not None else False,
                    "description": (
                        descriptions.get(record.id) if descriptions and record is not None else description
                    )
                    or False,
                    "send_state": send_state or False,
                    "mail_message_id": mail_message.id if mail_message else False,
                    "_record": record,
                }
            )

    def _log_company(self, record):
        """The company whose history records an action on ``record``."""
        if record is None:
            return self.env.company
        if record._name == "res.company":
            return record
        if "company_id" in record._fields:
            return record.sudo().company_id or self.env.company
        return self.env.company

    @api.model
    def _current_ip_address(self):
        # Werkzeug's remote_addr: Odoo rewrites it from X-Forwarded-For when it
        # runs in proxy mode. No request (scheduler, shell): no address.
        try:
            return request.httprequest.remote_addr if request else False
        except RuntimeError:
            return False

    # ------------------------------------------------------------------
    # Writing the queue: one INSERT per transaction, chained per company
    # ------------------------------------------------------------------

    def _flush_queue(self):
        queue = self.env.cr.precommit.data.pop(LOG_QUEUE_KEY, [])
        if not queue:
            return
        for row in queue:
            record = row.pop("_record")
            if not row["document_name"] and record is not None:
                row["document_name"] = record.sudo().display_name if record.exists() else False
        by_company = {}
        for row in queue:
            by_company.setdefault(row["company_id"], []).append(row)
        for company_id, rows in sorted(by_company.items()):
            self._append_rows(company_id, rows)

    def _append_rows(self, company_id, rows):
        """Chain ``rows`` (dicts of column values) after the last row of the
        company, insert them and move the chain head."""
        previous_hash = self._lock_chain_head(company_id)
        for row in rows:
            row["hash"] = previous_hash = self._compute_hash(previous_hash, row)
        self._insert_rows(rows)
        self.env.cr.execute(
            SQL(
                "UPDATE invoice_activity_log_chain SET last_hash = %s WHERE company_id = %s",
                previous_hash,
                company_id,
            )
        )

    def _lock_chain_head(self, company_id):
        """Lock the company's chain head until commit and return its hash.

        The head is one row per company that every appending transaction
        updates: a concurrent appender waits for the commit, then fails with a
        serialization error that Odoo retries, so chains never fork.
        """
        cr = self.env.cr
        cr.execute(
            SQL(
                "INSERT INTO invoice_activity_log_chain (company_id, last_hash) VALUES (%s, '') "
                "ON CONFLICT (company_id) DO NOTHING",
                company_id,
            )
        )
        cr.execute(
            SQL(
                "UPDATE invoice_activity_log_chain SET last_hash = last_hash WHERE company_id = %s "
                "RETURNING last_hash",
                company_id,
            )
        )
        return cr.fetchone()[0]

    @api.model
    def _hash_payload(self, row):
        values = {name: row.get(name) or False for name in HASHED_FIELDS}
        return json.dumps(values, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)

    @api.model
    def _compute_hash(self, previous_hash, row):
        return sha256((previous_hash + self._hash_payload(row)).encode()).hexdigest()

    def _insert_rows(self, rows):
        columns = [*HASHED_FIELDS, "send_state", "mail_message_id", "hash"]
        self.env.cr.execute(
            SQL(
                "INSERT INTO invoice_activity_log (%s) VALUES %s",
                SQL(", ").join(SQL.identifier(column) for column in columns),
                SQL(", ").join(
                    SQL("(%s)", SQL(", ").join(SQL("%s", row.get(column) or None) for column in columns))
                    for row in rows
                ),
            )
        )

    # ------------------------------------------------------------------
    # Integrity
    # ------------------------------------------------------------------

    @api.model
    def _verify_integrity(self, company):
        """Recompute the chain of ``company``: (True, count) when intact, else
        (False, first altered row id or None when the tail was removed)."""
        cr = self.env.cr
        columns = SQL(", ").join(SQL.identifier(column) for column in ("id", *HASHED_FIELDS, "hash"))
        cr.execute(
            SQL(
                "SELECT %s FROM invoice_activity_log WHERE company_id = %s ORDER BY id",
                columns,
                company.id,
            )
        )
        previous_hash = ""
        count = 0
        for values in cr.fetchall():
            row = dict(zip(("id", *HASHED_FIELDS, "hash"), values, strict=True))
            row["date"] = fields.Datetime.to_string(row["date"])
            expected = self._compute_hash(previous_hash, row)
            if expected != row["hash"]:
                return False, row["id"]
            previous_hash = row["hash"]
            count += 1
        cr.execute(SQL("SELECT last_hash FROM invoice_activity_log_chain WHERE company_id = %s", company.id))
        head = cr.fetchone()
        if (head[0] if head else "") != previous_hash:
            return False, None
        return True, count

    def action_verify_integrity(self):
        """Report whether the chain of the current company is intact."""
        if not self.env.user.has_group("invoice_workflow_audit.group_account_owner"):
            raise AccessError(self.env._("Only the account owner may verify the activity history."))
        company = self.env.company
        intact, detail = self.sudo()._verify_integrity(company)
        if intact:
            message = self.env._(
                "Activity history of %(company)s is intact: %(count)s rows checked.",
                company=company.name,
                count=detail,
            )
            kind = "success"
        elif detail:
            row = self.sudo().browse(detail)
            message = self.env._(
                "Activity history of %(company)s was altered: the first altered row is #%(id)s "
                "(%(date)s, %(action)s, %(document)s).",
                company=company.name,
                id=detail,
                date=row.date,
                action=dict(row._fields["action_type"]._description_selection(self.env)).get(row.action_type),
                document=row.document_name or "",
            )
            kind = "danger"
        else:
            message = self.env._(
                "Activity history of %(company)s was altered: its most recent rows were removed.",
                company=company.name,
            )
            kind = "danger"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Verify integrity"),
                "message": message,
                "type": kind,
                "sticky": True,
            },
        }

    @api.model
    def _update_send_state(self, mail_messages, send_state):
        """Follow an e-mail's outcome on the rows of the action that sent it,
        and append each change to the chain as its own row."""
        # Only companies with the history have rows to follow: skip the lookup
        # for every e-mail of a database where nobody switched it on.
        if not mail_messages or not self.env["res.company"].sudo().search_count(
            [("activity_log_enabled", "=", True)], limit=1
        ):
            return
        rows = self.sudo().search(
            [("mail_message_id", "in", mail_messages.ids), ("send_state", "!=", send_state)]
        )
        if not rows:
            return
        rows.with_context(**{SEND_STATE_KEY: True}).write({"send_state": send_state})
        label = dict(self._fields["send_state"]._description_selection(self.env))[send_state]
        for row in rows:
            record = self.env[row.res_model].browse(row.res_id).exists() if row.res_model else None
            if record:
                self.sudo()._log_action(
                    record,
                    "send_state_changed",
                    self.env._("E-mail %(state)s", state=label),
                    send_state=send_state,
                )
