# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The archive of a closed period: a ZIP that proves itself offline.

French law asks that each period be archived with the data fixed at a
certain date, readable without the software, with a technical proof of
integrity, every archiving traced. The archive holds the history rows of the
period's part of the chain (JSON Lines), its signed closings and seals, its
invoices and payments (CSV), a manifest with the SHA-256 of every file signed
with the history's Ed25519 key, a README (French and English) and verify.py,
which needs Python and ``cryptography`` only. It is written as a stream:
rows read in batches, straight into a ZIP in a temporary file, stored in the
filestore without being held in memory.
"""

import base64
import csv
import hashlib
import json
import os
import shutil
import tempfile
import zipfile

from cryptography.hazmat.primitives import serialization

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..common import OWNER_GROUP
from .invoice_activity_log_closing import CLOSED_MOVE_TYPES
from .invoice_activity_log_link import HASH_VERSION, HASHED_FIELDS, canonical_text, link_hash
from .invoice_activity_log_seal import seal_payload

ARCHIVE_FORMAT = "invoice_workflow_audit.archive/1"
# The README and verify.py shipped in every archive (data/archive/).
ARCHIVE_TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "data", "archive")
# Rows read per query: memory stays bounded whatever the period's size.
ARCHIVE_BATCH_SIZE = 10000


class _DigestWriter:
    """A text stream into a ZIP member that counts and hashes what it writes."""

    def __init__(self, raw):
        self.raw, self.digest, self.size, self.lines = raw, hashlib.sha256(), 0, 0

    # A file-like object, not a model: nothing to call super() on.
    def write(self, text):  # pylint: disable=method-required-super
        data = text.encode()
        self.digest.update(data)
        self.size += len(data)
        self.raw.write(data)
        return len(text)


def _csv_text(value):
    """A text cell another program opens: a leading =, +, - or @ is a formula
    in a spreadsheet (OWASP), so it is quoted with an apostrophe."""
    value = value or ""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def _csv_amount(value):
    """An amount as a French accountant's spreadsheet reads it: decimal comma."""
    return f"{value or 0:.2f}".replace(".", ",")


class InvoiceActivityLogArchive(models.Model):
    """The archive of a closed month or fiscal year of a company."""

    _name = "invoice.activity.log.archive"
    _inherit = ["invoice.protected.fields.mixin"]
    _description = "Activity History Archive"
    _order = "date_to desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, ondelete="restrict"
    )
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    state = fields.Selection(
        [("draft", "To generate"), ("done", "Generated")], default="draft", required=True, readonly=True
    )
    closing_id = fields.Many2one("invoice.activity.log.closing", readonly=True)
    archive_file = fields.Binary(string="Archive", attachment=True, readonly=True)
    archive_filename = fields.Char(readonly=True)
    archive_sha256 = fields.Char(string="SHA-256 of the Archive", readonly=True)
    date_generated = fields.Datetime(string="Generated On", readonly=True)
    row_count = fields.Integer(string="History Rows", readonly=True)
    first_position = fields.Integer(readonly=True)
    last_position = fields.Integer(readonly=True)
    last_hash = fields.Char(readonly=True)
    key_id = fields.Char(string="Key ID", readonly=True)

    @api.model
    def _protected_fields(self):
        return (
            *super()._protected_fields(),
            "state",
            "closing_id",
            "archive_file",
            "archive_filename",
            "archive_sha256",
            "date_generated",
            "row_count",
            "first_position",
            "last_position",
            "last_hash",
            "key_id",
        )

    @api.depends("date_from", "date_to")
    def _compute_display_name(self):
        for archive in self:
            archive.display_name = self.env._(
                "Archive from %(date_from)s to %(date_to)s",
                date_from=archive.date_from,
                date_to=archive.date_to,
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_owner()
        return super().create(vals_list)

    def write(self, vals):
        self._check_owner()
        self._check_protected_fields([vals])
        if self.filtered(lambda archive: archive.state == "done") and not self._is_protected_write():
            raise UserError(self.env._("An archive that was generated is never changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never_generated(self):
        if self.filtered(lambda archive: archive.state == "done"):
            raise UserError(self.env._("An archive that was generated is kept: it cannot be deleted."))

    def _check_owner(self):
        if not self.env.su and not self.env.user.has_group(OWNER_GROUP):
            raise AccessError(self.env._("Only the account owner may archive the activity history."))

    # ------------------------------------------------------------------
    # Generating
    # ------------------------------------------------------------------

    def action_generate(self):
        """Generate the archive of each of these closed periods (once)."""
        self._check_owner()
        for archive in self:
            if not self.env.su and archive.company_id not in self.env.user.company_ids:
                raise AccessError(self.env._("You may archive the history of your own companies only."))
            archive.sudo()._generate()
        return True

    def _period_closing(self):
        """The month or fiscal year closing of exactly this period, or UserError."""
        closing = self.env["invoice.activity.log.closing"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("period", "in", ("month", "year")),
                ("date_from", "=", self.date_from),
                ("date_to", "=", self.date_to),
            ],
            order="period desc",
            limit=1,
        )
        if not closing:
            raise UserError(
                self.env._(
                    "Only a closed month or fiscal year is archived: %(date_from)s to %(date_to)s is not "
                    "the period of a month or fiscal year closing of %(company)s. Close it first "
                    "(Activity History Closings).",
                    date_from=self.date_from,
                    date_to=self.date_to,
                    company=self.company_id.name,
                )
            )
        return closing

    def _chain_range(self, closing):
        """(first position, last position, hash before the first) of the part
        of the chain this archive holds: from the closing of the same kind
        before it (or the chain's start) to the head its own closing recorded."""
        before = self.env["invoice.activity.log.closing"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("period", "=", closing.period),
                ("date_to", "<", closing.date_from),
            ],
            order="date_to desc",
            limit=1,
        )
        Link = self.env["invoice.activity.log.link"]
        first = before.chain_position + 1
        if first <= self.env["invoice.activity.log.anchor"]._purged_until(self.company_id):
            raise UserError(
                self.env._(
                    "The history of this period was purged after its archive: it cannot be archived anew."
                )
            )
        previous_hash = Link._hash_at(self.company_id, first - 1) if first > 1 else ""
        if previous_hash is None:
            raise UserError(
                self.env._(
                    "The history before position %(position)s is no longer online: this period cannot be "
                    "archived anew.",
                    position=first,
                )
            )
        return first, closing.chain_position, previous_hash

    def _generate(self):
        self.ensure_one()
        if self.state == "done":
            raise UserError(self.env._("This archive was already generated."))
        closing = self._period_closing()
        key = self.env["invoice.activity.log.key"]._require_key()
        first, last, previous_hash = self._chain_range(closing)
        with tempfile.TemporaryDirectory(prefix="iwa_archive_") as directory:
            path = os.path.join(directory, "archive.zip")
            files = {}
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive_zip:

                def add(name, write):
                    with archive_zip.open(name, "w", force_zip64=True) as raw:
                        stream = _DigestWriter(raw)
                        count = write(stream)
                    files[name] = {"sha256": stream.digest.hexdigest(), "size": stream.size}
                    if count is not None:
                        files[name]["rows"] = count

                rows, last_hash = [0], [previous_hash]

                def write_history(stream):
                    rows[0], last_hash[0] = self._write_history(stream, first, last, previous_hash)
                    return rows[0]

                add("history.jsonl", write_history)
                add("closings.jsonl", self._write_closings)
                add("seals.jsonl", lambda stream: self._write_seals(stream, first, last))
                add("invoices.csv", self._write_invoices)
                add("payments.csv", self._write_payments)
                add("public_keys.json", self._write_public_keys)
                for name in ("README.txt", "verify.py"):
                    add(name, self._copy_template(name))
                date = fields.Datetime.now()
                manifest = {
                    "format": ARCHIVE_FORMAT,
                    "database": self.env["ir.config_parameter"].sudo().get_param("database.uuid"),
                    "company_id": self.company_id.id,
                    "company": self.company_id.name,
                    "date_from": fields.Date.to_string(self.date_from),
                    "date_to": fields.Date.to_string(self.date_to),
                    "generated": fields.Datetime.to_string(date),
                    "generated_by": self.env.user.name,
                    "chain": {
                        "first_position": first,
                        "last_position": last,
                        "previous_hash": previous_hash,
                        "last_hash": last_hash[0],
                    },
                    "closing": json.loads(closing.closing_text),
                    "files": files,
                    "key_id": key.key_id,
                    "public_key": key.public_pem,
                }
                manifest["signature"] = base64.b64encode(key.sign(seal_payload(manifest))).decode()
                archive_zip.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
            filename = f"activity-history-{self.company_id.id}-{self.date_from}-{self.date_to}.zip"
            sha256 = self._attach(path, filename)
        self._write_protected(
            {
                "state": "done",
                "closing_id": closing.id,
                "archive_filename": filename,
                "archive_sha256": sha256,
                "date_generated": date,
                "row_count": rows[0],
                "first_position": first,
                "last_position": last,
                "last_hash": last_hash[0],
                "key_id": key.key_id,
            }
        )
        self._log_generated(files)

    def _write_history(self, stream, first, last, previous_hash):
        """The rows of positions ``first`` to ``last``, one JSON line each,
        read in batches; each link is checked on the way (an archive is made
        of an intact chain only). Returns (rows written, last hash)."""
        cr, Link = self.env.cr, self.env["invoice.activity.log.link"]
        columns = SQL(", ").join(SQL.identifier("log", name) for name in HASHED_FIELDS)
        position, count = first - 1, 0
        while position < last:
            cr.execute(
                SQL(
                    "SELECT k.position, k.hash, k.hash_version, k.altered_before_seal, %(columns)s,"
                    " log.send_state, log.mac, log.mac_key_id, partner.name"
                    " FROM invoice_activity_log_link k"
                    " LEFT JOIN invoice_activity_log log ON log.id = k.log_id"
                    " LEFT JOIN res_users users ON users.id = log.user_id"
                    " LEFT JOIN res_partner partner ON partner.id = users.partner_id"
                    " WHERE k.company_id = %(company)s AND k.position > %(after)s AND k.position <= %(last)s"
                    " ORDER BY k.position LIMIT %(limit)s",
                    columns=columns,
                    company=self.company_id.id,
                    after=position,
                    last=last,
                    limit=ARCHIVE_BATCH_SIZE,
                )
            )
            batch = cr.fetchall()
            if not batch:
                break
            for (
                link_position,
                hash_value,
                version,
                altered,
                *values,
                send_state,
                mac,
                mac_key_id,
                user,
            ) in batch:
                row = dict(zip(HASHED_FIELDS, values, strict=True))
                if link_position != position + 1 or row["id"] is None:
                    self._altered(position + 1)
                if version == HASH_VERSION:
                    computed = link_hash(previous_hash, canonical_text(row), altered)
                else:
                    computed = Link._compute_hash(previous_hash, row)
                if computed != hash_value:
                    self._altered(link_position)
                row["date"] = row["date"].strftime("%Y-%m-%dT%H:%M:%S.%f")
                row.update(
                    position=link_position,
                    hash=hash_value,
                    hash_version=version,
                    altered_before_seal=bool(altered),
                    user=user,
                    send_state=send_state,
                    mac=mac,
                    mac_key_id=mac_key_id,
                )
                stream.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
                position, previous_hash, count = link_position, hash_value, count + 1
        if position != last:
            self._altered(position + 1)
        return count, previous_hash

    def _altered(self, position):
        raise UserError(
            self.env._(
                "The activity history of %(company)s is altered at position %(position)s: run Verify "
                "Integrity. An archive is made of an intact chain only.",
                company=self.company_id.name,
                position=position,
            )
        )

    @staticmethod
    def _copy_template(name):
        def write(stream):
            with open(os.path.join(ARCHIVE_TEMPLATES, name), encoding="utf-8") as template:
                stream.write(template.read())

        return write

    def _write_closings(self, stream):
        closings = self.env["invoice.activity.log.closing"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("date_from", ">=", self.date_from),
                ("date_to", "<=", self.date_to),
            ],
            order="date_from, date_to, id",
        )
        for closing in closings:
            stream.write(
                json.dumps(json.loads(closing.closing_text), sort_keys=True, separators=(",", ":")) + "\n"
            )
        return len(closings)

    def _write_seals(self, stream, first, last):
        seals = self.env["invoice.activity.log.seal"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("position", ">=", first),
                ("position", "<=", last),
                ("signing_key_id", "!=", False),
            ],
            order="position, id",
        )
        for seal in seals:
            stream.write(json.dumps(json.loads(seal.seal_text), sort_keys=True, separators=(",", ":")) + "\n")
        return len(seals)

    def _write_public_keys(self, stream):
        keys = self.env["invoice.activity.log.key"]._public_keys()
        pems = {
            key_id: key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode()
            for key_id, key in sorted(keys.items())
        }
        stream.write(json.dumps(pems, indent=1))

    def _stream_query(self, stream, header, query, row_to_cells):
        """Write the rows of ``query`` (ordered by id, its first column) as
        CSV, read in batches. Returns the number of rows."""
        writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        last_id, count = 0, 0
        while True:
            self.env.cr.execute(
                SQL("%s AND doc.id > %s ORDER BY doc.id LIMIT %s", query, last_id, ARCHIVE_BATCH_SIZE)
            )
            batch = self.env.cr.fetchall()
            if not batch:
                return count
            writer.writerows(row_to_cells(row) for row in batch)
            last_id, count = batch[-1][0], count + len(batch)

    def _write_invoices(self, stream):
        lang = self.company_id.partner_id.lang or "en_US"
        query = SQL(
            "SELECT doc.id, doc.name, doc.move_type, doc.date, doc.invoice_date, partner.name,"
            " doc.amount_untaxed_signed, doc.amount_tax_signed, doc.amount_total_signed, doc.state,"
            " doc.payment_state, COALESCE(status.name->>%(lang)s, status.name->>'en_US')"
            " FROM account_move doc"
            " LEFT JOIN res_partner partner ON partner.id = doc.partner_id"
            " LEFT JOIN invoice_workflow_status status ON status.id = doc.workflow_status_id"
            " WHERE doc.company_id = %(company)s AND doc.move_type IN %(types)s"
            " AND doc.state IN ('posted', 'cancel')"
            " AND doc.date BETWEEN %(date_from)s AND %(date_to)s",
            lang=lang,
            company=self.company_id.id,
            types=CLOSED_MOVE_TYPES,
            date_from=self.date_from,
            date_to=self.date_to,
        )
        return self._stream_query(
            stream,
            [
                "Number",
                "Type",
                "Accounting date",
                "Invoice date",
                "Partner",
                "Untaxed",
                "Tax",
                "Total",
                "Currency",
                "State",
                "Payment state",
                "Status",
            ],
            query,
            lambda row: [
                _csv_text(row[1]),
                row[2],
                row[3],
                row[4] or "",
                _csv_text(row[5]),
                _csv_amount(row[6]),
                _csv_amount(row[7]),
                _csv_amount(row[8]),
                self.company_id.currency_id.name,
                row[9],
                row[10] or "",
                _csv_text(row[11]),
            ],
        )

    def _write_payments(self, stream):
        lang = self.company_id.partner_id.lang or "en_US"
        query = SQL(
            "SELECT doc.id, doc.name, doc.date, partner.name, doc.payment_type, doc.partner_type,"
            " doc.amount_company_currency_signed, COALESCE(journal.name->>%(lang)s, journal.name->>'en_US'),"
            " doc.state, doc.memo"
            " FROM account_payment doc"
            " LEFT JOIN res_partner partner ON partner.id = doc.partner_id"
            " LEFT JOIN account_journal journal ON journal.id = doc.journal_id"
            " WHERE doc.company_id = %(company)s AND doc.state != 'draft'"
            " AND doc.date BETWEEN %(date_from)s AND %(date_to)s",
            lang=lang,
            company=self.company_id.id,
            date_from=self.date_from,
            date_to=self.date_to,
        )
        return self._stream_query(
            stream,
            [
                "Number",
                "Date",
                "Partner",
                "Type",
                "Partner type",
                "Amount",
                "Currency",
                "Journal",
                "State",
                "Memo",
            ],
            query,
            lambda row: [
                _csv_text(row[1]),
                row[2],
                _csv_text(row[3]),
                row[4],
                row[5],
                _csv_amount(row[6]),
                self.company_id.currency_id.name,
                _csv_text(row[7]),
                row[8],
                _csv_text(row[9]),
            ],
        )

    def _attach(self, path, filename):
        """Store the ZIP at ``path`` as ``archive_file`` without reading it
        into memory (copied into the filestore). Returns its SHA-256."""
        sha1, sha256, size = hashlib.sha1(), hashlib.sha256(), 0
        with open(path, "rb") as file:
            for chunk in iter(lambda: file.read(1 << 20), b""):
                sha1.update(chunk)
                sha256.update(chunk)
                size += len(chunk)
        Attachment = self.env["ir.attachment"].sudo()
        values = {
            "name": filename,
            "res_model": self._name,
            "res_id": self.id,
            "res_field": "archive_file",
            "mimetype": "application/zip",
        }
        if Attachment._storage() != "file":
            with open(path, "rb") as file:
                Attachment.create({**values, "raw": file.read()})
            return sha256.hexdigest()
        checksum = sha1.hexdigest()
        fname = f"{checksum[:2]}/{checksum}"
        full_path = Attachment._full_path(fname)
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        if not os.path.exists(full_path):
            shutil.copyfile(path, full_path)
            Attachment._mark_for_gc(fname)
        attachment = Attachment.create({**values, "raw": b""})
        # ir.attachment.create() computes these from the data it is given;
        # the file is already in the filestore, under Odoo's own naming.
        self.env.cr.execute(
            SQL(
                "UPDATE ir_attachment SET store_fname = %s, file_size = %s, checksum = %s WHERE id = %s",
                fname,
                size,
                checksum,
                attachment.id,
            )
        )
        attachment.invalidate_recordset()
        self.invalidate_recordset(["archive_file"])
        return sha256.hexdigest()

    def _log_generated(self, files):
        company = self.company_id
        env = self.env["invoice.activity.log"]._company_language_env(company)
        description = env._(
            "Archive from %(date_from)s to %(date_to)s generated: %(rows)s history rows (positions %(first)s "
            "to %(last)s), %(invoices)s invoices and credit notes, %(payments)s payments, %(closings)s "
            "closings, %(seals)s seals. SHA-256 of the archive %(sha256)s, signed with the key %(key)s.",
            date_from=self.date_from,
            date_to=self.date_to,
            rows=self.row_count,
            first=self.first_position,
            last=self.last_position,
            invoices=files["invoices.csv"]["rows"],
            payments=files["payments.csv"]["rows"],
            closings=files["closings.jsonl"]["rows"],
            seals=files["seals.jsonl"]["rows"],
            sha256=self.archive_sha256,
            key=self.key_id,
        )
        self.env["invoice.activity.log"]._log_action(self, "period_archived", description)
