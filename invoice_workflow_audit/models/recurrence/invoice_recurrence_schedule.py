# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import models


class InvoiceRecurrenceScheduleMixin(models.AbstractModel):
    """The schedule of a recurrence: its period dates, its end rules and the
    periods due on a day.

    Pure date arithmetic over fields the inheriting model declares:
    ``date_start``, ``interval_number``, ``interval_type`` (day, week, month,
    year), ``end_type`` (never, count, date) with ``recurring_count`` /
    ``date_end``, and the progress so far, ``date_next`` and ``period_count``.
    Nothing here reads or writes the database.
    """

    _name = "invoice.recurrence.schedule.mixin"
    _description = "Recurring Invoice Schedule"

    def _period_date(self, index):
        """Date of period number ``index`` (0 = the start date).

        Counted from the start date, never from the previous period, so that a
        recurrence starting on the 31st comes back to the 31st after February.
        """
        self.ensure_one()
        step = self.interval_number * index
        return self.date_start + relativedelta(**{f"{self.interval_type}s": step})

    def _next_period_date(self, after):
        """The first period date strictly after ``after``."""
        self.ensure_one()
        start = self.date_start
        if after < start:
            return start
        # Start a little before the answer, then step forward.
        if self.interval_type in ("day", "week"):
            days = 1 if self.interval_type == "day" else 7
            index = (after - start).days // (days * self.interval_number)
        elif self.interval_type == "month":
            index = ((after.year - start.year) * 12 + after.month - start.month) // self.interval_number
        else:
            index = (after.year - start.year) // self.interval_number
        index = max(index - 1, 0)
        while self._period_date(index) <= after:
            index += 1
        return self._period_date(index)

    def _is_within_end(self, day, period_count):
        """Whether a document for ``day`` may still be generated after ``period_count`` periods."""
        self.ensure_one()
        if self.end_type == "count":
            return period_count < self.recurring_count
        if self.end_type == "date":
            return day <= self.date_end
        return True

    def _due_period_dates(self, today, limit=None):
        """The period dates from ``date_next`` up to ``today`` that the end allows."""
        self.ensure_one()
        dates, day, count = [], self.date_next or self.date_start, self.period_count
        while day and day <= today and self._is_within_end(day, count) and len(dates) != limit:
            dates.append(day)
            day, count = self._next_period_date(day), count + 1
        return dates
