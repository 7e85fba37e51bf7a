# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from ..common import DOWNLOAD_KEY


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        result = super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        report = self._get_report(report_ref)
        downloading = self.env.context.get(DOWNLOAD_KEY)
        if report.model == "account.move" and res_ids and not downloading:
            ids = [res_ids] if isinstance(res_ids, int) else res_ids
            moves = self.env["account.move"].browse(ids).exists()
            moves._log_printed(report.name)
        return result
