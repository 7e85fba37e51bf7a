# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Entry batches: each download of a period's posted journal entries by the
accountant, with what changed in that period since it was collected."""

import hashlib
import io
import os
import shutil
import tempfile

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .accountant_batch_export import HASH_CHUNK

BATCH_FORMATS = [("fec", "FEC"), ("csv", "CSV"), ("xlsx", "XLSX")]
BATCH_STATES = [("collected", "Collected"), ("integrated", "Integrated")]
# Changed entries listed in a batch's form (all are counted): a year's batch
# may have thousands.
CHANGED_SUMMARY_SIZE = 200


class InvoiceAccountantBatch(models.Model):
    """One download of a period's posted journal entries (FEC, CSV or XLSX).

    Created by the accountant portal only (``_accountant_collect``), never
    written afterwards except by ``_accountant_mark_integrated``. Accounting
    managers read the batches in the back office; portal users never read
    them through the ORM (the portal reads them as superuser, by company).
    """

    _name = "invoice.accountant.batch"
    _inherit = ["invoice.append.only.mixin"]
    _description = "Accountant Entry Batch"
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(string="To", required=True, readonly=True)
    period_label = fields.Char(string="Period", required=True, readonly=True)
    file_format = fields.Selection(BATCH_FORMATS, string="Format", required=True, readonly=True)
    file_name = fields.Char(readonly=True)
    move_count = fields.Integer(string="Entries", readonly=True)
    line_count = fields.Integer(string="Journal Items", readonly=True)
    user_id = fields.Many2one("res.users", string="Collected By", readonly=True, ondelete="restrict")
    # The transaction time of the download: what "changed since" compares to.
    date = fields.Datetime(string="Collected On", required=True, readonly=True, index=True)
    checksum = fields.Char(
        string="Checksum (SHA-256)", readonly=True, help="SHA-256 of the downloaded file, in hexadecimal."
    )
    # The file as it was produced, kept so that the accountant downloads the
    # very same bytes again (checked against ``checksum`` at each download).
    attachment_id = fields.Many2one("ir.attachment", string="File", readonly=True, ondelete="restrict")
    state = fields.Selection(BATCH_STATES, required=True, readonly=True, default="collected")
    integrated_date = fields.Datetime(string="Integrated On", readonly=True)
    integrated_user_id = fields.Many2one("res.users", string="Integrated By", readonly=True)
    changed_count = fields.Integer(
        string="Changed Since Collected",
        compute="_compute_changed",
        help="Entries of the period posted, modified, reset, cancelled or deleted after the download.",
    )
    changed_summary = fields.Text(string="Changed Entries", compute="_compute_changed")

    # ------------------------------------------------------------------
    # Changed since collected
    # ------------------------------------------------------------------

    def _changed_entries(self, limit=None):
        """What changed in the period of each batch after it was collected.

        Set-based, one query per batch: the company's journal entries dated
        in the period whose accounting changed at or after the batch's time
        (``accountant_changed_at``: amounts, accounts, dates, partners,
        labels, journal items added or removed, posted, reset or cancelled)
        and that are or were posted (``posted_before`` keeps a reset or
        cancelled entry), plus the posted-before entries deleted since
        (``invoice.accountant.deleted.entry``, written by account.move's
        unlink). A write without accounting effect (the accountant's
        Processed mark, an e-mail, a workflow status) does not count.

        :param limit: the entries listed per batch, the first by date (all
            when None): a year's batch may have thousands changed.
        :return: {batch id: {"count": number changed, "rows": [{"name",
            "date", "change"}] (at most ``limit``)}}
        """
        # The stamps of this transaction's own changes, not written yet.
        self.env["account.move"].sudo()._accountant_flush_stamps()
        result = {}
        for batch in self:
            if not batch.id or not batch.date:
                result[batch.id] = {"count": 0, "rows": []}
                continue
            self.env.cr.execute(
                SQL(
                    """
                    SELECT name, date, change, COUNT(*) OVER () FROM (
                        SELECT name, date, state AS change, id FROM account_move
                         WHERE company_id = %(company)s AND date BETWEEN %(date_from)s AND %(date_to)s
                           AND accountant_changed_at >= %(since)s AND (state = 'posted' OR posted_before)
                        UNION ALL
                        SELECT name, date, 'deleted', move_id FROM invoice_accountant_deleted_entry
                         WHERE company_id = %(company)s AND date BETWEEN %(date_from)s AND %(date_to)s
                           AND create_date >= %(since)s
                    ) AS changed
                    ORDER BY date, name, id
                    LIMIT %(limit)s
                    """,
                    company=batch.company_id.id,
                    date_from=batch.date_from,
                    date_to=batch.date_to,
                    since=batch.date,
                    limit=limit,
                )
            )
            fetched = self.env.cr.fetchall()
            result[batch.id] = {
                "count": fetched[0][3] if fetched else 0,
                "rows": [
                    {"name": name, "date": date, "change": change} for name, date, change, _count in fetched
                ],
            }
        return result

    def _change_labels(self):
        return {
            "posted": self.env._("posted or modified"),
            "draft": self.env._("reset to draft"),
            "cancel": self.env._("cancelled"),
            "deleted": self.env._("deleted"),
        }

    @api.depends("company_id", "period_label", "file_format")
    def _compute_display_name(self):
        # What the history and the lists name: the company, the period, the format.
        formats = dict(BATCH_FORMATS)
        for batch in self:
            batch.display_name = self.env._(
                "%(company)s — %(period)s — %(format)s",
                company=batch.sudo().company_id.name,
                period=batch.period_label,
                format=formats.get(batch.file_format, ""),
            )

    @api.depends("date", "date_from", "date_to", "company_id")
    def _compute_changed(self):
        self.env["account.move"].flush_model(["accountant_changed_at", "state", "posted_before", "date"])
        changes = self._changed_entries(limit=CHANGED_SUMMARY_SIZE)
        labels = self._change_labels()
        for batch in self:
            changed = changes.get(batch.id, {"count": 0, "rows": []})
            batch.changed_count = changed["count"]
            lines = [
                f"{row['name']} ({fields.Date.to_string(row['date'])}): {labels[row['change']]}"
                for row in changed["rows"]
            ]
            if changed["count"] > len(lines):
                lines.append(self.env._("… and %(count)s more", count=changed["count"] - len(lines)))
            batch.changed_summary = "\n".join(lines)

    # ------------------------------------------------------------------
    # The portal path
    # ------------------------------------------------------------------

    @api.model
    def _accountant_collect(self, company, date_from, date_to, period_label, file_format):
        """Write the file of the posted entries of ``company`` in the period,
        record the batch and log the download.

        Called by the accountant portal once it checked the accountant's
        access to ``company``; raises UserError beyond the caps of a
        download inside the request, or while another runs.

        :return: ``(batch, export)`` where ``export`` is an
            ``AccountantExport`` (its file open for reading).
        """
        exporter = self.env["invoice.accountant.batch.export"]
        exporter._check_interactive(company, date_from, date_to, file_format)
        export = exporter._export(company, date_from, date_to, file_format)
        batch = self._accountant_record(company, date_from, date_to, period_label, file_format, export)
        return batch, export

    @api.model
    def _accountant_record(
        self, company, date_from, date_to, period_label, file_format, export, collected_at=None
    ):
        """Record the batch of a complete ``export``, keep its file and log it.

        ``collected_at``: when the file was started, if not in this
        transaction (an export written in the background over several):
        what "changed since collected" compares to."""
        batch = self.sudo()._create_protected(
            [
                {
                    "company_id": company.id,
                    "date_from": date_from,
                    "date_to": date_to,
                    "period_label": period_label,
                    "file_format": file_format,
                    "file_name": export.file_name,
                    "move_count": export.move_count,
                    "line_count": export.line_count,
                    "user_id": self.env.uid,
                    "date": collected_at or self.env.cr.now(),
                    "checksum": export.checksum,
                }
            ]
        )
        self.env["invoice.activity.log"]._log_action(
            batch.sudo(),
            "entries_exported",
            lambda env: env._(
                "%(period)s: %(entries)s entries (%(items)s journal items) downloaded as %(format)s, "
                "SHA-256 %(checksum)s",
                period=period_label,
                entries=export.move_count,
                items=export.line_count,
                format=dict(BATCH_FORMATS)[file_format],
                checksum=export.checksum,
            ),
        )
        batch._accountant_store_file(export)
        return batch

    def _accountant_store_file(self, export):
        """Keep the file of ``export`` as the batch's attachment (readable by
        those who read the batch: accounting managers; the portal reads it as
        superuser once it checked the accountant's grant).

        In the filestore (the default) the file is copied by chunks, never
        held in memory whatever its size: ``ir.attachment`` only takes bytes,
        so the attachment is created empty and given the stored file
        afterwards, as ``_get_datas_related_values`` would have.
        """
        self.ensure_one()
        Attachment = self.env["ir.attachment"].sudo()
        values = {
            "name": export.file_name,
            "mimetype": export.mimetype.split(";")[0],
            "res_model": self._name,
            "res_id": self.id,
        }
        if Attachment._storage() == "db":
            export.file.seek(0)
            attachment = Attachment.create([{**values, "raw": export.file.read()}])
        else:
            fname, sha1 = self._accountant_write_filestore(export.file)
            attachment = Attachment.create([values])
            self.env.cr.execute(
                SQL(
                    """UPDATE ir_attachment SET store_fname = %(fname)s, file_size = %(size)s,
                              checksum = %(sha1)s, db_datas = NULL
                        WHERE id = %(id)s""",
                    fname=fname,
                    size=export.size,
                    sha1=sha1,
                    id=attachment.id,
                )
            )
            attachment.invalidate_recordset()
        export.file.seek(0)
        self.sudo()._write_protected({"attachment_id": attachment.id})

    @api.model
    def _accountant_write_filestore(self, file):
        """Copy ``file`` into the filestore where Odoo would store it (by its
        SHA-1), by chunks. :return: ``(store_fname, sha1)``"""
        Attachment = self.env["ir.attachment"].sudo()
        sha1 = hashlib.sha1()
        file.seek(0)
        for chunk in iter(lambda: file.read(HASH_CHUNK), b""):
            sha1.update(chunk)
        checksum = sha1.hexdigest()
        fname = f"{checksum[:2]}/{checksum}"
        full_path = Attachment._full_path(fname)
        if not os.path.exists(full_path):
            os.makedirs(os.path.dirname(full_path), exist_ok=True)
            file.seek(0)
            # Written aside, then renamed: a reader never sees half a file.
            with tempfile.NamedTemporaryFile(dir=os.path.dirname(full_path), delete=False) as out:
                shutil.copyfileobj(file, out, HASH_CHUNK)
            os.replace(out.name, full_path)
            # Removed by Odoo's garbage collector if this transaction aborts.
            Attachment._mark_for_gc(fname)
        file.seek(0)
        return fname, checksum

    def _accountant_open_file(self):
        """The batch's kept file, open for reading, checked against the
        SHA-256 recorded when it was produced.

        :return: an ``AccountantExport``
        :raise UserError: no kept file (batches of older versions), or a file
            that is no longer the one produced: never a different file
            served silently.
        """
        self.ensure_one()
        batch = self.sudo()
        attachment = batch.attachment_id
        if not attachment:
            raise UserError(
                self.env._(
                    "The file of batch %(period)s was not kept: download the period again.",
                    period=batch.period_label,
                )
            )
        try:
            if attachment.store_fname:
                file = open(attachment._full_path(attachment.store_fname), "rb")
            else:
                file = io.BytesIO(attachment.raw or b"")
        except OSError:
            file = io.BytesIO()
        export = self.env["invoice.accountant.batch.export"]._finish(
            file,
            batch.file_name or attachment.name,
            # As first sent: CSV and FEC say their charset.
            f"{attachment.mimetype};charset=utf-8"
            if attachment.mimetype == "text/csv"
            else attachment.mimetype,
            {"moves": batch.move_count, "lines": batch.line_count},
        )
        if export.checksum != batch.checksum:
            file.close()
            raise UserError(
                self.env._(
                    "The kept file of batch %(period)s no longer matches its SHA-256 checksum: it was "
                    "altered or lost, and is not downloaded. Tell the company.",
                    period=batch.period_label,
                )
            )
        return export

    def _accountant_mark_integrated(self):
        """The accountant states the batch is entered in their books."""
        todo = self.filtered(lambda batch: batch.state == "collected")
        todo.sudo()._write_protected(
            {"state": "integrated", "integrated_date": self.env.cr.now(), "integrated_user_id": self.env.uid}
        )
        return todo
