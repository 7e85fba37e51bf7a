# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

# Where Odoo keeps the PDF of a sent or printed invoice.
INVOICE_PDF_FIELD = "invoice_pdf_report_file"


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _invoice_pdf_moves(self):
        """The invoices whose stored PDF these attachments are: serving one of
        them is a print of the invoice. Read as superuser (the caller served
        the files); the invoices are returned in the caller's environment."""
        Move = self.env["account.move"]
        moves = Move
        for attachment in self.sudo():
            if attachment.res_model != "account.move" or not attachment.res_id:
                continue
            move = Move.browse(attachment.res_id).exists()
            if move and (
                attachment.res_field == INVOICE_PDF_FIELD or move.sudo().invoice_pdf_report_id == attachment
            ):
                moves |= move
        return moves
