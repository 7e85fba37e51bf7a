# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The company's seals on the accountant portal: a second party keeps copies
of the history's signed seals and its public key, outside the database."""

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request


class AccountantPortalSeals:
    def _accountant_seals_domain(self, company):
        return [("company_id", "=", company.id)]

    @http.route(
        "/my/accounting/<int:company_id>/seals", type="http", auth="user", website=True, readonly=True
    )
    def accountant_seals(self, company_id, **kwargs):
        company, errors, page, *_period = self._accountant_list_preamble(company_id, kwargs, period=False)
        url = f"/my/accounting/{company.id}/seals"
        seals, pager, total = self._accountant_paged_search(
            "invoice.activity.log.seal",
            self._accountant_seals_domain(company),
            "date desc, id desc",
            url,
            {},
            page,
            errors,
        )
        keys = request.env["invoice.activity.log.key"].sudo().search([])
        values = self._accountant_values(
            company, "accountant_seals", seals=seals, pager=pager, total=total, keys=keys, errors=errors
        )
        return request.render("invoice_workflow_audit.accountant_portal_seals", values)

    @http.route(
        "/my/accounting/<int:company_id>/seals/<int:seal_id>",
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def accountant_seal_download(self, company_id, seal_id, **kwargs):
        company = self._accountant_company(company_id)
        seal = (
            request.env["invoice.activity.log.seal"]
            .sudo()
            .search([("id", "=", seal_id), *self._accountant_seals_domain(company)], limit=1)
        )
        if not seal:
            raise NotFound()
        return request.make_response(
            seal.seal_text,
            headers=[
                ("Content-Type", "application/json"),
                ("Content-Disposition", http.content_disposition(seal._filename())),
            ],
        )

    @http.route(
        "/my/accounting/<int:company_id>/seals/key/<string:key_id>",
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def accountant_seal_key(self, company_id, key_id, **kwargs):
        self._accountant_company(company_id)
        key = request.env["invoice.activity.log.key"].sudo().search([("key_id", "=", key_id)], limit=1)
        if not key:
            raise NotFound()
        return request.make_response(
            key.public_key,
            headers=[
                ("Content-Type", "application/x-pem-file"),
                ("Content-Disposition", http.content_disposition(f"activity-history-key-{key.key_id}.pem")),
            ],
        )
