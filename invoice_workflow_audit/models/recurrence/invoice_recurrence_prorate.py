# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date


def days_360(start, end):
    """Days from ``start`` to ``end`` (excluded) counted with 30-day months
    (30E/360: the 31st counts as the 30th), as service contracts bill a month."""
    return (
        (end.year - start.year) * 360 + (end.month - start.month) * 30 + min(end.day, 30) - min(start.day, 30)
    )


class InvoiceRecurrence(models.Model):
    """Prorated periods: a service that starts or ends inside a period is
    billed for the days served. The first document (service start inside its
    period) and the last one (end date inside its period) take each line's
    unit price times days served / days of the period, rounded to the
    currency, the served days in the line's label."""

    _inherit = "invoice.recurrence"

    service_date_start = fields.Date(
        string="Service Start",
        tracking=True,
        help="The day the service starts, inside or before the first period: a start inside the "
        "first period prorates its document.",
    )
    prorate_basis = fields.Selection(
        [("days", "Days of the period"), ("thirty", "30-day months")],
        string="Prorate On",
        default="days",
        required=True,
        tracking=True,
        help="Days served over the days of the period, or over 30-day months (30/360).",
    )

    @api.constrains("service_date_start", "date_start", "interval_number", "interval_type")
    def _check_service_date_start(self):
        for recurrence in self:
            if recurrence.service_date_start and recurrence.service_date_start >= recurrence._period_date(1):
                raise ValidationError(
                    self.env._(
                        "The service of %(recurrence)s starts on %(service)s, after its first period "
                        "(%(start)s to %(end)s): start the recurrence with the period the service starts in.",
                        recurrence=recurrence.name,
                        service=format_date(self.env, recurrence.service_date_start),
                        start=format_date(self.env, recurrence.date_start),
                        end=format_date(self.env, recurrence._period_date(1) - timedelta(days=1)),
                    )
                )

    def _prorata(self, period_date):
        """(days served, days of the period, period end) for the document of
        ``period_date`` when the service covers part of its period only, else None."""
        self.ensure_one()
        end = self._next_period_date(period_date)  # excluded
        served_from = max(period_date, self.service_date_start or period_date)
        served_to = min(end, self.date_end + timedelta(days=1)) if self.end_type == "date" else end
        if (served_from == period_date and served_to == end) or served_to <= served_from:
            return None
        if self.prorate_basis == "thirty":
            served, total = days_360(served_from, served_to), days_360(period_date, end)
        else:
            served, total = (served_to - served_from).days, (end - period_date).days
        return (served, total, end - timedelta(days=1)) if 0 < served < total else None

    def _prorate_document_values(self, vals, period_date):
        """Prorate the lines of ``vals``, the document of ``period_date``, in
        place. Taxes and amounts are left to Odoo to compute from the new
        unit prices (the copied ones are the full period's)."""
        prorata = self._prorata(period_date)
        if not prorata:
            return vals
        served, total, last_day = prorata
        currency = self.template_move_id.currency_id
        label = self.env._(
            "%(period)s prorated %(served)s/%(total)s",
            period=self._period_range_label(period_date, last_day),
            served=served,
            total=total,
        )
        lines = []
        for command in vals.get("line_ids", []):
            line = command[2] if command[0] == Command.CREATE else None
            if line is None or line.get("display_type", "product") == "product":
                if line is not None:
                    line = dict(line)
                    line["price_unit"] = currency.round(line.get("price_unit", 0.0) * served / total)
                    line["name"] = f"{line['name']}\n{label}" if line.get("name") else label
                    for computed in ("amount_currency", "balance", "debit", "credit", "price_subtotal"):
                        line.pop(computed, None)
                    command = (command[0], command[1], line)
                lines.append(command)
            elif line.get("display_type") != "tax":
                lines.append(command)
        vals["line_ids"] = lines
        return vals

    def _period_range_label(self, first_day, last_day):
        """The period as a range, "1-31 Jan 2027" with an en dash, in the user's language."""
        full = format_date(self.env, last_day, date_format="d MMM y")
        if (first_day.year, first_day.month) == (last_day.year, last_day.month):
            start = str(first_day.day)
        elif first_day.year == last_day.year:
            start = format_date(self.env, first_day, date_format="d MMM")
        else:
            start = format_date(self.env, first_day, date_format="d MMM y")
        return f"{start}\N{EN DASH}{full}"
