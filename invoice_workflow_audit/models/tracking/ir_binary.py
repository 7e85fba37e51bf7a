# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

# Where Odoo keeps the PDF of a sent or printed invoice.
INVOICE_PDF_FIELD = "invoice_pdf_report_file"


class IrBinary(models.AbstractModel):
    _inherit = "ir.binary"

    def _record_to_stream(self, record, field_name):
        stream = super()._record_to_stream(record, field_name)
        if getattr(self.env.cr, "readonly", False):
            # Shown inline (the read-only cursor of /web/content): not a download.
            return stream
        move = self.env["account.move"]
        if record._name == "account.move" and field_name == INVOICE_PDF_FIELD:
            move = record
        elif record._name == "ir.attachment" and record.sudo().res_field == INVOICE_PDF_FIELD:
            move = move.browse(record.sudo().res_id)
        elif record._name == "ir.attachment" and record.sudo().res_model == "account.move":
            candidate = move.browse(record.sudo().res_id).exists()
            if candidate and candidate.sudo().invoice_pdf_report_id == record:
                move = candidate
        if move:
            move._log_printed(self.env._("Downloaded (stored PDF)"))
        return stream
