# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import collections
import contextlib
import logging
import os
import threading
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.tools import SQL

from ..common import LOG_QUEUE_KEY, OWNER_GROUP
from .invoice_activity_log_link import HASHED_FIELDS, canonical_text

_logger = logging.getLogger(__name__)
# Databases whose history rows this process wrote without the signing key.
_WARNED_WITHOUT_KEY = set()

SEND_STATES = [
    ("pending", "Pending"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("bounced", "Bounced"),
]

# Columns a writer inserts. The chain (position and hash) is given to the
# rows afterwards by the sealer (invoice.activity.log.link), so that writers
# never wait for one another.
INSERTED_COLUMNS = (*HASHED_FIELDS, "family", "send_state", "mail_message_id", "mac", "mac_key_id")

# Actions repeated by users on the same document within this many seconds are
# recorded once (printing the same invoice ten times in a row, a download
# button clicked twice): enough against floods, nothing lost of who did what.
REPEAT_WINDOW_SECONDS = 60
REPEATABLE_ACTIONS = ("document_printed",)

# The families of action types: one filter of the history per family.
FAMILIES = [
    ("created", "Creations"),
    ("modified", "Modifications"),
    ("deleted", "Deletions"),
    ("sent", "Sending"),
    ("printed", "Printing"),
    ("status", "Status Changes"),
    ("access", "Access"),
    ("export", "Exports"),
    ("system", "System"),
]

# The families of the action types declared in this file (the history's own
# and its administration); each capability declares those of its own types
# beside them and adds them through _activity_log_families.
ACTION_FAMILIES = {
    "send_state_changed": "sent",
    "records_exported": "export",
    "log_enabled": "system",
    "log_disabled": "system",
    "signing_key_rotated": "system",
    "period_closed": "system",
    "period_archived": "system",
    "history_purged": "system",
    "retention_changed": "system",
    "owner_granted": "access",
    "owner_revoked": "access",
    "access_right_created": "access",
    "access_right_modified": "access",
    "access_right_deleted": "access",
    "record_rule_created": "access",
    "record_rule_modified": "access",
    "record_rule_deleted": "access",
    "scheduled_action_activated": "system",
    "scheduled_action_deactivated": "system",
    "scheduled_action_modified": "system",
    "scheduled_action_deleted": "system",
}


# How many ids of the history's sequence a process draws ahead (_take_ids).
ID_BLOCK = 64
_ID_POOL_LOCK = threading.Lock()

# The address of the external API's caller, for the call only (per thread:
# each worker thread serves one request at a time).
_EXTERNAL_CALLER = threading.local()


@contextlib.contextmanager
def remember_external_caller(address):
    """Keep ``address`` as the caller's IP address while the external API runs a call."""
    _EXTERNAL_CALLER.address = address
    try:
        yield
    finally:
        _EXTERNAL_CALLER.address = None


class InvoiceActivityLog(models.Model):
    """The central activity history: append-only, chained per company.

    Rows are written by ``_log_action`` only (the one logging path), queued for
    the transaction and inserted together at commit time. Inserting is all a
    writer does; ``invoice.activity.log.link`` chains the rows afterwards
    (position and hash), in one background step that only sealers take.
    """

    _name = "invoice.activity.log"
    _inherit = ["invoice.append.only.mixin"]
    _description = "Invoice Activity Log"
    _order = "date desc, id desc"
    _rec_name = "document_name"
    _log_access = False

    date = fields.Datetime(required=True, readonly=True, index=True, default=fields.Datetime.now)
    user_id = fields.Many2one("res.users", readonly=True, index=True, ondelete="restrict")
    ip_address = fields.Char(string="IP Address", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="restrict")
    # The history's own action types and those of its administration. Each
    # capability adds its own in its folder (selection_add in its
    # invoice_activity_log.py), with their families (_activity_log_families).
    action_type = fields.Selection(
        [
            ("send_state_changed", "E-mail send status changed"),
            ("records_exported", "Records exported"),
            ("log_enabled", "Activity history switched on"),
            ("log_disabled", "Activity history switched off"),
            ("signing_key_rotated", "Signing key rotated"),
            ("period_closed", "Period closed"),
            ("period_archived", "Period archived"),
            ("history_purged", "History purged"),
            ("retention_changed", "History retention changed"),
            ("owner_granted", "Account owner granted"),
            ("owner_revoked", "Account owner revoked"),
            ("access_right_created", "Access right created"),
            ("access_right_modified", "Access right modified"),
            ("access_right_deleted", "Access right deleted"),
            ("record_rule_created", "Record rule created"),
            ("record_rule_modified", "Record rule modified"),
            ("record_rule_deleted", "Record rule deleted"),
            ("scheduled_action_activated", "Scheduled action activated"),
            ("scheduled_action_deactivated", "Scheduled action deactivated"),
            ("scheduled_action_modified", "Scheduled action modified"),
            ("scheduled_action_deleted", "Scheduled action deleted"),
        ],
        string="Action",
        required=True,
        readonly=True,
        index=True,
    )
    # What kind of action a row records, for the filters and the grouping of
    # the history. Set at insert from action_type by _activity_log_families.
    # Not hashed nor MAC'ed (not in HASHED_FIELDS) on purpose: it is derived
    # from action_type, which is, and hashing it would need a new hash version
    # for no added proof.
    family = fields.Selection(FAMILIES, readonly=True, index=True)
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
    # The row's MAC, made when it is written with a key derived from the
    # signing key (a file the database does not hold): a row changed before
    # its seal no longer matches it. Empty when the key file was missing.
    mac = fields.Char(string="MAC", readonly=True)
    mac_key_id = fields.Char(string="MAC Key ID", readonly=True)
    link_ids = fields.One2many("invoice.activity.log.link", "log_id", readonly=True)
    chain_position = fields.Integer(
        string="Position in the Chain",
        compute="_compute_chain",
        help="Empty until the row is sealed, at most a minute or two after it was written.",
    )
    chain_hash = fields.Char(string="Hash", compute="_compute_chain")

    # Who acted, as the list shows it: the page's users named in one
    # statement rather than read through res.users and then res.partner
    # (two statements and their records for every page of the history).
    user_name = fields.Char(compute="_compute_user_name")

    def init(self):
        # The default list: one company, filtered by action and user, newest
        # first. One index answers the page and its count by an index-only
        # range scan (measured at 1,000,000 rows in bench/).
        tools.create_index(
            self.env.cr,
            "invoice_activity_log_list_index",
            self._table,
            ["company_id", "action_type", "user_id", "date DESC", "id DESC"],
        )

    @api.depends("user_id")
    def _compute_user_name(self):
        user_ids = tuple({row.user_id.id for row in self} - {False})
        names = {}
        if user_ids:
            self.env.cr.execute(
                SQL(
                    "SELECT u.id, p.name FROM res_users u JOIN res_partner p ON p.id = u.partner_id"
                    " WHERE u.id IN %s",
                    user_ids,
                )
            )
            names = dict(self.env.cr.fetchall())
        for row in self:
            row.user_name = names.get(row.user_id.id, False)

    def _compute_chain(self):
        for row in self:
            link = row.link_ids[:1]
            row.chain_position = link.position
            row.chain_hash = link.hash

    # ------------------------------------------------------------------
    # Append-only (invoice.append.only.mixin): the send status of a row
    # follows its e-mail through _set_send_state only.
    # ------------------------------------------------------------------

    def export_data(self, fields_to_export):
        # Exporting the history is itself an action of the history.
        result = super().export_data(fields_to_export)
        for company in self.company_id:
            rows = self.filtered(lambda row, company=company: row.company_id == company)
            self._log_export(company, rows, fields_to_export)
        return result

    # ------------------------------------------------------------------
    # Integrity: the owner verifies the chain and keeps seals outside
    # ------------------------------------------------------------------

    @api.model
    def _check_owner(self):
        if not self.env.user.has_group(OWNER_GROUP):
            raise AccessError(self.env._("Only the account owner may verify or seal the activity history."))

    def action_verify_integrity(self):
        """Open Verify Integrity for the current company."""
        self._check_owner()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "invoice_workflow_audit.action_invoice_activity_log_verify"
        )

    def action_download_seal(self):
        """Seal the history of the current company now and download the seal."""
        self._check_owner()
        return self.env["invoice.activity.log.seal"]._make_seal(self.env.company).action_download()

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
        exists (None when Odoo already wrote one), in one call for all, and
        queues one central log row per record of a company that enabled the
        activity history. ``description`` and ``chatter_body`` are the same
        for every record, or dicts {record id: value} when each record has its
        own. ``description`` may also be a function of an environment that
        returns either: it is then written in each company's language (see
        _company_language_env). An empty recordset records nothing. ``names``
        maps the ids of records about to be deleted to their names. Rows are
        inserted at commit time.
        """
        if not records:
            return
        if chatter_body is not None and hasattr(records, "_message_log_batch"):
            existing = records.exists()
            if isinstance(chatter_body, dict):
                bodies = {rid: chatter_body[rid] for rid in existing.ids if rid in chatter_body}
            else:
                bodies = dict.fromkeys(existing.ids, chatter_body)
            if bodies:
                existing.browse(list(bodies))._message_log_batch(bodies=bodies)
        company_of = {record: self._log_company(record) for record in records}
        enabled = self.env["res.company"].union(*company_of.values()).filtered("activity_log_enabled")
        if not enabled:
            return
        if callable(description):
            # Evaluated once per language, whatever the number of companies.
            described, by_lang = {}, {}
            for company in enabled:
                env = self._company_language_env(company)
                if env.lang not in by_lang:
                    by_lang[env.lang] = description(env)
                described[company] = by_lang[env.lang]
        else:
            described = dict.fromkeys(enabled, description)
        queue = self.env.cr.precommit.data.setdefault(LOG_QUEUE_KEY, [])
        if not queue:
            self.env.cr.precommit.add(self._flush_queue)
        now = fields.Datetime.to_string(fields.Datetime.now())
        user_id = self.env.uid
        ip_address = self._current_ip_address()
        for record, company in company_of.items():
            if company not in enabled:
                continue
            detail = described[company]
            if isinstance(detail, dict):
                detail = detail.get(record.id)
            queue.append(
                {
                    "date": now,
                    "user_id": user_id,
                    "ip_address": ip_address,
                    "company_id": company.id,
                    "action_type": action_type,
                    "res_model": record._name,
                    "res_id": record.id,
                    "document_name": (names or {}).get(record.id) or False,
                    "description": detail or False,
                    "send_state": send_state or False,
                    "mail_message_id": mail_message.id if mail_message else False,
                    "_record": record,
                }
            )

    @api.model
    def _company_language_env(self, company):
        """The environment a row's detail is written in for ``company``. The
        detail is written once and hashed, and the company's owner reads it:
        it is in the company's language (its partner's), not in the language
        of whoever acted (an accountant's account in English, say)."""
        lang = self._company_lang(company.id)
        if not lang or not self.env["res.lang"]._get_data(code=lang):
            return self.env
        return self.with_context(lang=lang).env

    @api.model
    @tools.ormcache("company_id")
    def _company_lang(self, company_id):
        """The language of ``company_id``'s partner, asked by every
        transaction that logs: cached in the registry, cleared when a
        company's partner changes its language (res.partner) or a company its
        partner (res.company)."""
        return self.env["res.company"].sudo().browse(company_id).partner_id.lang or False

    @api.model
    def _name_pending_rows(self, names):
        """Give the rows still queued for records about to be deleted the name
        the records have now (``names``: {(model, id): name}): a document
        created and deleted in one transaction is named in both rows."""
        for row in self.env.cr.precommit.data.get(LOG_QUEUE_KEY, []):
            if not row["document_name"]:
                row["document_name"] = names.get((row["res_model"], row["res_id"])) or False

    @api.model
    def _document_name(self, record):
        """How the history names ``record``: its own choice when it feeds the
        history through the mixin (a draft has no number yet), else its name."""
        if hasattr(record, "_activity_log_name"):
            return record._activity_log_name()
        return record.display_name

    def _log_company(self, record):
        """The company whose history records an action on ``record``."""
        if record._name == "res.company":
            return record
        if "company_id" in record._fields:
            return record.sudo().company_id or self.env.company
        return self.env.company

    @api.model
    def _current_ip_address(self):
        # Werkzeug's remote_addr: Odoo rewrites it from X-Forwarded-For when it
        # runs in proxy mode. The external API hides its request during the
        # call: its caller's address was kept (controllers/external_api.py).
        # No request (scheduler, shell): no address.
        try:
            address = request.httprequest.remote_addr if request else None
        except RuntimeError:  # a request object outside its own context
            address = None
        return address or getattr(_EXTERNAL_CALLER, "address", None) or False

    @api.model
    def _log_export(self, company, records, fields_to_export):
        """The standard export of ``records`` (their model, number, fields)."""
        if not company.activity_log_enabled:
            return

        def describe(env):
            return env._(
                "%(count)s %(model)s exported: %(fields)s",
                count=len(records),
                model=env["ir.model"]._get(records._name).name,
                fields=", ".join(fields_to_export),
            )

        self._log_action(company, "records_exported", describe)

    @api.model
    def _activity_log_families(self):
        """The family of each action type, {action_type: family}. Each
        capability that adds action types extends it with theirs."""
        return dict(ACTION_FAMILIES)

    # ------------------------------------------------------------------
    # Writing the queue: one INSERT per transaction, nothing else
    # ------------------------------------------------------------------

    def _flush_queue(self):
        queue = self.env.cr.precommit.data.pop(LOG_QUEUE_KEY, [])
        if not queue:
            return
        families = self._activity_log_families()
        for row in queue:
            row["family"] = families.get(row["action_type"])
            record = row.pop("_record")
            if not row["document_name"]:
                # Read from the cache when the transaction holds the record (no
                # query); a record deleted since is no longer in the cache and
                # its fetch finds nothing (unlink invalidates the cache).
                try:
                    row["document_name"] = self._document_name(record.sudo())
                except MissingError:
                    row["document_name"] = False
        queue = self._drop_repeated(queue)
        if queue:
            self._insert_rows(queue)

    def _drop_repeated(self, rows):
        """Leave out the repeatable actions (printing) that the same user did
        on the same document in this transaction or in the last minute."""
        repeatable = [row for row in rows if row["action_type"] in REPEATABLE_ACTIONS]
        if not repeatable:
            return rows
        since = fields.Datetime.now() - timedelta(seconds=REPEAT_WINDOW_SECONDS)
        self.env.cr.execute(
            SQL(
                "SELECT action_type, res_model, res_id FROM invoice_activity_log"
                " WHERE user_id = %(user)s AND date >= %(since)s AND action_type IN %(types)s"
                " AND res_id IN %(ids)s",
                user=self.env.uid,
                since=since,
                types=REPEATABLE_ACTIONS,
                ids=tuple({row["res_id"] for row in repeatable}),
            )
        )
        seen = set(self.env.cr.fetchall())
        kept = []
        for row in reversed(rows):  # the last of repeated rows says the most (a download)
            key = (row["action_type"], row["res_model"], row["res_id"])
            if row["action_type"] in REPEATABLE_ACTIONS:
                if key in seen:
                    continue
                seen.add(key)
            kept.append(row)
        return kept[::-1]

    def _insert_rows(self, rows):
        """Insert ``rows`` (dicts of column values), each with its MAC, and
        queue them for sealing, in one statement. The ids are drawn first
        (a sequence: no lock, no shared row) because the MAC covers them."""
        cr = self.env.cr
        key = self.env["invoice.activity.log.key"]._current_key()
        if not key and cr.dbname not in _WARNED_WITHOUT_KEY:
            # A server that does not find the key (one of several servers not
            # given the shared data directory or the key option) keeps serving;
            # its log says so, once per process and database.
            _WARNED_WITHOUT_KEY.add(cr.dbname)
            _logger.warning("%s", self.env["invoice.activity.log.key"]._missing_key_message())
        for row, row_id in zip(rows, self._take_ids(len(rows)), strict=True):
            row["id"] = row_id
            if key:
                row["mac"] = key.mac(canonical_text(row))
                row["mac_key_id"] = key.key_id
        cr.execute(
            SQL(
                "WITH inserted AS (INSERT INTO invoice_activity_log (%(columns)s) VALUES %(values)s"
                " RETURNING id, company_id)"
                " INSERT INTO invoice_activity_log_pending (log_id, company_id)"
                " SELECT id, company_id FROM inserted",
                columns=SQL(", ").join(SQL.identifier(column) for column in INSERTED_COLUMNS),
                values=SQL(", ").join(
                    SQL(
                        "(%s)",
                        SQL(", ").join(SQL("%s", row.get(column) or None) for column in INSERTED_COLUMNS),
                    )
                    for row in rows
                ),
            )
        )

    def _take_ids(self, count):
        """``count`` ids of the table's sequence, from the ids this process
        drew ahead (ID_BLOCK at a time): a transaction that logs then runs
        its INSERT and nothing else. The ids of rows are unique, not in the
        order of their commits (the chain's order is the sealer's, and the
        history lists by date); an id taken by a transaction rolled back is
        lost, as a sequence's is."""
        taken = []
        pools = self.pool.__dict__.setdefault("_invoice_activity_log_ids", {})
        while True:
            # Per process: the workers forked from a server that loaded the
            # registry must not share what it drew. The registry is made anew
            # when its database is restored or dropped: so are these ids.
            with _ID_POOL_LOCK:
                pool = pools.setdefault(os.getpid(), collections.deque())
                while pool and len(taken) < count:
                    taken.append(pool.popleft())
            if len(taken) == count:
                return taken
            self._draw_ids(max(count - len(taken), ID_BLOCK))

    def _draw_ids(self, count):
        """Draw ``count`` ids of the sequence into this process's ids ahead."""
        self.env.cr.execute(
            SQL("SELECT nextval('invoice_activity_log_id_seq') FROM generate_series(1, %s)", count)
        )
        ids = [row_id for (row_id,) in self.env.cr.fetchall()]
        pools = self.pool.__dict__.setdefault("_invoice_activity_log_ids", {})
        with _ID_POOL_LOCK:
            pools.setdefault(os.getpid(), collections.deque()).extend(ids)

    # ------------------------------------------------------------------
    # Send status: follows the e-mails of the logged sending actions
    # ------------------------------------------------------------------

    @api.model
    def _set_send_state(self, mail_messages, outcomes):
        """Follow the final outcome of e-mails on the rows of the actions that
        sent them, and append each change as a row of its own.

        ``outcomes`` maps a mail.message id to (send state, detail). Called by
        the mail delivery path only (mail.mail, bounce handling), never by a
        user's write; the send status is outside the hash, each of its
        changes is in the chain. An e-mail sent at once (before the commit
        that inserts the row of its sending) updates the queued row.
        """
        if not mail_messages or not self.env["res.company"].sudo().search_count(
            [("activity_log_enabled", "=", True)], limit=1
        ):
            return
        changes = []  # (document, message id, send state)
        for row in self.env.cr.precommit.data.get(LOG_QUEUE_KEY, []):
            outcome = outcomes.get(row["mail_message_id"])
            if outcome and row["send_state"] != outcome[0] and row["action_type"] != "send_state_changed":
                row["send_state"] = outcome[0]
                changes.append((row["_record"], row["mail_message_id"], outcome))
        rows = self.sudo().search(
            [("mail_message_id", "in", mail_messages.ids), ("action_type", "!=", "send_state_changed")]
        )
        for row in rows:
            outcome = outcomes[row.mail_message_id.id]
            if row.send_state == outcome[0]:
                continue
            self.env.cr.execute(
                SQL("UPDATE invoice_activity_log SET send_state = %s WHERE id = %s", outcome[0], row.id)
            )
            record = self.env[row.res_model].browse(row.res_id).exists() if row.res_model else None
            if record:
                changes.append((record, row.mail_message_id.id, outcome))
        rows.invalidate_recordset(["send_state"])
        for record, message_id, (send_state, detail) in changes:

            def describe(env, send_state=send_state, detail=detail):
                label = dict(self._fields["send_state"]._description_selection(env))[send_state]
                return env._("E-mail %(state)s: %(detail)s", state=label, detail=detail)

            self.sudo()._log_action(
                record,
                "send_state_changed",
                describe,
                send_state=send_state,
                mail_message=self.env["mail.message"].browse(message_id),
            )
