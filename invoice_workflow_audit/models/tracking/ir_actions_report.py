# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models, tools


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        if self.env.cr.readonly:
            # A replica (or a read-only route): the print's row cannot be
            # written here. Logging first makes the write fail before the PDF
            # is rendered, and Odoo replays the request on the primary
            # (http.Request._transactioning), where it is logged.
            self._log_invoice_print(report_ref, res_ids)
        result = super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        self._log_invoice_print(report_ref, res_ids)
        return result

    def _render_qweb_html(self, report_ref, docids, data=None):
        if self.env.cr.readonly:
            self._log_invoice_print(report_ref, docids)
        result = super()._render_qweb_html(report_ref, docids, data=data)
        self._log_invoice_print(report_ref, docids)
        return result

    def _log_invoice_print(self, report_ref, res_ids):
        """A report of invoices was rendered (PDF or HTML): each is printed.
        The PDF render calls the HTML render: both count once (see
        account.move._log_printed). Any other report logs nothing, and so
        never writes."""
        if not res_ids:
            return
        report = self._get_report(report_ref)
        if report.model == "account.move":
            ids = [res_ids] if isinstance(res_ids, int) else res_ids
            self.env["account.move"].browse(ids).exists()._log_printed(report.name)

    @api.model
    @tools.ormcache()
    def _invoice_report_refs(self):
        """The names by which a report of invoices (``account.move``) is asked
        for in a /report URL: its report name or its XML id (``_get_report``
        takes either). A name some other report shares counts as an invoice
        report: a read/write cursor is never wrong, only less cheap.

        Decides which report routes need a read/write cursor: one query per
        registry, cleared with the registry's cache whenever a report is
        created, changed or deleted (ir.actions.actions does).
        """
        invoice_reports = self.sudo().search_fetch([("model", "=", "account.move")], ["report_name"])
        names = set(invoice_reports.mapped("report_name"))
        Data = self.env["ir.model.data"].sudo()
        xmlids = Data.search_fetch(
            [("model", "=", self._name), ("res_id", "in", invoice_reports.ids)], ["module", "name"]
        )
        names.update(f"{xmlid.module}.{xmlid.name}" for xmlid in xmlids)
        return frozenset(names)
