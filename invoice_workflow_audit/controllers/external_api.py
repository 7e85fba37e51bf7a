# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http

from odoo.addons.base.controllers.rpc import RPC

from ..models.activity_log.invoice_activity_log import remember_external_caller


class ExternalApiCallerAddress(RPC):
    """The external API (``/jsonrpc``, ``/xmlrpc/2/object``) runs the call
    with the request hidden (``odoo.http.borrow_request``): the history would
    record no IP address for what an integration does. The caller's address
    is kept for the call, as the web client's is read from its request."""

    @http.route()
    def jsonrpc(self, service, method, args):
        with remember_external_caller(http.request.httprequest.remote_addr):
            return super().jsonrpc(service, method, args)

    @http.route()
    def xmlrpc_2(self, service):
        with remember_external_caller(http.request.httprequest.remote_addr):
            return super().xmlrpc_2(service)

    @http.route()
    def xmlrpc_1(self, service):
        with remember_external_caller(http.request.httprequest.remote_addr):
            return super().xmlrpc_1(service)
