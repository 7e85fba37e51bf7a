# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.http import request
from odoo.tools import SQL, str2bool

from .ir_attachment import INVOICE_PDF_FIELD


class IrBinary(models.AbstractModel):
    _inherit = "ir.binary"

    def _record_to_stream(self, record, field_name):
        stream = super()._record_to_stream(record, field_name)
        # Only a download is a print: showing the PDF inline (the attachment
        # viewer, a preview) is not logged, on a replica or not.
        if not (request and str2bool(request.httprequest.args.get("download") or "", False)):
            return stream
        move = self.env["account.move"]
        if record._name == "account.move" and field_name == INVOICE_PDF_FIELD:
            move = record
        elif record._name == "ir.attachment":
            move = record._invoice_pdf_moves()
        if move:
            # Downloads of invoice documents are served read/write
            # (controllers/report.py); were one served read-only, this write
            # fails and Odoo replays the request on a read/write cursor.
            move._log_printed(self.env._("Downloaded (stored PDF)"))
        return stream

    @api.model
    def _invoice_audit_serves_invoice_document(self, xmlid=None, model="ir.attachment", res_id=None):
        """Whether /web/content with these arguments (those of ``_find_record``)
        serves a document of a journal entry: the entry's own files, or an
        attachment of it (its stored PDF among them).

        Called before the request's transaction, to choose its cursor: cheap
        (no query for a model's field, one for an attachment id or an XML
        id), and it checks no access (the route does, later).
        """
        if xmlid:
            model, res_id = self.env["ir.model.data"]._xmlid_to_res_model_res_id(xmlid)
        if model == "account.move":
            return True
        if model != "ir.attachment" or not res_id:
            return False
        try:
            res_id = int(res_id)
        except (TypeError, ValueError):
            return False
        if not 0 < res_id < 2**31:
            return False
        self.env.cr.execute(
            SQL("SELECT 1 FROM ir_attachment WHERE id = %s AND res_model = 'account.move'", res_id)
        )
        return bool(self.env.cr.fetchone())
