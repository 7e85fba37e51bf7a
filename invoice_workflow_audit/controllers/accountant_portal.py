# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The accountant portal: a company's books for its external accountant.

Every route first checks, on the server, that the portal user was granted
accountant access to the company of the URL (``_accountant_company``), then
reads with superuser rights through explicit domains: that company, posted
documents only, the document types of the portal. Anything else answers
404, the same for a company that does not exist and one that is not granted,
so that URLs reveal nothing.
"""

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.osv import expression

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.common import SETTLED_PAYMENT_STATES
from .accountant_portal_exports import AccountantPortalExports
from .accountant_portal_lists import AccountantPortalLists
from .accountant_portal_seals import AccountantPortalSeals

KINDS = ("out_invoice", "out_refund", "in_invoice", "in_refund")


class AccountantPortal(AccountantPortalExports, AccountantPortalLists, AccountantPortalSeals, CustomerPortal):
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
    # Shared values: the header dates and the page's navigation
    # ------------------------------------------------------------------

    def _accountant_list_preamble(self, company_id, kwargs, period=True):
        """The granted company of the URL (else 404), then the list parameters."""
        company = self._accountant_company(company_id)
        return (company, *self._accountant_list_params(kwargs, period=period))

    def _accountant_kind_labels(self):
        env = request.env
        return {
            "out_invoice": env._("Customer Invoices"),
            "out_refund": env._("Customer Credit Notes"),
            "in_invoice": env._("Vendor Bills"),
            "in_refund": env._("Vendor Refunds"),
        }

    def _accountant_values(self, company, page_name, **values):
        return {
            **self._prepare_portal_layout_values(),
            "page_name": page_name,
            "accountant_company": company,
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
        # Paid is defined once for the addon: nothing left to pay.
        unpaid = [("payment_state", "not in", SETTLED_PAYMENT_STATES)]
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

    def _prepare_accountant_archive_values(self, company, kind, **kwargs):
        """Values of the tab of ``kind`` documents of the granted ``company``,
        from the query parameters (``page``, ``search``, ``date_from``,
        ``date_to``, ``filter``, ``sortby``), as account's
        ``_prepare_my_invoices_values`` prepares /my/invoices."""
        errors, page, date_from, date_to = self._accountant_list_params(kwargs)
        search = (kwargs.get("search") or "").strip()
        sortings = self._accountant_sortings()
        sortby = self._accountant_parse_choice(
            kwargs.get("sortby"), sortings, request.env._("sort order"), errors, default="date"
        )
        filters = self._accountant_filters()
        filter_name = self._accountant_parse_choice(
            kwargs.get("filter"), filters, request.env._("filter"), errors
        )
        domain = self._accountant_archive_domain(
            company, kind, search, date_from, date_to, filters[filter_name]["domain"] if filter_name else []
        )
        url = f"/my/accounting/{company.id}/{kind}"
        url_args = self._accountant_url_args(
            search=search,
            date_from=date_from,
            date_to=date_to,
            filter=filter_name,
            sortby=sortby if sortby != "date" else None,
        )
        moves, pager, total = self._accountant_paged_search(
            "account.move", domain, sortings[sortby]["order"], url, url_args, page, errors
        )
        # One query for the partners of the page, not one per row.
        moves.partner_id.mapped("display_name")
        # Column headers sort the list, filters kept, back to its first page.
        unsorted_args = {key: value for key, value in url_args.items() if key != "sortby"}
        sort_urls = {
            key: self._accountant_url(
                url, unsorted_args if key == "date" else dict(unsorted_args, sortby=key)
            )
            for key in sortings
        }
        return self._accountant_values(
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
            sort_urls=sort_urls,
            errors=errors,
            # Where the actions on a document come back to: the page shown.
            current_url=pager["page"]["url"],
            settled_states=SETTLED_PAYMENT_STATES,
        )

    @http.route(
        "/my/accounting/<int:company_id>/<string:kind>", type="http", auth="user", website=True, readonly=True
    )
    def accountant_archive(self, company_id, kind, **kwargs):
        company = self._accountant_company(company_id)
        if kind not in KINDS:
            raise NotFound()
        values = self._prepare_accountant_archive_values(company, kind, **kwargs)
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
            try:
                move.with_env(request.env)._accountant_send_to_customer()
            except UserError as error:
                # Beyond the send limits: nothing sent, and said why.
                self._accountant_notify("danger", error.args[0])
                return request.redirect(back)
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

    def _accountant_bank_journals(self, company):
        return (
            request.env["account.journal"]
            .sudo()
            .search([("company_id", "=", company.id), ("type", "=", "bank")])
        )

    def _accountant_bank_lines_domain(self, journals, date_from, date_to):
        # The journals are the company's: their lines are too.
        domain = [("journal_id", "in", journals.ids), ("state", "=", "posted")]  # not the cancelled ones
        if date_from:
            domain.append(("date", ">=", date_from))
        if date_to:
            domain.append(("date", "<=", date_to))
        return domain

    @http.route(
        "/my/accounting/<int:company_id>/financial", type="http", auth="user", website=True, readonly=True
    )
    def accountant_financial(self, company_id, **kwargs):
        company, errors, page, date_from, date_to = self._accountant_list_preamble(company_id, kwargs)
        journals = self._accountant_bank_journals(company)
        journal = journals.browse()
        if journal_arg := kwargs.get("journal_id"):
            journal = journals.filtered(lambda j: str(j.id) == journal_arg)
            if not journal:
                errors.append(
                    request.env._(
                        "Unknown bank journal %(value)s: all bank journals are shown.", value=journal_arg
                    )
                )
        lines, pager, total = self._accountant_paged_search(
            "account.bank.statement.line",
            self._accountant_bank_lines_domain(journal or journals, date_from, date_to),
            "date desc, id desc",
            f"/my/accounting/{company.id}/financial",
            self._accountant_url_args(journal_id=journal.id, date_from=date_from, date_to=date_to),
            page,
            errors,
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

    # Partners a search shows, on the page and in its autocompletion: the
    # company may have tens of thousands, the page never lists them all.
    _accountant_partner_matches = 20
    # Longer searches are cut: no partner's name, reference, VAT or e-mail is longer.
    _accountant_partner_search_size = 100

    def _accountant_history_partner_arg(self, company, value):
        """The partner of the ``partner_id`` parameter, one with transactions in
        ``company``; else 404, the same for a partner that does not exist and
        one of another company."""
        try:
            partner_id = int(value)
        except (TypeError, ValueError):
            raise NotFound() from None
        partner = company._accountant_history_partner(partner_id) if 0 < partner_id < 2**31 else None
        if not partner:
            raise NotFound()
        return partner

    def _accountant_history_matches(self, company, search):
        """Up to ``_accountant_partner_matches`` partners of ``company``
        matching ``search``, and whether there are more."""
        search = (search or "").strip()[: self._accountant_partner_search_size]
        shown = self._accountant_partner_matches
        partners = company._accountant_history_partner_search(search, limit=shown + 1)
        return search, partners[:shown], len(partners) > shown

    @http.route(
        "/my/accounting/<int:company_id>/history", type="http", auth="user", website=True, readonly=True
    )
    def accountant_history(self, company_id, **kwargs):
        company, errors, page, *_period = self._accountant_list_preamble(company_id, kwargs, period=False)
        url = f"/my/accounting/{company.id}/history"
        partner = request.env["res.partner"]
        if kwargs.get("partner_id"):
            partner = self._accountant_history_partner_arg(company, kwargs["partner_id"])
        search, matches, more = "", partner.browse(), False
        if not partner and "partner_search" in kwargs:
            search, matches, more = self._accountant_history_matches(company, kwargs["partner_search"])
            if search and len(matches) == 1 and not more:
                # One partner matches: its history, its id in the URL.
                return request.redirect(self._accountant_url(url, {"partner_id": matches.id}))
        values = self._accountant_values(
            company,
            "accountant_history",
            partner=partner,
            partner_search=search,
            partner_matches=matches,
            partner_matches_more=more,
            partner_matches_limit=self._accountant_partner_matches,
            errors=errors,
            lines=[],
        )
        if partner:
            total = company._accountant_partner_history_count(partner)
            pager = self._accountant_pager(url, {"partner_id": partner.id}, total, page, errors)
            rows, opening = company._accountant_partner_history(
                partner, offset=pager["offset"], limit=self._accountant_page_size
            )
            values.update(lines=rows, opening=opening, pager=pager, total=total)
        return request.render("invoice_workflow_audit.accountant_portal_history", values)

    @http.route(
        "/my/accounting/<int:company_id>/history/partners",
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def accountant_history_partners(self, company_id, search="", **kwargs):
        """The History page's autocompletion: JSON ``[{"id", "name"}]``, at
        most ``_accountant_partner_matches`` partners of the company."""
        company = self._accountant_company(company_id)
        _search, partners, _more = self._accountant_history_matches(company, search)
        return request.make_json_response([{"id": p.id, "name": p.display_name} for p in partners])

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
