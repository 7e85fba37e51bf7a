# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which print and download routes need a read/write cursor.

Odoo 18 serves /report/* and /web/content on a read-only cursor, on the read
replica when there is one (--db_replica_host). Printing or downloading an
invoice is logged and counted, so those requests write and go to the primary;
every other report and download keeps the route's own choice. The choice is
made before the request's transaction, from the URL alone: cheap (the invoice
reports' names are cached per registry) and never an access check (the route
checks, later).
"""

import contextlib
import logging

import psycopg2
from werkzeug.exceptions import HTTPException

from odoo import SUPERUSER_ID, api, http
from odoo.tools import str2bool

from odoo.addons.web.controllers.binary import Binary
from odoo.addons.web.controllers.report import ReportController

_logger = logging.getLogger(__name__)


def _parent_readonly(controller, cls, method_name):
    """What the routes of ``method_name`` declare above ``cls`` (Odoo's
    ``readonly=True`` for both routes here, unless a module changed it)."""
    mro = type(controller).__mro__
    for klass in mro[mro.index(cls) + 1 :]:
        routing = getattr(klass.__dict__.get(method_name), "original_routing", None)
        if routing and "readonly" in routing:
            readonly = routing["readonly"]
            return readonly(controller) if callable(readonly) else readonly
    return False


def _route_args():
    """The arguments the request's URL gives its route (its query string,
    then the path's own), as the route will receive them: matched again, as
    Odoo just did without keeping them (no query)."""
    request = http.request
    try:
        _rule, args = request.registry["ir.http"]._match(request.httprequest.path)
    except HTTPException:
        return {}
    return {**request.httprequest.args.to_dict(), **args}


def _ask(method):
    """Call ``method(env)`` as superuser on a read-only cursor of its own
    (the replica's when there is one): the request's transaction is not
    open yet. Any failure keeps the route's own choice (``None``)."""
    request = http.request
    try:
        with contextlib.closing(request.registry.cursor(readonly=True)) as cr:
            return method(api.Environment(cr, SUPERUSER_ID, {}))
    except (psycopg2.Error, ValueError) as error:
        _logger.warning("Could not tell whether %s prints an invoice: %s", request.httprequest.path, error)
        return None


def _read_write_for_invoice_reports(controller):
    """Reports of invoices (report name or XML id of an ir.actions.report on
    account.move) are logged: read/write. Any other report: the route's own."""
    reportname = _route_args().get("reportname")
    if reportname and _ask(lambda env: reportname in env["ir.actions.report"]._invoice_report_refs()):
        return False
    return _parent_readonly(controller, InvoicePrintReportController, "report_routes")


def _read_write_for_invoice_downloads(controller):
    """Downloads of an invoice's documents (a field of account.move, an
    attachment of one: its stored PDF) are logged: read/write. Showing a file
    inline and any other download: the route's own."""
    request = http.request
    if str2bool(request.httprequest.args.get("download") or "", False):
        args = _route_args()
        if _ask(
            lambda env: env["ir.binary"]._invoice_audit_serves_invoice_document(
                args.get("xmlid"), args.get("model", "ir.attachment"), args.get("id")
            )
        ):
            return False
    return _parent_readonly(controller, InvoicePdfDownloadController, "content_common")


class InvoicePrintReportController(ReportController):
    @http.route(readonly=_read_write_for_invoice_reports)
    def report_routes(self, reportname, docids=None, converter=None, **data):
        return super().report_routes(reportname, docids=docids, converter=converter, **data)


class InvoicePdfDownloadController(Binary):
    @http.route(readonly=_read_write_for_invoice_downloads)
    def content_common(self, *args, **kwargs):
        return super().content_common(*args, **kwargs)
