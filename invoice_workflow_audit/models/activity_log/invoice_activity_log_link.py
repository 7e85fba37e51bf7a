# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
from hashlib import sha256

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Fields of a history row covered by its hash, in this order. They never
# change once the row is written. ``send_state`` is left out on purpose: it
# follows the e-mail after the action, and each of its changes is a row of its
# own in the chain ("E-mail send status changed").
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

# Key of the PostgreSQL advisory lock that sealers of a company take (with the
# company id as second key): only sealers take it, writers never do.
SEAL_LOCK_KEY = 0x1A7E


class InvoiceActivityLogLink(models.Model):
    """One link of a company's chain: the position of a history row and its
    hash, which covers the row and the hash of the link before it.

    Links are made by the sealer (``_seal``), one background step at a time
    per company, after the rows were committed: the order of the chain is the
    order of sealing, so a row whose transaction commits late is chained after
    the rows sealed before it, never slipped behind them. Writers insert
    history rows and nothing else: they never wait for one another. Odoo's own
    inalterability hash of journal entries is computed after the fact too.
    """

    _name = "invoice.activity.log.link"
    _inherit = ["invoice.append.only.mixin"]
    _description = "Activity History Chain Link"
    _order = "company_id, position"
    _log_access = False

    log_id = fields.Many2one("invoice.activity.log", required=True, readonly=True, ondelete="restrict")
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="restrict")
    position = fields.Integer(required=True, readonly=True)
    hash = fields.Char(required=True, readonly=True)

    _sql_constraints = [
        ("log_unique", "UNIQUE(log_id)", "A history row is chained once."),
        ("position_unique", "UNIQUE(company_id, position)", "A position of the chain holds one row."),
    ]

    # ------------------------------------------------------------------
    # Hashing
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
    def _seal(self, companies=None, batch_size=5000):
        """Chain the rows of the history that are not chained yet, company by
        company, oldest first. A company another sealer holds is skipped (it
        seals those rows), never waited for. Returns the number of rows sealed.
        """
        cr = self.env.cr
        if companies is None:
            cr.execute(SQL("SELECT DISTINCT company_id FROM invoice_activity_log_pending"))
            company_ids = sorted(row[0] for row in cr.fetchall())
        else:
            company_ids = companies.ids
        sealed = 0
        for company_id in company_ids:
            cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", SEAL_LOCK_KEY, company_id))
            if not cr.fetchone()[0]:
                _logger.info("Activity history of company %s: another sealer is at work.", company_id)
                continue
            position, previous_hash = self._chain_head(company_id)
            while True:
                rows = self._fetch_rows(
                    SQL(
                        "SELECT log_id AS id FROM invoice_activity_log_pending WHERE company_id = %s"
                        " ORDER BY log_id LIMIT %s",
                        company_id,
                        batch_size,
                    )
                )
                if not rows:
                    break
                rows.sort(key=lambda row: row["id"])
                links = []
                for row in rows:
                    position += 1
                    previous_hash = self._compute_hash(previous_hash, row)
                    links.append(SQL("(%s, %s, %s, %s)", row["id"], company_id, position, previous_hash))
                ids = tuple(row["id"] for row in rows)
                cr.execute(
                    SQL(
                        "INSERT INTO invoice_activity_log_link (log_id, company_id, position, hash)"
                        " VALUES %s",
                        SQL(", ").join(links),
                    )
                )
                cr.execute(SQL("DELETE FROM invoice_activity_log_pending WHERE log_id IN %s", ids))
                sealed += len(rows)
        self.invalidate_model()
        return sealed

    @api.model
    def _cron_seal(self):
        self._seal()

    # ------------------------------------------------------------------
    # Verification
    # ------------------------------------------------------------------

    @api.model
    def _verify_chain(self, company, batch_size=20000):
        """Recompute the chain of ``company`` from its first link.

        Returns a dict: ``intact`` (bool), ``count`` (links checked),
        ``head`` (position, hash) of the last link, ``hashes`` {position:
        hash} asked for through ``positions``, and when altered ``position``
        (first bad link) and ``reason``.
        """
        cr = self.env.cr
        previous_hash, expected_position = "", 1
        last_position = 0
        while True:
            cr.execute(
                SQL(
                    "SELECT k.position, k.hash, k.log_id, log.id IS NOT NULL"
                    " FROM invoice_activity_log_link k"
                    " LEFT JOIN invoice_activity_log log ON log.id = k.log_id"
                    " WHERE k.company_id = %s AND k.position > %s ORDER BY k.position LIMIT %s",
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
                    SQL(
                        "SELECT unnest(%s::int[]) AS id",
                        [log_id for _p, _h, log_id, exists in links if exists],
                    )
                )
            }
            for position, link_hash, log_id, exists in links:
                if position != expected_position:
                    return self._altered(expected_position, "missing_link", previous_hash)
                if not exists:
                    return self._altered(position, "missing_row", previous_hash, log_id=log_id)
                if self._compute_hash(previous_hash, rows[log_id]) != link_hash:
                    return self._altered(position, "altered_row", previous_hash, log_id=log_id)
                previous_hash = link_hash
                expected_position += 1
            last_position = links[-1][0]
        cr.execute(
            SQL(
                "SELECT count(*) FROM invoice_activity_log log WHERE log.company_id = %s"
                " AND NOT EXISTS (SELECT 1 FROM invoice_activity_log_link k WHERE k.log_id = log.id)"
                " AND NOT EXISTS (SELECT 1 FROM invoice_activity_log_pending p WHERE p.log_id = log.id)",
                company.id,
            )
        )
        [[unchained]] = cr.fetchall()
        if unchained:
            return self._altered(expected_position, "unchained_rows", previous_hash, unchained=unchained)
        return {
            "intact": True,
            "count": expected_position - 1,
            "head": (expected_position - 1, previous_hash),
        }

    @api.model
    def _altered(self, position, reason, previous_hash, **detail):
        return {
            "intact": False,
            "count": position - 1,
            "head": (position - 1, previous_hash),
            "position": position,
            "reason": reason,
            **detail,
        }

    @api.model
    def _hash_at(self, company, position):
        """The hash the chain of ``company`` holds at ``position`` (None beyond its end)."""
        self.env.cr.execute(
            SQL(
                "SELECT hash FROM invoice_activity_log_link WHERE company_id = %s AND position = %s",
                company.id,
                position,
            )
        )
        row = self.env.cr.fetchone()
        return row[0] if row else None

    @api.model
    def _iwa_demo_seal(self):
        """Demo data, last step: write the rows queued by the demo (as a
        commit would) and chain them, so the history opens sealed."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        return self._seal()
