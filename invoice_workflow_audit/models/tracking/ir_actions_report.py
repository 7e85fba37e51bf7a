# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        result = super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        self._log_invoice_print(report_ref, res_ids)
        return result

    def _render_qweb_html(self, report_ref, docids, data=None):
        result = super()._render_qweb_html(report_ref, docids, data=data)
        self._log_invoice_print(report_ref, docids)
        return result

    def _log_invoice_print(self, report_ref, res_ids):
        """A report of invoices was rendered (PDF or HTML): each is printed.
        The PDF render calls the HTML render: both count once (see
        account.move._log_printed)."""
        report = self._get_report(report_ref)
        if report.model == "account.move" and res_ids:
            ids = [res_ids] if isinstance(res_ids, int) else res_ids
            self.env["account.move"].browse(ids).exists()._log_printed(report.name)
