# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the lists of the accountant portal share: reading their query
parameters (anything a page cannot use is reported, never silently dropped),
their URLs and their pager."""

from urllib.parse import urlencode

from odoo import fields
from odoo.http import request

from odoo.addons.portal.controllers.portal import pager as portal_pager


class AccountantPortalLists:
    """Mixed into the accountant portal's controller; every method is a hook
    that an inheriting controller may override."""

    # Rows a page.
    _accountant_page_size = 40

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

    def _accountant_list_params(self, kwargs, period=True):
        """What every list reads from its query parameters: ``errors`` (the
        parameters it cannot use, filled on the way), the page, the period."""
        errors = []
        page = self._accountant_parse_page(kwargs.get("page"), errors)
        date_from, date_to = self._accountant_period(kwargs, errors) if period else (None, None)
        return errors, page, date_from, date_to

    # ------------------------------------------------------------------
    # URLs and pager
    # ------------------------------------------------------------------

    def _accountant_url(self, url, args):
        """``url`` with ``args`` as its query string, none when empty."""
        return f"{url}?{urlencode(args)}" if args else url

    def _accountant_url_args(self, **values):
        """The query parameters that reproduce a list: the values set, dates
        as YYYY-MM-DD."""
        return {
            key: fields.Date.to_string(value) if key.startswith("date_") else value
            for key, value in values.items()
            if value
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
            return self._accountant_url(url, dict(url_args, page=num) if num > 1 else url_args)

        for item in values.values():
            if isinstance(item, dict) and "num" in item:
                item["url"] = page_url(item["num"])
        for item in values["pages"]:
            item["url"] = page_url(item["num"])
        return values

    def _accountant_paged_search(self, model, domain, order, url, url_args, page, errors):
        """One page of ``model`` (superuser) records of ``domain``, with its
        pager and the total: the caller's ``domain`` keeps to the company."""
        Model = request.env[model].sudo()
        total = Model.search_count(domain)
        pager = self._accountant_pager(url, url_args, total, page, errors)
        records = Model.search(domain, order=order, limit=self._accountant_page_size, offset=pager["offset"])
        return records, pager, total
