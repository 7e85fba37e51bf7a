# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http

from odoo.addons.account.controllers.download_docs import AccountDocumentDownloadController

from ..models.common import DOWNLOAD_KEY


class InvoiceDocumentDownloadController(AccountDocumentDownloadController):
    @http.route()
    def download_invoice_documents_filetype(self, invoices, filetype, allow_fallback=True):
        # The download is the action logged; a PDF rendered on the way is part of it.
        response = super().download_invoice_documents_filetype(
            invoices.with_context(**{DOWNLOAD_KEY: True}),
            filetype,
            allow_fallback=allow_fallback,
        )
        if response.status_code == 200:
            invoices._log_printed(invoices.env._("Downloaded (%(filetype)s)", filetype=filetype))
        return response
