# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Exports page of the accountant portal: entry batches of a period.

As every page of the portal, it first checks the grant of the company of the
URL (``_accountant_company``, else 404), then reads the company's batches as
superuser through an explicit domain: portal users never read
``invoice.accountant.batch`` through the ORM.
"""

import calendar
from datetime import date

from werkzeug.exceptions import NotFound
from werkzeug.wsgi import wrap_file

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request

PERIOD_TYPES = ("month", "quarter", "fiscal_year", "custom")


class AccountantPortalExports:
    """Mixed into the accountant portal's controller."""

    def _accountant_batches_domain(self, company):
        return [("company_id", "=", company.id)]

    def _accountant_batch(self, company, batch_id):
        batch = (
            request.env["invoice.accountant.batch"]
            .sudo()
            .search([("id", "=", batch_id), *self._accountant_batches_domain(company)], limit=1)
        )
        if not batch:
            raise NotFound()
        return batch

    def _accountant_period_labels(self):
        env = request.env
        return {
            "month": env._("Month"),
            "quarter": env._("Quarter"),
            "fiscal_year": env._("Fiscal year"),
            "custom": env._("Custom range"),
        }

    def _accountant_export_period(self, company, kwargs, errors):
        """The period asked for: ``(date_from, date_to, label)``, or None with
        the reason in ``errors``."""
        env = request.env
        period = kwargs.get("period") or "month"
        if period not in PERIOD_TYPES:
            errors.append(env._("Unknown period %(value)s.", value=period))
            return None
        try:
            if period == "month":
                year, month = (int(part) for part in (kwargs.get("month") or "").split("-"))
                start = date(year, month, 1)
                end = date(year, month, calendar.monthrange(year, month)[1])
                label = start.strftime("%Y-%m")
            elif period == "quarter":
                year, quarter = int(kwargs.get("year") or 0), int(kwargs.get("quarter") or 0)
                if quarter not in (1, 2, 3, 4):
                    raise ValueError
                start = date(year, 3 * quarter - 2, 1)
                last_month = 3 * quarter
                end = date(year, last_month, calendar.monthrange(year, last_month)[1])
                label = f"{year}-Q{quarter}"
            elif period == "fiscal_year":
                year = int(kwargs.get("year") or 0)
                # The fiscal year that ends in ``year`` (Odoo's fiscal year settings).
                dates = company.compute_fiscalyear_dates(date(year, 12, 31))
                if dates["date_to"].year != year:
                    dates = company.compute_fiscalyear_dates(date(year, 1, 1))
                start, end = dates["date_from"], dates["date_to"]
                label = env._("Fiscal year %(start)s to %(end)s", start=start, end=end)
            else:
                start = fields.Date.to_date(kwargs.get("date_from"))
                end = fields.Date.to_date(kwargs.get("date_to"))
                if not start or not end:
                    raise ValueError
                label = f"{start} to {end}"
        except (TypeError, ValueError):
            errors.append(
                env._("Choose a valid %(period)s.", period=self._accountant_period_labels()[period])
            )
            return None
        if start > end:
            errors.append(env._("The period ends before it starts."))
            return None
        return start, end, label

    # Changed entries listed per batch on the page (all are counted).
    _accountant_changes_shown = 20

    def _prepare_accountant_exports_values(self, company, errors=None, **kwargs):
        Batch = request.env["invoice.accountant.batch"].sudo()
        page = self._accountant_parse_page(kwargs.get("page"), errors if errors is not None else [])
        batches, pager, total = self._accountant_paged_search(
            "invoice.accountant.batch",
            self._accountant_batches_domain(company),
            "date desc, id desc",
            f"/my/accounting/{company.id}/exports",
            {},
            page,
            errors if errors is not None else [],
        )
        changes = batches._changed_entries(limit=self._accountant_changes_shown)
        export_requests = (
            request.env["invoice.accountant.export.request"]
            .sudo()
            .search([("company_id", "=", company.id), ("user_id", "=", request.env.uid)], limit=10)
        )
        today = fields.Date.context_today(Batch)
        return self._accountant_values(
            company,
            "accountant_exports",
            batches=batches,
            export_requests=export_requests,
            changes=changes,
            change_labels=Batch._change_labels(),
            pager=pager,
            total=total,
            formats=request.env["invoice.accountant.batch.export"]._formats(company),
            period_labels=self._accountant_period_labels(),
            default_month=today.strftime("%Y-%m"),
            default_year=today.year,
            errors=errors or [],
        )

    @http.route(
        "/my/accounting/<int:company_id>/exports", type="http", auth="user", website=True, readonly=True
    )
    def accountant_exports(self, company_id, **kwargs):
        company = self._accountant_company(company_id)
        values = self._prepare_accountant_exports_values(company, [], **kwargs)
        return request.render("invoice_workflow_audit.accountant_portal_exports", values)

    @http.route(
        "/my/accounting/<int:company_id>/exports/download",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def accountant_exports_download(self, company_id, file_format=None, **kwargs):
        # CSRF: checked by Odoo for every POST of an http route (csrf=True).
        company = self._accountant_company(company_id)
        Export = request.env["invoice.accountant.batch.export"]
        if file_format not in Export._formats(company):
            raise NotFound()
        errors = []
        period = self._accountant_export_period(company, kwargs, errors)
        if not period:
            self._accountant_notify("danger", " ".join(errors))
            return request.redirect(f"/my/accounting/{company.id}/exports")
        exports_url = f"/my/accounting/{company.id}/exports"
        if kwargs.get("background") == "1":
            return self._accountant_exports_queue(company, period, file_format)
        try:
            _batch, export = request.env["invoice.accountant.batch"]._accountant_collect(
                company, *period, file_format
            )
        except UserError as error:
            # Beyond the caps, or another download running: nothing written.
            self._accountant_notify("warning", error.args[0])
            return request.redirect(exports_url)
        return self._accountant_file_response(export)

    def _accountant_exports_queue(self, company, period, file_format):
        """Queue the period for the background; say what happens next."""
        try:
            request.env["invoice.accountant.export.request"]._accountant_queue(company, *period, file_format)
        except UserError as error:
            self._accountant_notify("danger", error.args[0])
        else:
            self._accountant_notify(
                "success",
                request.env._(
                    "%(period)s is being prepared in the background: it will be listed here when ready, "
                    "and you will be e-mailed.",
                    period=period[2],
                ),
            )
        return request.redirect(f"/my/accounting/{company.id}/exports")

    def _accountant_file_response(self, export):
        """The file of ``export`` sent from disk, with its SHA-256."""
        response = request.make_response(
            wrap_file(request.httprequest.environ, export.file),
            headers=[
                ("Content-Type", export.mimetype),
                ("Content-Length", str(export.size)),
                ("Content-Disposition", http.content_disposition(export.file_name)),
                ("X-Content-SHA256", export.checksum),
            ],
        )
        response.direct_passthrough = True
        return response

    @http.route(
        "/my/accounting/<int:company_id>/exports/<int:batch_id>/download",
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def accountant_exports_download_again(self, company_id, batch_id, **kwargs):
        """The kept file of a batch, byte for byte: nothing is collected again."""
        company = self._accountant_company(company_id)
        batch = self._accountant_batch(company, batch_id)
        try:
            export = batch._accountant_open_file()
        except UserError as error:
            self._accountant_notify("danger", error.args[0])
            return request.redirect(f"/my/accounting/{company.id}/exports")
        return self._accountant_file_response(export)

    @http.route(
        "/my/accounting/<int:company_id>/exports/<int:batch_id>/integrated",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def accountant_exports_integrated(self, company_id, batch_id, **kwargs):
        company = self._accountant_company(company_id)
        batch = self._accountant_batch(company, batch_id)
        if batch._accountant_mark_integrated():
            self._accountant_notify(
                "success",
                request.env._("Batch %(period)s is marked as integrated.", period=batch.period_label),
            )
        return request.redirect(f"/my/accounting/{company.id}/exports")
