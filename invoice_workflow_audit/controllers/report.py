# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http

from odoo.addons.web.controllers.binary import Binary
from odoo.addons.web.controllers.report import ReportController


def _read_write(controller):
    # Odoo 18 serves these routes on a read-only cursor (or a read replica):
    # printing an invoice is logged and counted, so the request writes. A
    # callable, as a plain readonly=False on a read-only parent route is
    # refused with a warning.
    return False


def _read_write_for_downloads(controller):
    """Downloads of files (the stored invoice PDF among them) are logged: read/write.
    Showing an image or an attachment inline stays on the read-only cursor."""
    return "download" not in http.request.httprequest.args


class InvoicePrintReportController(ReportController):
    @http.route(readonly=_read_write)
    def report_routes(self, reportname, docids=None, converter=None, **data):
        return super().report_routes(reportname, docids=docids, converter=converter, **data)


class InvoicePdfDownloadController(Binary):
    @http.route(readonly=_read_write_for_downloads)
    def content_common(self, *args, **kwargs):
        return super().content_common(*args, **kwargs)
