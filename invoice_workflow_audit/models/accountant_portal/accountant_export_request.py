# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Exports prepared in the background: the periods too large for a download
inside the HTTP request, written by a scheduled action in chunks."""

import logging
import os
import threading

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from .accountant_batch import BATCH_FORMATS

_logger = logging.getLogger(__name__)

REQUEST_STATES = [("queued", "Queued"), ("running", "Running"), ("done", "Ready"), ("failed", "Failed")]
# Journal items a call of the scheduled action writes: one transaction each,
# committed by the cron runner, which calls again at once while work is left.
CHUNK_ITEMS = 20000
CRON_XMLID = "invoice_workflow_audit.ir_cron_accountant_exports"
# XLSX cannot be resumed (xlsxwriter writes a workbook in one go): written in
# one call of the scheduled action, so bounded to what a call writes within
# the cron's time limit. Larger periods: CSV, written in chunks.
XLSX_MAX_ITEMS = 200000
# A call writing a whole XLSX that is killed (the cron's time limit, a
# restart) would start again at every run: after so many starts, it fails.
MAX_ATTEMPTS = 3


class InvoiceAccountantExportRequest(models.Model):
    """A period asked for in the background by an accountant on the portal.

    Written by the addon only (``_accountant_queue`` on the portal path, the
    scheduled action afterwards): every field is kept. The batch is recorded
    when the file is complete, never before: a request that fails leaves no
    batch, its state says so.
    """

    _name = "invoice.accountant.export.request"
    _inherit = ["invoice.protected.fields.mixin"]
    _description = "Accountant Export in the Background"
    _order = "id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    user_id = fields.Many2one(
        "res.users", string="Requested By", required=True, readonly=True, index=True, ondelete="cascade"
    )
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(string="To", required=True, readonly=True)
    period_label = fields.Char(string="Period", required=True, readonly=True)
    file_format = fields.Selection(BATCH_FORMATS, string="Format", required=True, readonly=True)
    state = fields.Selection(REQUEST_STATES, required=True, readonly=True, default="queued", index=True)
    error = fields.Text(readonly=True)
    batch_id = fields.Many2one("invoice.accountant.batch", readonly=True, ondelete="restrict")
    # Where the CSV stopped: the keyset of the last item written and the size
    # of the file then (a chunk whose transaction fails is cut off again).
    started_at = fields.Datetime(readonly=True)
    done_at = fields.Datetime(string="Ready On", readonly=True)
    line_total = fields.Integer(string="Journal Items", readonly=True)
    line_done = fields.Integer(string="Journal Items Written", readonly=True)
    move_done = fields.Integer(readonly=True)
    attempts = fields.Integer(readonly=True, help="Calls that started writing a whole XLSX file.")
    last_key = fields.Char(readonly=True)
    file_size = fields.Integer(readonly=True)

    @api.model
    def _protected_fields(self):
        # Every field: the portal and the scheduled action write them.
        return tuple(self._fields)

    # ------------------------------------------------------------------
    # The portal path
    # ------------------------------------------------------------------

    @api.model
    def _accountant_queue(self, company, date_from, date_to, period_label, file_format):
        """Queue the period for the current accountant and wake the scheduled
        action. One export at a time per accountant: a second is refused
        while one is queued or running (UserError)."""
        pending = self.sudo().search_count(
            [("user_id", "=", self.env.uid), ("state", "in", ("queued", "running"))], limit=1
        )
        if pending:
            raise UserError(
                self.env._(
                    "An export you asked for is still being prepared: wait until it is ready "
                    "(or failed) before asking for another."
                )
            )
        line_total = self.env["invoice.accountant.batch.export"]._count_lines(company, date_from, date_to)
        if file_format == "xlsx" and line_total > XLSX_MAX_ITEMS:
            raise UserError(
                self.env._(
                    "This period has %(count)s journal items: XLSX holds at most %(limit)s, even in the "
                    "background. Choose CSV, which has no limit.",
                    count=line_total,
                    limit=XLSX_MAX_ITEMS,
                )
            )
        request = self.sudo()._create_protected(
            [
                {
                    "company_id": company.id,
                    "user_id": self.env.uid,
                    "date_from": date_from,
                    "date_to": date_to,
                    "period_label": period_label,
                    "file_format": file_format,
                    "line_total": line_total,
                }
            ]
        )
        self.env.ref(CRON_XMLID).sudo()._trigger()
        return request

    # ------------------------------------------------------------------
    # The scheduled action
    # ------------------------------------------------------------------

    def _part_path(self):
        """The file being written, in the filestore (shared by the servers
        of a multi-server setup, as the attachments are)."""
        self.ensure_one()
        folder = os.path.join(self.env["ir.attachment"]._filestore(), "invoice_accountant_exports")
        os.makedirs(folder, exist_ok=True)
        return os.path.join(folder, f"{self.id}.part")

    @api.model
    def _cron_process(self):
        """Advance the oldest queued or running request by one chunk.

        Only one worker runs a scheduled action at a time (Odoo's cron runner
        locks its job), so requests are taken in order without a lock of
        their own. Each call is one transaction, committed by the runner;
        ``_notify_progress`` makes it call again at once while work is left.
        """
        request = self.sudo().search([("state", "in", ("queued", "running"))], order="id", limit=1)
        if not request:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return
        if request.file_format == "xlsx":
            if request.attempts >= MAX_ATTEMPTS:
                request._fail(
                    UserError(
                        self.env._(
                            "Interrupted %(count)s times before it was complete (too large for one go?): "
                            "choose a shorter period or CSV.",
                            count=request.attempts,
                        )
                    )
                )
                self.env["ir.cron"]._notify_progress(done=1, remaining=1)
                return
            request._write_protected({"attempts": request.attempts + 1})
            if not getattr(threading.current_thread(), "testing", False):
                # Committed before the long write: a call killed while
                # writing is counted, so that it is not started for ever.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        try:
            with self.env.cr.savepoint():
                done = request._process_chunk()
        except Exception as error:  # any failure is the request's, shown to its accountant
            _logger.exception("Accountant export %s failed", request.id)
            self.env.invalidate_all()
            request._fail(error)
            done = 1
        remaining = self.sudo().search_count([("state", "in", ("queued", "running"))])
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    def _process_chunk(self):
        """Write the next chunk of the file; finish the request when the
        period is written. :return: the journal items written."""
        self.ensure_one()
        if self.state == "queued":
            self._write_protected({"state": "running", "started_at": self.env.cr.now()})
        # In the accountant's language (journal and account names), as a download.
        exporter = (
            self.env["invoice.accountant.batch.export"]
            .with_user(self.user_id)
            .with_context(lang=self.user_id.lang or self.env.lang)
        )
        if self.file_format == "xlsx":
            # XLSX cannot be resumed: written in one call, in constant memory.
            export = exporter._export(self.company_id, self.date_from, self.date_to, self.file_format)
            self._finish_request(export)
            return export.line_count
        path = self._part_path()
        if self.file_format == "fec":
            return self._process_fec_month(exporter, path)
        state = {
            "last_key": self.last_key,
            "size": self.file_size,
            "lines": self.line_done,
            "moves": self.move_done,
        }
        finished = exporter._export_csv_chunk(
            self.company_id, self.date_from, self.date_to, path, state, CHUNK_ITEMS
        )
        written = state["lines"] - self.line_done
        self._write_protected(
            {
                "last_key": state["last_key"],
                "file_size": state["size"],
                "line_done": state["lines"],
                "move_done": state["moves"],
            }
        )
        if finished:
            export = exporter._open_csv_part(self.company_id, self.date_from, self.date_to, path, state)
            self._finish_request(export)
            os.unlink(path)
        return written or 1

    def _process_fec_month(self, exporter, path):
        """One month of Odoo's FEC per call, appended (see ``_export_fec_chunk``)."""
        state = {"last_key": self.last_key, "size": self.file_size}
        finished = exporter._export_fec_chunk(self.company_id, self.date_from, self.date_to, path, state)
        self._write_protected({"last_key": state["last_key"], "file_size": state["size"]})
        if finished:
            export = exporter._open_fec_part(self.company_id, self.date_from, self.date_to, path)
            self._finish_request(export)
            os.unlink(path)
        return 1

    def _finish_request(self, export):
        """Record the batch of the complete file, as its accountant, collected
        when the request started (changes after it flag the batch)."""
        Batch = self.env["invoice.accountant.batch"].with_user(self.user_id)
        batch = Batch._accountant_record(
            self.company_id,
            self.date_from,
            self.date_to,
            self.period_label,
            self.file_format,
            export,
            collected_at=self.started_at,
        )
        export.file.close()
        self._write_protected(
            {
                "state": "done",
                "batch_id": batch.id,
                "done_at": self.env.cr.now(),
                "line_done": batch.line_count,
            }
        )
        self._notify_accountant()

    def _fail(self, error):
        message = error.args[0] if isinstance(error, UserError) and error.args else str(error)
        self._write_protected({"state": "failed", "error": message, "done_at": self.env.cr.now()})
        path = self._part_path()
        if os.path.exists(path):
            os.unlink(path)
        self._notify_accountant()

    def _notify_accountant(self):
        """E-mail the accountant that the export is ready (or failed), in their
        language, with the link to the Exports page (the file is downloaded
        there, once logged in)."""
        self.ensure_one()
        user = self.user_id
        if not user.email:
            return
        env = self.with_context(lang=user.lang or self.env.lang).env
        url = f"{self.get_base_url()}/my/accounting/{self.company_id.id}/exports"
        if self.state == "done":
            subject = env._(
                "%(company)s: your export %(period)s is ready",
                company=self.company_id.name,
                period=self.period_label,
            )
        else:
            subject = env._(
                "%(company)s: your export %(period)s failed",
                company=self.company_id.name,
                period=self.period_label,
            )
        body = Markup("<p>%s</p><p><a href='%s'>%s</a></p>") % (subject, url, env._("Open the Exports page"))
        self.env["mail.mail"].sudo().create(
            {
                "subject": subject,
                "body_html": body,
                "email_to": user.email_formatted,
                "email_from": self.company_id.partner_id.email_formatted
                or self.env["ir.mail_server"]._get_default_from_address(),
                "auto_delete": True,
            }
        )
