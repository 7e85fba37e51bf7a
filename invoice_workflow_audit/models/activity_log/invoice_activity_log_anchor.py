# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Retention and purge: the history leaves the database only once archived.

Per company, the owner keeps the history online N years (0, the default:
everything). A purge removes the rows of the periods that are closed, archived
and older than that, and nothing else: the chain then starts from an anchor
that records the purged positions and the hash of the last one, signed with
the history's key (whoever writes the database cannot make one to hide a
deletion). Verify continues the chain from the anchor; the archives prove the
purged part.
"""

import base64
import binascii
import json
import logging

from cryptography.exceptions import InvalidSignature
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .invoice_activity_log_link import SEAL_LOCK_KEY
from .invoice_activity_log_seal import seal_payload

_logger = logging.getLogger(__name__)

ANCHOR_FORMAT = "invoice_workflow_audit.anchor/1"
# Links removed per statement: a purge of millions of rows stays in bounded steps.
PURGE_BATCH_SIZE = 50000


class InvoiceActivityLogAnchor(models.Model):
    """Where a company's chain starts again after a purge."""

    _name = "invoice.activity.log.anchor"
    _inherit = ["invoice.append.only.mixin"]
    _description = "Activity History Purge Anchor"
    _order = "company_id, last_position desc"
    _rec_name = "last_position"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="restrict")
    first_position = fields.Integer(string="First Purged Position", required=True, readonly=True)
    last_position = fields.Integer(string="Last Purged Position", required=True, readonly=True)
    last_hash = fields.Char(string="Last Purged Hash", required=True, readonly=True)
    row_count = fields.Integer(string="Rows Purged", readonly=True)
    date_first = fields.Datetime(string="Oldest Row Purged", readonly=True)
    date_last = fields.Datetime(string="Newest Row Purged", readonly=True)
    date = fields.Datetime(string="Purged On", required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Purged By", readonly=True, ondelete="restrict")
    archive_ids = fields.Many2many("invoice.activity.log.archive", string="Archives", readonly=True)
    anchor_text = fields.Text(string="Signed Anchor", readonly=True)
    key_id = fields.Char(string="Key ID", readonly=True)

    _sql_constraints = [
        ("position_unique", "UNIQUE(company_id, last_position)", "A purge ends at a position once."),
    ]

    # ------------------------------------------------------------------
    # What may be purged
    # ------------------------------------------------------------------

    @api.model
    def _purged_until(self, company):
        """The last position of the company's chain that was purged (0: none)."""
        self.env.cr.execute(
            SQL(
                "SELECT COALESCE(max(last_position), 0) FROM invoice_activity_log_anchor"
                " WHERE company_id = %s",
                company.id,
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _purgeable(self, company):
        """(last position, archives): the positions after the last purge that
        archives of periods older than the company's retention cover without
        a gap. Nothing when the company keeps everything."""
        Archive = self.env["invoice.activity.log.archive"].sudo()
        years = company.activity_log_retention_years
        position = self._purged_until(company)
        if years <= 0:
            return position, Archive
        today = self.env["invoice.activity.log.closing"]._company_today(company)
        archives = Archive.search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "done"),
                ("date_to", "<", today - relativedelta(years=years)),
                ("last_position", ">", position),
            ],
            order="first_position, last_position desc",
        )
        used = Archive
        for archive in archives:
            if archive.first_position > position + 1:
                break  # a part of the chain no archive holds: stop before it
            if archive.last_position > position:
                position = archive.last_position
                used |= archive
        return position, used

    # ------------------------------------------------------------------
    # Purging
    # ------------------------------------------------------------------

    @api.model
    def _purge(self, company):
        """Remove the rows the company's retention and archives allow, and
        record the anchor. Returns the anchor (empty when nothing is purged)."""
        cr = self.env.cr
        # The sealers' lock: no link of the company is made meanwhile.
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", SEAL_LOCK_KEY, company.id))
        if not cr.fetchone()[0]:
            _logger.info("Activity history of company %s: a sealer is at work, purge later.", company.id)
            return self.browse()
        first = self._purged_until(company) + 1
        last, archives = self._purgeable(company)
        if last < first:
            return self.browse()
        Key = self.env["invoice.activity.log.key"].sudo()
        key = Key._require_key()
        Link = self.env["invoice.activity.log.link"].sudo()
        last_hash = Link._hash_at(company, last)
        for archive in archives:
            # The archive holds exactly what the chain holds: else it proves nothing.
            if Link._hash_at(company, archive.last_position) != archive.last_hash:
                raise UserError(
                    self.env._(
                        "The %(archive)s no longer matches the history (position %(position)s): run Verify "
                        "Integrity. Nothing was purged.",
                        archive=archive.display_name,
                        position=archive.last_position,
                    )
                )
        cr.execute(
            SQL(
                "SELECT count(*), min(log.date), max(log.date) FROM invoice_activity_log_link k"
                " JOIN invoice_activity_log log ON log.id = k.log_id"
                " WHERE k.company_id = %s AND k.position BETWEEN %s AND %s",
                company.id,
                first,
                last,
            )
        )
        count, date_first, date_last = cr.fetchone()
        for start in range(first, last + 1, PURGE_BATCH_SIZE):
            cr.execute(
                SQL(
                    "WITH gone AS (DELETE FROM invoice_activity_log_link"
                    " WHERE company_id = %s AND position BETWEEN %s AND %s RETURNING log_id)"
                    " DELETE FROM invoice_activity_log WHERE id IN (SELECT log_id FROM gone)",
                    company.id,
                    start,
                    min(start + PURGE_BATCH_SIZE - 1, last),
                )
            )
        date = fields.Datetime.now()
        values = {
            "format": ANCHOR_FORMAT,
            "database": self.env["ir.config_parameter"].sudo().get_param("database.uuid"),
            "company_id": company.id,
            "first_position": first,
            "last_position": last,
            "last_hash": last_hash,
            "row_count": count,
            "archives": sorted(archives.mapped("archive_sha256")),
            "date": fields.Datetime.to_string(date),
            "key_id": key.key_id,
        }
        values["signature"] = base64.b64encode(key.sign(seal_payload(values))).decode()
        anchor = self.sudo()._create_protected(
            [
                {
                    "company_id": company.id,
                    "first_position": first,
                    "last_position": last,
                    "last_hash": last_hash,
                    "row_count": count,
                    "date_first": date_first,
                    "date_last": date_last,
                    "date": date,
                    "user_id": self.env.uid,
                    "archive_ids": [fields.Command.set(archives.ids)],
                    "anchor_text": json.dumps(values, indent=1, sort_keys=True),
                    "key_id": key.key_id,
                }
            ]
        )
        self.env["invoice.activity.log"].invalidate_model()
        Link.invalidate_model()
        anchor._log_purge()
        return anchor.with_env(self.env)

    def _log_purge(self):
        self.ensure_one()
        company = self.company_id
        env = self.env["invoice.activity.log"]._company_language_env(company)
        description = env._(
            "Purged %(count)s rows of the history, positions %(first)s to %(last)s (%(date_first)s to "
            "%(date_last)s), kept in %(archives)s. The chain continues from hash %(hash)s.",
            count=self.row_count,
            first=self.first_position,
            last=self.last_position,
            date_first=self.date_first,
            date_last=self.date_last,
            archives=", ".join(self.archive_ids.mapped("archive_filename")),
            hash=self.last_hash,
        )
        self.env["invoice.activity.log"]._log_action(company, "history_purged", description)

    @api.model
    def _cron_purge(self):
        """Daily: purge what the retention of each company allows."""
        if not self.env["invoice.activity.log.key"].sudo()._current_key():
            return
        companies = self.env["res.company"].sudo().search([("activity_log_retention_years", ">", 0)])
        for company in companies:
            self._purge(company)

    # ------------------------------------------------------------------
    # Verification
    # ------------------------------------------------------------------

    @api.model
    def _check_anchors(self, company):
        """Problems of the company's anchors: each must be signed by a key of
        this database and say what its columns say, and they must follow one
        another from position 1."""
        keys = self.env["invoice.activity.log.key"].sudo()._public_keys()
        problems, expected = [], 1
        for anchor in self.sudo().search([("company_id", "=", company.id)], order="last_position"):
            valid = anchor.first_position == expected
            try:
                values = json.loads(anchor.anchor_text or "")
                public_key = keys[values["key_id"]]
                public_key.verify(base64.b64decode(values["signature"], validate=True), seal_payload(values))
            except (InvalidSignature, ValueError, TypeError, KeyError, binascii.Error):
                valid = False
            else:
                valid = valid and all(
                    values.get(name) == anchor[name]
                    for name in ("first_position", "last_position", "last_hash", "row_count")
                )
                valid = valid and values.get("company_id") == company.id
            if not valid:
                problems.append({"position": anchor.last_position, "log_id": None, "reason": "anchor_forged"})
            expected = anchor.last_position + 1
        return problems
