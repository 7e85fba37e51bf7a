# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# Both routes are read/write in Odoo (auth="user", no readonly): the prints
# they log are written where they are served.
from odoo import http

from odoo.addons.account.controllers.download_docs import AccountDocumentDownloadController


class InvoiceDocumentDownloadController(AccountDocumentDownloadController):
    @http.route()
    def download_invoice_attachments(self, attachments):
        response = super().download_invoice_attachments(attachments)
        if response.status_code == 200:
            # The files of "Send & Print" with Download: the stored PDFs among
            # them are prints, as on /web/content?download.
            moves = attachments._invoice_pdf_moves()
            moves._log_printed(moves.env._("Downloaded (stored PDF)"))
        return response

    @http.route()
    def download_invoice_documents_filetype(self, invoices, filetype, allow_fallback=True):
        response = super().download_invoice_documents_filetype(
            invoices, filetype, allow_fallback=allow_fallback
        )
        if response.status_code == 200:
            # The download is the action logged: the PDF rendered on the way
            # is the same print (one per document and transaction).
            invoices._log_printed(invoices.env._("Downloaded (%(filetype)s)", filetype=filetype))
        return response
