# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
import time
from contextlib import contextmanager
from hashlib import sha256
from hmac import compare_digest

import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Fields of a history row covered by its hash and its MAC, in this order.
# They never change once the row is written. ``send_state`` is left out on
# purpose: it follows the e-mail after the action, and each of its changes is
# a row of its own in the chain ("E-mail send status changed"). A field added
# here later comes with a new HASH_VERSION: links keep the version they were
# made with, so that old links never turn "altered".
HASHED_FIELDS = (
    "id",
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

# Version 1 (18.0.1.0.0 - 18.0.1.1.0): SHA-256 of the previous hash and a
# JSON of the row, computed in Python. Version 2 (18.0.1.2.0): the canonical
# text below, which PostgreSQL computes as well, so that Verify is set-based.
HASH_VERSION = 2

# ----------------------------------------------------------------------
# The canonical text of a row (version 2), defined twice side by side: in
# Python (the writer's MAC, the tests) and in SQL (the sealer, Verify). Each
# field as text (NULL as empty, and so 0, "" and False, which the writer
# stores as NULL; dates as ISO 8601 in UTC with
# microseconds), prefixed by its length in characters so that no text can
# slide from one field into the next, joined with "|". A test asserts that
# both give the same text for the same rows, non-ASCII text and NULLs
# included.
# ----------------------------------------------------------------------


def canonical_text(values):
    """The canonical text of a row given as {field: value} (HASHED_FIELDS)."""
    parts = []
    for name in HASHED_FIELDS:
        value = values.get(name)
        if not value and value is not True:  # the writer stores 0, "" and False as NULL
            text = ""
        elif name == "date":
            if isinstance(value, str):
                value = fields.Datetime.to_datetime(value)
            text = value.strftime("%Y-%m-%dT%H:%M:%S.%f")
        else:
            text = str(value)
        parts.append(f"{len(text)}:{text}")
    return "|".join(parts)


def canonical_sql(alias="log"):
    """The same canonical text, computed by PostgreSQL for the row ``alias``.
    Functions are named with their schema: a function of the same name that
    someone created in another schema is never called instead.

    One ``concat()`` of all the parts rather than a chain of ``||``: each
    ``||`` copies the text built so far, and Verify computes this text for
    every row of the chain (``concat`` reads a NULL as an empty text, as the
    Python side does)."""
    parts = []
    for name in HASHED_FIELDS:
        column = SQL.identifier(alias, name)
        if name == "date":
            text = SQL("""pg_catalog.to_char(%s, 'YYYY-MM-DD"T"HH24:MI:SS.US')""", column)
        else:
            text = SQL("%s::text", column)
        if parts:
            parts.append(SQL("'|'"))
        parts += [SQL("pg_catalog.char_length(COALESCE(%s, ''))", text), SQL("':'"), text]
    return SQL("pg_catalog.concat(%s)", SQL(", ").join(parts))


def link_hash(previous_hash, canonical, altered_before_seal=False):
    """The hash of a version-2 link: the previous link's hash, the row's
    canonical text, and whether the row was found altered before its seal
    (so that the mark cannot be taken off without breaking the chain)."""
    payload = f"{previous_hash}{canonical}|{'1' if altered_before_seal else '0'}"
    return sha256(payload.encode()).hexdigest()


def link_hash_sql(previous_hash, canonical, altered_before_seal):
    """``link_hash`` computed by PostgreSQL (SQL expressions as arguments)."""
    return SQL(
        "pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to("
        "%s || %s || '|' || CASE WHEN %s THEN '1' ELSE '0' END, 'UTF8')), 'hex')",
        previous_hash,
        canonical,
        altered_before_seal,
    )


# Key of the PostgreSQL advisory lock that sealers of a company take (with the
# company id as second key): only sealers take it, writers never do.
SEAL_LOCK_KEY = 0x1A7E

# Rows chained per transaction: a backlog of millions goes through in
# bounded steps, each committed, none killed by a worker's time limit.
SEAL_BATCH_SIZE = 20000
# A cron call seals batches for this long, then hands back to the cron
# runner (which calls again while rows remain).
SEAL_CALL_SECONDS = 60

# Planner settings of Verify's link check, for that one statement. The check
# computes the canonical text and a SHA-256 of every row of the chain, which
# PostgreSQL costs as a few operators: left to itself it plans one process
# for a million rows. Free parallel workers let it spread them over the
# server's cores (half the time on two); JIT compiling this expression costs
# more than it saves; a work memory of 16 MB (against PostgreSQL's 4 MB)
# keeps most of its hash joins in memory, about a tenth faster, no more
# (32 and 64 MB measured: no better). Measured in bench/README.rst
# (bench_history_proof.py).
LINK_CHECK_SETTINGS = {
    "parallel_setup_cost": "0",
    "parallel_tuple_cost": "0",
    "jit": "off",
    "work_mem": "16MB",
}


class LinkMany2one(fields.Many2one):
    """A Many2one of a chain link that has no foreign key in the database.

    The sealer inserts links by the tens of thousands; PostgreSQL checks each
    foreign key of each new link by locking the row it points to (FOR KEY
    SHARE), which was more than a third of the sealing time
    (bench/bench_history_proof.py). What the keys would guard is guarded
    elsewhere: history rows are deleted by the purge only, which removes
    their links first; Verify names a link whose row is gone or belongs to
    another company; the history rows keep their own key to the company."""

    def update_db_foreign_key(self, model, column):
        return


class InvoiceActivityLogLink(models.Model):
    """One link of a company's chain: the position of a history row and its
    hash, which covers the row and the hash of the link before it.

    Links are made by the sealer (``_seal``), one background step at a time
    per company, after the rows were committed: the order of the chain is the
    order of sealing, so a row whose transaction commits late is chained after
    the rows sealed before it, never slipped behind them. Writers insert
    history rows (each with its MAC) and nothing else: they never wait for one
    another. Odoo's own inalterability hash of journal entries is computed
    after the fact too.
    """

    _name = "invoice.activity.log.link"
    _inherit = ["invoice.append.only.mixin"]
    _description = "Activity History Chain Link"
    _order = "company_id, position"
    _log_access = False

    log_id = LinkMany2one("invoice.activity.log", required=True, readonly=True, ondelete="restrict")
    company_id = LinkMany2one("res.company", required=True, readonly=True, ondelete="restrict")
    position = fields.Integer(required=True, readonly=True)
    hash = fields.Char(required=True, readonly=True)
    hash_version = fields.Integer(
        required=True,
        readonly=True,
        help="The format of the hash when the link was made: a later format never turns old links altered.",
    )
    altered_before_seal = fields.Boolean(
        readonly=True,
        help="The row no longer matched the MAC it was written with when it was sealed: it was changed "
        "between its writing and its seal. It is chained as it was found, and reported by Verify.",
    )

    _sql_constraints = [
        ("log_unique", "UNIQUE(log_id)", "A history row is chained once."),
        ("position_unique", "UNIQUE(company_id, position)", "A position of the chain holds one row."),
    ]

    def init(self):
        # The foreign keys earlier versions made (see LinkMany2one) go, with
        # their records in ir.model.constraint.
        names = tuple(f"{self._table}_{name}_fkey" for name in ("log_id", "company_id"))
        for name in names:
            self.env.cr.execute(
                SQL(
                    "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s",
                    SQL.identifier(self._table),
                    SQL.identifier(name),
                )
            )
        self.env.cr.execute(SQL("DELETE FROM ir_model_constraint WHERE type = 'f' AND name IN %s", names))

    # ------------------------------------------------------------------
    # Hashing, version 1 (links made before 18.0.1.2.0): checked in Python
    # ------------------------------------------------------------------

    @api.model
    def _hash_payload(self, row):
        values = {name: row.get(name) or False for name in HASHED_FIELDS}
        if values["date"]:
            values["date"] = fields.Datetime.to_string(values["date"])
        return json.dumps(values, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)

    @api.model
    def _compute_hash(self, previous_hash, row):
        return sha256((previous_hash + self._hash_payload(row)).encode()).hexdigest()

    def _fetch_rows(self, query):
        """Rows of the history as dicts of the hashed fields, for ``query``
        (an SQL selecting history ids, in chain order)."""
        columns = SQL(", ").join(SQL.identifier("log", name) for name in HASHED_FIELDS)
        self.env.cr.execute(
            SQL("SELECT %s FROM (%s) AS q JOIN invoice_activity_log log ON log.id = q.id", columns, query)
        )
        return [dict(zip(HASHED_FIELDS, values, strict=True)) for values in self.env.cr.fetchall()]

    # ------------------------------------------------------------------
    # Sealing
    # ------------------------------------------------------------------

    @api.model
    def _chain_head(self, company_id):
        """(position, hash) of the last link of the company's chain."""
        self.env.cr.execute(
            SQL(
                "SELECT position, hash FROM invoice_activity_log_link WHERE company_id = %s"
                " ORDER BY position DESC LIMIT 1",
                company_id,
            )
        )
        return self.env.cr.fetchone() or (0, "")

    @api.model
    def _seal(self, companies=None, batch_size=SEAL_BATCH_SIZE, max_batches=None):
        """Chain the rows of the history that are not chained yet, company by
        company, oldest first, each row's MAC checked first. A company another
        sealer holds is skipped (it seals those rows), never waited for; so
        is a company whose chain another sealer extended after this
        transaction's snapshot was taken (the next run seals its rows).
        ``max_batches`` bounds the batches per company. Returns the number of
        rows sealed. Raises UserError when the signing key is missing.
        """
        cr = self.env.cr
        if companies is None:
            cr.execute(SQL("SELECT DISTINCT company_id FROM invoice_activity_log_pending"))
            company_ids = sorted(row[0] for row in cr.fetchall())
        else:
            company_ids = companies.ids
        if not company_ids:
            return 0
        Key = self.env["invoice.activity.log.key"].sudo()
        Key._ensure_key()
        current = Key._require_key()
        keys = {current.key_id: current}
        sealed = 0
        for company_id in company_ids:
            cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", SEAL_LOCK_KEY, company_id))
            if not cr.fetchone()[0]:
                _logger.info("Activity history of company %s: another sealer is at work.", company_id)
                continue
            batches = 0
            while max_batches is None or batches < max_batches:
                try:
                    with cr.savepoint(flush=False):
                        count = self._seal_batch(company_id, keys, batch_size)
                except (psycopg2.errors.UniqueViolation, psycopg2.errors.SerializationFailure):
                    # Our snapshot predates a sealer that committed links of
                    # this company: its head is stale. Skip; the next run
                    # (a new transaction) seals these rows.
                    _logger.info(
                        "Activity history of company %s: sealed meanwhile, retried later.", company_id
                    )
                    break
                if not count:
                    break
                sealed += count
                batches += 1
        self.invalidate_model()
        self.env["invoice.activity.log"].invalidate_model(["link_ids", "chain_position", "chain_hash"])
        return sealed

    @api.model
    def _seal_batch(self, company_id, keys, batch_size):
        """Chain up to ``batch_size`` pending rows of ``company_id`` (its lock
        held). ``keys`` caches the private keys by key id."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT log.id, log.mac, log.mac_key_id, %(canonical)s"
                " FROM invoice_activity_log_pending p JOIN invoice_activity_log log ON log.id = p.log_id"
                " WHERE p.company_id = %(company)s ORDER BY p.log_id LIMIT %(limit)s",
                canonical=canonical_sql("log"),
                company=company_id,
                limit=batch_size,
            )
        )
        rows = cr.fetchall()
        if not rows:
            return 0
        position, previous_hash = self._chain_head(company_id)
        Key = self.env["invoice.activity.log.key"]
        ids, positions, hashes, altered = [], [], [], []
        for log_id, mac, mac_key_id, canonical in rows:
            bad = False
            if mac:
                if mac_key_id not in keys:
                    keys[mac_key_id] = Key._key_by_id(mac_key_id)
                key = keys[mac_key_id]
                # A MAC of a key no longer held cannot be checked: the row
                # counts as unprotected before its seal, as a row without one.
                bad = bool(key) and not compare_digest(key.mac(canonical), mac)
                if bad:
                    _logger.warning("Activity history row %s was altered before its seal.", log_id)
            position += 1
            previous_hash = link_hash(previous_hash, canonical, bad)
            ids.append(log_id)
            positions.append(position)
            hashes.append(previous_hash)
            altered.append(bad)
        cr.execute(
            SQL(
                "INSERT INTO invoice_activity_log_link"
                " (log_id, company_id, position, hash, hash_version, altered_before_seal)"
                " SELECT unnest(%(ids)s::int[]), %(company)s, unnest(%(positions)s::int[]),"
                " unnest(%(hashes)s::varchar[]), %(version)s, unnest(%(altered)s::bool[])",
                ids=ids,
                company=company_id,
                positions=positions,
                hashes=hashes,
                version=HASH_VERSION,
                altered=altered,
            ),
            # A stale snapshot fails here, expectedly: _seal skips, no error logged.
            log_exceptions=False,
        )
        cr.execute(
            SQL("DELETE FROM invoice_activity_log_pending WHERE log_id = ANY(%s)", ids), log_exceptions=False
        )
        return len(ids)

    @api.model
    def _cron_seal(self):
        """The scheduled sealer: batches of SEAL_BATCH_SIZE rows, each its own
        transaction, for up to SEAL_CALL_SECONDS; the cron runner calls again
        while rows remain (``_notify_progress``)."""
        Key = self.env["invoice.activity.log.key"].sudo()
        if not Key._ensure_key():
            _logger.warning("%s", Key._missing_key_message())
            return
        done, deadline = 0, time.monotonic() + SEAL_CALL_SECONDS
        while time.monotonic() < deadline:
            sealed = self._seal(max_batches=1)
            if not sealed:
                break
            done += sealed
            # Commit each batch: what is chained stays chained if the worker
            # is stopped by its time limit, the advisory lock is released for
            # a moment, and the next batch starts from a fresh snapshot.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        self.env.cr.execute(SQL("SELECT count(*) FROM invoice_activity_log_pending"))
        [[remaining]] = self.env.cr.fetchall()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining if done else 0)

    # ------------------------------------------------------------------
    # Verification
    # ------------------------------------------------------------------

    @api.model
    def _verify_chain(self, company, problems_limit=50):
        """Check the chain of ``company`` link by link, set-based: each link
        against the stored hash of the link before it (PostgreSQL computes
        the hashes of version 2, Python those of version 1), the marks of rows
        altered before their seal, the seals kept in the database, and the
        MACs of the rows chained since the last seal that still holds.

        Returns a dict: ``intact`` (bool), ``count`` (links), ``head``
        (position, hash) of the last link, ``problems`` (list of dicts:
        ``position``, ``log_id``, ``reason``), ``unprotected`` (rows that
        carry no MAC its key can check), ``macs_checked``; and, for the first
        problem, ``position``, ``reason`` and ``log_id``.
        """
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT count(*), COALESCE(max(position), 0) FROM invoice_activity_log_link"
                " WHERE company_id = %s",
                company.id,
            )
        )
        count, last = cr.fetchone()
        problems = self._check_links(company, problems_limit)
        problems += self._check_links_v1(company, problems_limit)
        cr.execute(
            SQL(
                "SELECT position, log_id FROM invoice_activity_log_link"
                " WHERE company_id = %s AND altered_before_seal ORDER BY position LIMIT %s",
                company.id,
                problems_limit,
            )
        )
        problems += [
            {"position": position, "log_id": log_id, "reason": "altered_before_seal"}
            for position, log_id in cr.fetchall()
        ]
        anchor, seal_problems = self._check_stored_seals(company)
        problems += seal_problems
        problems += self.env["invoice.activity.log.anchor"]._check_anchors(company)
        mac_problems, macs_checked, unchecked = self._check_macs_after(company, anchor)
        # A row changed after its seal breaks its link and its MAC: named once.
        reported = {problem["position"] for problem in problems}
        problems += [problem for problem in mac_problems if problem["position"] not in reported]
        cr.execute(
            SQL(
                "SELECT count(*), count(*) FILTER (WHERE mac IS NULL) FROM invoice_activity_log"
                " WHERE company_id = %s",
                company.id,
            )
        )
        rows, without_mac = cr.fetchone()
        unchained = self._count_unchained(company, rows, count, links_intact=not problems)
        if unchained:
            problems.append(
                {"position": last + 1, "log_id": None, "reason": "unchained_rows", "unchained": unchained}
            )
        problems.sort(key=lambda problem: (problem["position"], problem["reason"]))
        report = {
            "intact": not problems,
            "count": count,
            "head": (last, self._hash_at(company, last) or "") if last else (0, ""),
            "problems": problems[:problems_limit],
            "unprotected": without_mac + unchecked,
            "macs_checked": macs_checked,
            "anchor": anchor,
            "purged_until": self.env["invoice.activity.log.anchor"]._purged_until(company),
        }
        if problems:
            first = problems[0]
            report.update(
                position=first["position"],
                reason=first["reason"],
                log_id=first["log_id"],
                unchained=first.get("unchained"),
            )
        return report

    @api.model
    def _count_unchained(self, company, rows, links, links_intact):
        """The rows of ``company`` (``rows`` in all) neither chained nor
        waiting for the sealer.

        When the link check found nothing, each of the company's ``links``
        holds a row of its own (one each, of this company), so counting is
        enough: the rows of the company are its links and its pending rows
        not linked yet, and nothing else. Otherwise, or when the counts
        differ, the rows are looked up one by one."""
        cr = self.env.cr
        if links_intact:
            pending = 0
            # The sealer's queue is usually empty when Verify runs (it seals
            # first): its statistics, stale after each seal, are not trusted.
            cr.execute(SQL("SELECT EXISTS (SELECT 1 FROM invoice_activity_log_pending)"))
            if cr.fetchone()[0]:
                cr.execute(
                    SQL(
                        "SELECT count(DISTINCT p.log_id) FROM invoice_activity_log_pending p"
                        " JOIN invoice_activity_log log ON log.id = p.log_id AND log.company_id = %(company)s"
                        " WHERE NOT EXISTS (SELECT 1 FROM invoice_activity_log_link k"
                        " WHERE k.log_id = p.log_id)",
                        company=company.id,
                    )
                )
                pending = cr.fetchone()[0]
            if rows == links + pending:
                return 0
        cr.execute(
            SQL(
                "SELECT count(*) FROM invoice_activity_log log WHERE log.company_id = %s"
                " AND NOT EXISTS (SELECT 1 FROM invoice_activity_log_link k WHERE k.log_id = log.id)"
                " AND NOT EXISTS (SELECT 1 FROM invoice_activity_log_pending p WHERE p.log_id = log.id)",
                company.id,
            )
        )
        return cr.fetchone()[0]

    @api.model
    def _check_links(self, company, limit):
        """Links that break the chain, found by PostgreSQL in one pass: each
        link n joined with link n-1, its version-2 hash recomputed; a link
        whose row belongs to another company is no link of this chain."""
        previous = SQL("COALESCE(prev.hash, anchor.last_hash, '')")
        query = SQL(
            """
            SELECT position, log_id, reason FROM (
                SELECT k.position, k.log_id,
                       CASE WHEN k.position > 1 AND prev.id IS NULL AND anchor.id IS NULL THEN 'missing_link'
                            WHEN log.id IS NOT NULL THEN 'altered_row'
                            -- a row of another company is no row of this chain
                            WHEN EXISTS (SELECT 1 FROM invoice_activity_log other WHERE other.id = k.log_id)
                                 THEN 'altered_row'
                            ELSE 'missing_row' END AS reason
                  FROM invoice_activity_log_link k
                  -- the company's rows only: PostgreSQL hashes them, not the
                  -- whole history of every company
                  LEFT JOIN invoice_activity_log log ON log.id = k.log_id AND log.company_id = k.company_id
                  LEFT JOIN invoice_activity_log_link prev
                         ON prev.company_id = k.company_id AND prev.position = k.position - 1
                  -- after a purge, the chain continues from the anchor hash
                  LEFT JOIN invoice_activity_log_anchor anchor
                         ON anchor.company_id = k.company_id AND anchor.last_position = k.position - 1
                 WHERE k.company_id = %(company)s
                   AND ((k.position > 1 AND prev.id IS NULL AND anchor.id IS NULL)
                        OR log.id IS NULL
                        OR k.hash_version NOT IN (1, %(version)s)
                        OR (k.hash_version = %(version)s AND k.hash <> %(hash)s))
                -- Planned for the whole chain (an intact chain has no
                -- problem to stop at), not for its first rows.
                OFFSET 0
            ) AS problems
            ORDER BY position
            LIMIT %(limit)s
            """,
            company=company.id,
            version=HASH_VERSION,
            hash=link_hash_sql(previous, canonical_sql("log"), SQL("k.altered_before_seal")),
            limit=limit,
        )
        with self._planner_settings(LINK_CHECK_SETTINGS):
            self.env.cr.execute(query)
            rows = self.env.cr.fetchall()
        problems = []
        for position, log_id, reason in rows:
            if reason == "missing_link":
                problems.append({"position": position - 1, "log_id": None, "reason": reason})
            else:
                problems.append({"position": position, "log_id": log_id, "reason": reason})
        return problems

    @api.model
    @contextmanager
    def _planner_settings(self, settings):
        """Set PostgreSQL's planner ``settings`` for the statements run
        inside, then put back the transaction's own values."""
        cr = self.env.cr
        cr.execute(SQL("SELECT %s", SQL(", ").join(SQL("current_setting(%s)", name) for name in settings)))
        saved = dict(zip(settings, cr.fetchone(), strict=True))
        set_all = SQL(", ").join(
            SQL("set_config(%s, %s, TRUE)", name, value) for name, value in settings.items()
        )
        cr.execute(SQL("SELECT %s", set_all))
        # On an error the transaction (or its savepoint) is rolled back, and
        # the settings with it.
        yield
        reset = SQL(", ").join(SQL("set_config(%s, %s, TRUE)", name, value) for name, value in saved.items())
        cr.execute(SQL("SELECT %s", reset))

    @api.model
    def _check_links_v1(self, company, limit, batch_size=20000):
        """Links of version 1 (made before 18.0.1.2.0), checked in Python."""
        cr, problems, last_position = self.env.cr, [], 0
        while len(problems) < limit:
            cr.execute(
                SQL(
                    "SELECT k.position, k.hash, k.log_id, COALESCE(prev.hash, anchor.last_hash, '')"
                    " FROM invoice_activity_log_link k"
                    " JOIN invoice_activity_log log ON log.id = k.log_id"
                    " LEFT JOIN invoice_activity_log_link prev"
                    " ON prev.company_id = k.company_id AND prev.position = k.position - 1"
                    " LEFT JOIN invoice_activity_log_anchor anchor"
                    " ON anchor.company_id = k.company_id AND anchor.last_position = k.position - 1"
                    " WHERE k.company_id = %s AND k.hash_version = 1 AND k.position > %s"
                    " ORDER BY k.position LIMIT %s",
                    company.id,
                    last_position,
                    batch_size,
                )
            )
            links = cr.fetchall()
            if not links:
                break
            rows = {
                row["id"]: row
                for row in self._fetch_rows(
                    SQL("SELECT unnest(%s::int[]) AS id", [link[2] for link in links])
                )
            }
            for position, link_hash_value, log_id, previous_hash in links:
                if self._compute_hash(previous_hash, rows[log_id]) != link_hash_value:
                    problems.append({"position": position, "log_id": log_id, "reason": "altered_row"})
            last_position = links[-1][0]
        return problems

    @api.model
    def _check_stored_seals(self, company):
        """The seals kept in the database: each must still be held by the
        chain. Returns (the position of the last seal that holds and whose
        signature a key file of this server verifies, problems): rows up to
        it are proven by that signature, the rows after by their MACs."""
        Seal = self.env["invoice.activity.log.seal"].sudo()
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT s.id, s.position FROM invoice_activity_log_seal s"
                " LEFT JOIN invoice_activity_log_link k"
                " ON k.company_id = s.company_id AND k.position = s.position"
                # A seal of a purged part is checked by its archive; the
                # anchor still holds the hash of the last purged position.
                " LEFT JOIN invoice_activity_log_anchor anchor ON anchor.company_id = s.company_id"
                " AND s.position BETWEEN anchor.first_position AND anchor.last_position"
                " WHERE s.company_id = %s AND s.position > 0 AND CASE"
                " WHEN anchor.id IS NULL THEN k.hash IS DISTINCT FROM s.head_hash"
                " WHEN s.position = anchor.last_position THEN anchor.last_hash <> s.head_hash"
                " ELSE FALSE END"
                " ORDER BY s.position",
                company.id,
            )
        )
        problems = [
            {"position": position, "log_id": None, "reason": "seal_broken", "seal_id": seal_id}
            for seal_id, position in cr.fetchall()
        ]
        broken = {problem["seal_id"] for problem in problems}
        for seal in Seal.search(
            [("company_id", "=", company.id), ("position", ">", 0), ("signing_key_id", "!=", False)],
            order="position desc, id desc",
        ):
            if seal.id not in broken and seal._signed_by_held_key():
                return seal.position, problems
        return 0, problems

    @api.model
    def _check_macs_after(self, company, anchor, batch_size=50000):
        """The MACs of the rows chained after position ``anchor`` (rows
        rewritten and chained again since the last seal are caught here).
        Returns (problems, MACs checked, MACs of keys no longer held)."""
        cr, Key = self.env.cr, self.env["invoice.activity.log.key"]
        keys, problems, checked, unchecked, last_position = {}, [], 0, 0, anchor
        while True:
            cr.execute(
                SQL(
                    "SELECT k.position, log.id, log.mac, log.mac_key_id, %(canonical)s"
                    " FROM invoice_activity_log_link k JOIN invoice_activity_log log ON log.id = k.log_id"
                    " WHERE k.company_id = %(company)s AND k.position > %(after)s AND log.mac IS NOT NULL"
                    " AND NOT k.altered_before_seal ORDER BY k.position LIMIT %(limit)s",
                    canonical=canonical_sql("log"),
                    company=company.id,
                    after=last_position,
                    limit=batch_size,
                )
            )
            rows = cr.fetchall()
            if not rows:
                break
            for position, log_id, mac, mac_key_id, canonical in rows:
                if mac_key_id not in keys:
                    keys[mac_key_id] = Key._key_by_id(mac_key_id)
                key = keys[mac_key_id]
                if not key:
                    unchecked += 1
                elif compare_digest(key.mac(canonical), mac):
                    checked += 1
                else:
                    problems.append({"position": position, "log_id": log_id, "reason": "mac_mismatch"})
            last_position = rows[-1][0]
        return problems, checked, unchecked

    @api.model
    def _hash_at(self, company, position):
        """The hash the chain of ``company`` holds at ``position`` (None beyond its end)."""
        # After a purge, the anchor holds the hash of the last purged position.
        self.env.cr.execute(
            SQL(
                "SELECT hash FROM invoice_activity_log_link WHERE company_id = %(company)s"
                " AND position = %(position)s"
                " UNION ALL SELECT last_hash FROM invoice_activity_log_anchor"
                " WHERE company_id = %(company)s AND last_position = %(position)s LIMIT 1",
                company=company.id,
                position=position,
            )
        )
        row = self.env.cr.fetchone()
        return row[0] if row else None
