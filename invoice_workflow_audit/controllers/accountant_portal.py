# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The accountant portal: a company's books for its external accountant.

Every route first checks, on the server, that the portal user was granted
accountant access to the company of the URL (``_accountant_company``), then
reads with superuser rights through explicit domains: that company, posted
documents only, the document types of the portal. Anything else answers
404, the same for a company that does not exist and one that is not granted,
so that URLs reveal nothing.
"""

from urllib.parse import urlencode

from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.http import request
from odoo.osv import expression

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

KINDS = ("out_invoice", "out_refund", "in_invoice", "in_refund")
# Receivable and payable accounts: what the History page lists.
PARTNER_ACCOUNT_TYPES = ("asset_receivable", "liability_payable")
# Payment states in which nothing is left to pay (full reconciliation).
SETTLED_STATES = ("paid", "in_payment", "reversed")
PAGE_SIZE = 40


class AccountantPortal(CustomerPortal):
    _accountant_page_size = PAGE_SIZE

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def _accountant_companies(self):
        return request.env.user._accountant_companies()

    def _accountant_company(self, company_id):
        """The company of the URL, when granted to the user; else 404."""
        company = self._accountant_companies().filtered(lambda c: c.id == company_id)
        if not company:
            raise NotFound()
        return company

    def _accountant_documents_domain(self, company, kinds=KINDS):
        return [("company_id", "=", company.id), ("state", "=", "posted"), ("move_type", "in", list(kinds))]

    def _accountant_document(self, company, move_id, kinds=KINDS):
        """A posted document of the granted ``company`` (sudo); else 404."""
        move = (
            request.env["account.move"]
            .sudo()
            .search([("id", "=", move_id), *self._accountant_documents_domain(company, kinds)], limit=1)
        )
        if not move:
            raise NotFound()
        return move

    # ------------------------------------------------------------------
    # Query parameters: anything the page cannot use is reported, not dropped
    # ------------------------------------------------------------------

    def _accountant_parse_page(self, value, errors):
        if value in (None, ""):
            return 1
        try:
            page = int(value)
        except ValueError:
            page = 0
        if page < 1:
            errors.append(request.env._("Invalid page %(value)s: the first page is shown.", value=value))
            return 1
        return page

    def _accountant_parse_date(self, value, label, errors):
        if not value:
            return None
        try:
            return fields.Date.to_date(value)
        except ValueError:
            errors.append(
                request.env._(
                    "Invalid date %(value)s for %(field)s (expected YYYY-MM-DD): that limit is not applied.",
                    value=value,
                    field=label,
                )
            )
            return None

    def _accountant_parse_choice(self, value, choices, label, errors, default=None):
        if not value:
            return default
        if value not in choices:
            errors.append(
                request.env._(
                    "Unknown %(field)s %(value)s: it is not applied.",
                    field=label,
                    value=value,
                )
            )
            return default
        return value

    def _accountant_period(self, kwargs, errors):
        date_from = self._accountant_parse_date(kwargs.get("date_from"), request.env._("From"), errors)
        date_to = self._accountant_parse_date(kwargs.get("date_to"), request.env._("To"), errors)
        if date_from and date_to and date_from > date_to:
            errors.append(request.env._("The period ends before it starts: no document can match."))
        return date_from, date_to

    # ------------------------------------------------------------------
    # Shared values: the header dates and the page's navigation
    # ------------------------------------------------------------------

    def _accountant_kind_labels(self):
        env = request.env
        return {
            "out_invoice": env._("Customer Invoices"),
            "out_refund": env._("Customer Credit Notes"),
            "in_invoice": env._("Vendor Bills"),
            "in_refund": env._("Vendor Refunds"),
        }

    def _accountant_pager(self, url, url_args, total, page, errors):
        """Odoo's portal pager, with the page as the ``page`` query parameter
        (the public URLs of the accountant portal) instead of a /page/N path."""
        values = portal_pager(url=url, total=total, page=page, step=self._accountant_page_size)
        if page > max(values["page_count"], 1):
            errors.append(
                request.env._(
                    "Page %(page)s does not exist (%(count)s page(s)): page %(shown)s is shown.",
                    page=page,
                    count=values["page_count"],
                    shown=values["page"]["num"],
                )
            )

        def page_url(num):
            args = dict(url_args, page=num) if num > 1 else url_args
            return f"{url}?{urlencode(args)}" if args else url

        for item in values.values():
            if isinstance(item, dict) and "num" in item:
                item["url"] = page_url(item["num"])
        for item in values["pages"]:
            item["url"] = page_url(item["num"])
        return values

    def _accountant_values(self, company, page_name, **values):
        return {
            **self._prepare_portal_layout_values(),
            "page_name": page_name,
            "accountant_company": company,
            "accountant_companies": self._accountant_companies(),
            "books_up_to_date": company.books_up_to_date if company else None,
            "last_bank_statement": company._accountant_last_bank_statement_date() if company else None,
            "kind_labels": self._accountant_kind_labels(),
            "errors": [],
            "notice": request.session.pop("accountant_portal_notice", None),
            **values,
        }

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "accountant_company_count" in counters:
            values["accountant_company_count"] = len(self._accountant_companies())
        return values

    # ------------------------------------------------------------------
    # Companies
    # ------------------------------------------------------------------

    @http.route("/my/accounting", type="http", auth="user", website=True, readonly=True)
    def accountant_companies(self, **kwargs):
        companies = self._accountant_companies()
        if not companies:
            raise NotFound()
        values = self._accountant_values(request.env["res.company"], "accountant_companies")
        values["company_rows"] = [
            {
                "company": company,
                "books_up_to_date": company.books_up_to_date,
                "last_bank_statement": company._accountant_last_bank_statement_date(),
            }
            for company in companies
        ]
        return request.render("invoice_workflow_audit.accountant_portal_companies", values)

    @http.route("/my/accounting/<int:company_id>", type="http", auth="user", website=True, readonly=True)
    def accountant_company(self, company_id, **kwargs):
        company = self._accountant_company(company_id)
        return request.redirect(f"/my/accounting/{company.id}/out_invoice")

    # ------------------------------------------------------------------
    # Archives: the four tabs of posted documents
    # ------------------------------------------------------------------

    def _accountant_sortings(self):
        env = request.env
        return {
            "date": {"label": env._("Newest"), "order": "invoice_date desc, name desc, id desc"},
            "date_asc": {"label": env._("Oldest"), "order": "invoice_date asc, name asc, id asc"},
            "due": {"label": env._("Due date"), "order": "invoice_date_due desc, id desc"},
            "number": {"label": env._("Number"), "order": "name desc, id desc"},
            "partner": {"label": env._("Partner"), "order": "partner_id, invoice_date desc, id desc"},
            "total": {"label": env._("Total"), "order": "amount_total_signed desc, id desc"},
        }

    def _accountant_filters(self):
        env = request.env
        unpaid = [("payment_state", "not in", SETTLED_STATES)]
        unprocessed = [("accountant_processed", "=", False)]
        return {
            "unpaid": {"label": env._("Unpaid"), "domain": unpaid},
            "unprocessed": {"label": env._("Not processed"), "domain": unprocessed},
            "unpaid_unprocessed": {
                "label": env._("Unpaid and not processed"),
                "domain": unpaid + unprocessed,
            },
        }

    def _accountant_archive_domain(self, company, kind, search, date_from, date_to, filter_domain):
        domain = self._accountant_documents_domain(company, [kind])
        if search:
            domain = expression.AND(
                [domain, ["|", ("name", "ilike", search), ("partner_id", "ilike", search)]]
            )
        if date_from:
            domain.append(("invoice_date", ">=", date_from))
        if date_to:
            domain.append(("invoice_date", "<=", date_to))
        return domain + filter_domain

    @http.route(
        "/my/accounting/<int:company_id>/<string:kind>", type="http", auth="user", website=True, readonly=True
    )
    def accountant_archive(self, company_id, kind, **kwargs):
        company = self._accountant_company(company_id)
        if kind not in KINDS:
            raise NotFound()
        errors = []
        sortings = self._accountant_sortings()
        filters = self._accountant_filters()
        page = self._accountant_parse_page(kwargs.get("page"), errors)
        search = (kwargs.get("search") or "").strip()
        date_from, date_to = self._accountant_period(kwargs, errors)
        sortby = self._accountant_parse_choice(
            kwargs.get("sortby"), sortings, request.env._("sort order"), errors, default="date"
        )
        filter_name = self._accountant_parse_choice(
            kwargs.get("filter"), filters, request.env._("filter"), errors
        )
        domain = self._accountant_archive_domain(
            company, kind, search, date_from, date_to, filters[filter_name]["domain"] if filter_name else []
        )

        Move = request.env["account.move"].sudo()
        total = Move.search_count(domain)
        url_args = {
            key: value
            for key, value in (
                ("search", search),
                ("date_from", date_from and fields.Date.to_string(date_from)),
                ("date_to", date_to and fields.Date.to_string(date_to)),
                ("filter", filter_name),
                ("sortby", sortby if sortby != "date" else None),
            )
            if value
        }
        url = f"/my/accounting/{company.id}/{kind}"
        pager = self._accountant_pager(url, url_args, total, page, errors)
        moves = Move.search(
            domain, order=sortings[sortby]["order"], limit=self._accountant_page_size, offset=pager["offset"]
        )
        # One query for the partners of the page, not one per row.
        moves.partner_id.mapped("display_name")
        query = dict(url_args, page=page) if page > 1 else url_args
        # Column headers sort the list, filters kept, back to its first page.
        unsorted_args = {key: value for key, value in url_args.items() if key != "sortby"}
        sort_urls = {}
        for key in sortings:
            args = unsorted_args if key == "date" else dict(unsorted_args, sortby=key)
            sort_urls[key] = f"{url}?{urlencode(args)}" if args else url
        values = self._accountant_values(
            company,
            "accountant_archive",
            kind=kind,
            moves=moves,
            pager=pager,
            total=total,
            search=search,
            date_from=date_from,
            date_to=date_to,
            filter_name=filter_name,
            filters=filters,
            sortby=sortby,
            sortings=sortings,
            errors=errors,
            current_url=f"{url}?{urlencode(query)}" if query else url,
            settled_states=SETTLED_STATES,
            sort_urls=sort_urls,
        )
        return request.render("invoice_workflow_audit.accountant_portal_archive", values)

    # ------------------------------------------------------------------
    # Actions on one document
    # ------------------------------------------------------------------

    def _accountant_back_url(self, company, kind, redirect):
        # Only back into this company's pages: never an open redirect.
        prefix = f"/my/accounting/{company.id}/"
        if redirect and redirect.startswith(prefix) and "//" not in redirect:
            return redirect
        return prefix + kind

    @http.route(
        "/my/accounting/<int:company_id>/document/<int:move_id>/pdf", type="http", auth="user", website=True
    )
    def accountant_document_pdf(self, company_id, move_id, **kwargs):
        company = self._accountant_company(company_id)
        move = self._accountant_document(company, move_id)
        return self._show_report(
            model=move, report_type="pdf", report_ref="account.account_invoices", download=True
        )

    @http.route(
        "/my/accounting/<int:company_id>/document/<int:move_id>/processed",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def accountant_document_processed(self, company_id, move_id, processed=None, redirect=None, **kwargs):
        # CSRF: checked by Odoo for every POST of an http route (csrf=True).
        company = self._accountant_company(company_id)
        move = self._accountant_document(company, move_id)
        if processed not in ("0", "1"):
            raise NotFound()
        move.with_env(request.env)._set_accountant_processed(processed == "1")
        return request.redirect(self._accountant_back_url(company, move.move_type, redirect))

    @http.route(
        "/my/accounting/<int:company_id>/document/<int:move_id>/send",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def accountant_document_send(self, company_id, move_id, redirect=None, **kwargs):
        """E-mail the customer a link to the invoice PDF (portal access token)."""
        company = self._accountant_company(company_id)
        move = self._accountant_document(company, move_id, kinds=["out_invoice"])
        back = self._accountant_back_url(company, move.move_type, redirect)
        if not move.partner_id.email:
            self._accountant_notify(
                "danger",
                request.env._(
                    "%(document)s was not sent: %(customer)s has no e-mail address.",
                    document=move.name,
                    customer=move.partner_id.display_name,
                ),
            )
        else:
            move.with_env(request.env)._accountant_send_to_customer()
            self._accountant_notify(
                "success",
                request.env._(
                    "%(document)s: a link to its PDF was e-mailed to %(customer)s.",
                    document=move.name,
                    customer=move.partner_id.email_formatted,
                ),
            )
        return request.redirect(back)

    def _accountant_notify(self, kind, message):
        # Shown once by the next page of the portal (after the redirect).
        request.session["accountant_portal_notice"] = {"kind": kind, "message": message}

    # ------------------------------------------------------------------
    # Financial: bank transactions of the bank journals
    # ------------------------------------------------------------------

    @http.route(
        "/my/accounting/<int:company_id>/financial", type="http", auth="user", website=True, readonly=True
    )
    def accountant_financial(self, company_id, **kwargs):
        company = self._accountant_company(company_id)
        errors = []
        page = self._accountant_parse_page(kwargs.get("page"), errors)
        date_from, date_to = self._accountant_period(kwargs, errors)
        journals = (
            request.env["account.journal"]
            .sudo()
            .search([("company_id", "=", company.id), ("type", "=", "bank")])
        )
        journal = journals.browse()
        if journal_arg := kwargs.get("journal_id"):
            journal = journals.filtered(lambda j: str(j.id) == journal_arg)
            if not journal:
                errors.append(
                    request.env._(
                        "Unknown bank journal %(value)s: all bank journals are shown.", value=journal_arg
                    )
                )
        domain = [
            ("company_id", "=", company.id),
            ("journal_id", "in", (journal or journals).ids),
            ("state", "=", "posted"),  # not the cancelled ones
        ]
        if date_from:
            domain.append(("date", ">=", date_from))
        if date_to:
            domain.append(("date", "<=", date_to))
        Line = request.env["account.bank.statement.line"].sudo()
        total = Line.search_count(domain)
        url_args = {
            key: value
            for key, value in (
                ("journal_id", journal.id),
                ("date_from", date_from and fields.Date.to_string(date_from)),
                ("date_to", date_to and fields.Date.to_string(date_to)),
            )
            if value
        }
        url = f"/my/accounting/{company.id}/financial"
        pager = self._accountant_pager(url, url_args, total, page, errors)
        lines = Line.search(
            domain, order="date desc, id desc", limit=self._accountant_page_size, offset=pager["offset"]
        )
        lines.partner_id.mapped("display_name")
        values = self._accountant_values(
            company,
            "accountant_financial",
            lines=lines,
            journals=journals,
            journal=journal,
            pager=pager,
            total=total,
            date_from=date_from,
            date_to=date_to,
            errors=errors,
        )
        return request.render("invoice_workflow_audit.accountant_portal_financial", values)

    # ------------------------------------------------------------------
    # History: a partner's receivable and payable transactions
    # ------------------------------------------------------------------

    def _accountant_history_domain(self, company):
        return [
            ("company_id", "=", company.id),
            ("parent_state", "=", "posted"),
            ("account_id.account_type", "in", PARTNER_ACCOUNT_TYPES),
            ("partner_id", "!=", False),
        ]

    @http.route(
        "/my/accounting/<int:company_id>/history", type="http", auth="user", website=True, readonly=True
    )
    def accountant_history(self, company_id, **kwargs):
        company = self._accountant_company(company_id)
        errors = []
        page = self._accountant_parse_page(kwargs.get("page"), errors)
        MoveLine = request.env["account.move.line"].sudo()
        base_domain = self._accountant_history_domain(company)
        # Only partners with transactions in this company are offered (and
        # accepted): no other contact's name shows through this page.
        partners = (
            request.env["res.partner"]
            .sudo()
            .browse(partner.id for [partner] in MoveLine._read_group(base_domain, groupby=["partner_id"]))
            .sorted(lambda p: (p.display_name or "").lower())
        )
        partner = partners.browse()
        if partner_arg := kwargs.get("partner_id"):
            partner = partners.filtered(lambda p: str(p.id) == partner_arg)
            if not partner:
                raise NotFound()
        values = self._accountant_values(
            company, "accountant_history", partners=partners, partner=partner, errors=errors, lines=[]
        )
        if partner:
            domain = [*base_domain, ("partner_id", "=", partner.id)]
            total = MoveLine.search_count(domain)
            url = f"/my/accounting/{company.id}/history"
            pager = self._accountant_pager(url, {"partner_id": partner.id}, total, page, errors)
            lines = MoveLine.search(
                domain, order="date asc, id asc", limit=self._accountant_page_size, offset=pager["offset"]
            )
            opening = 0.0
            if lines and pager["offset"]:
                first = lines[0]
                before = expression.AND(
                    [
                        domain,
                        [
                            "|",
                            ("date", "<", first.date),
                            "&",
                            ("date", "=", first.date),
                            ("id", "<", first.id),
                        ],
                    ]
                )
                [[opening]] = MoveLine._read_group(before, aggregates=["balance:sum"])
            rows = []
            balance = opening or 0.0
            currency = company.currency_id
            lines.move_id.mapped("name")
            for line in lines:
                # Rounded as the ledger is, and never "-0.00".
                balance = currency.round(balance + line.balance) or 0.0
                rows.append({"line": line, "kind": self._accountant_line_kind(line), "balance": balance})
            values.update(lines=rows, opening=opening or 0.0, pager=pager, total=total)
        return request.render("invoice_workflow_audit.accountant_portal_history", values)

    def _accountant_line_kind(self, line):
        env = request.env
        move = line.move_id
        if move.origin_payment_id or move.journal_id.type in ("bank", "cash") or move.statement_line_id:
            return env._("Payment")
        return {
            "out_invoice": env._("Invoice"),
            "out_refund": env._("Credit note"),
            "in_invoice": env._("Bill"),
            "in_refund": env._("Refund"),
        }.get(move.move_type, env._("Miscellaneous"))

    # ------------------------------------------------------------------
    # Help
    # ------------------------------------------------------------------

    def _accountant_check_any_company(self):
        if not self._accountant_companies():
            raise NotFound()

    @http.route("/my/accounting/help", type="http", auth="user", website=True, readonly=True)
    def accountant_help(self, **kwargs):
        self._accountant_check_any_company()
        values = self._accountant_values(request.env["res.company"], "accountant_help")
        return request.render("invoice_workflow_audit.accountant_portal_help", values)

    @http.route("/my/accounting/help/guide.pdf", type="http", auth="user", website=True, readonly=True)
    def accountant_help_guide(self, **kwargs):
        self._accountant_check_any_company()
        user = request.env.user
        Report = request.env["ir.actions.report"].sudo().with_context(lang=request.env.lang)
        pdf, _type = Report._render_qweb_pdf(
            "invoice_workflow_audit.action_report_accountant_guide", user.ids
        )
        filename = request.env._("Accountant portal guide") + ".pdf"
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", http.content_disposition(filename)),
            ],
        )
