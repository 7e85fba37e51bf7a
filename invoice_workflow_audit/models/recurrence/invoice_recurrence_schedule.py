# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

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

    def _period_index_from(self, day):
        """Index of the first period dated ``day`` or later.

        Computed, not counted: whatever the distance from the start date, it
        takes a few steps (a daily recurrence started centuries ago included).
        """
        self.ensure_one()
        start = self.date_start
        if day <= start:
            return 0
        # Estimate from the distance, a little before the answer, then step forward.
        if self.interval_type in ("day", "week"):
            days = 1 if self.interval_type == "day" else 7
            index = (day - start).days // (days * self.interval_number)
        elif self.interval_type == "month":
            index = ((day.year - start.year) * 12 + day.month - start.month) // self.interval_number
        else:
            index = (day.year - start.year) // self.interval_number
        index = max(index - 1, 0)
        while self._period_date(index) < day:
            index += 1
        return index

    def _next_period_date(self, after):
        """The first period date strictly after ``after``."""
        self.ensure_one()
        return self._period_date(self._period_index_from(after + timedelta(days=1)))

    def _is_within_end(self, day, period_count):
        """Whether a document for ``day`` may still be generated after ``period_count`` periods."""
        self.ensure_one()
        if self.end_type == "count":
            return period_count < self.recurring_count
        if self.end_type == "date":
            return day <= self.date_end
        return True

    def _due_periods(self, today):
        """(first date, index of the period after it, count) of the periods
        from ``date_next`` up to ``today`` that the end allows. The first one
        is ``date_next`` itself (it may lie off the grid when the start date
        moved after periods were generated), the others follow the grid."""
        self.ensure_one()
        first = self.date_next or self.date_start
        if not first or first > today or not self._is_within_end(first, self.period_count):
            return first, 0, 0
        last = min(today, self.date_end) if self.end_type == "date" else today
        after = self._period_index_from(first + timedelta(days=1))
        count = 1 + max(self._period_index_from(last + timedelta(days=1)) - after, 0)
        if self.end_type == "count":
            count = min(count, self.recurring_count - self.period_count)
        return first, after, count

    def _due_period_count(self, today):
        """How many periods are due up to ``today``: computed, never counted one by one."""
        return self._due_periods(today)[2]

    def _due_period_dates(self, today, limit=None):
        """The period dates from ``date_next`` up to ``today`` that the end
        allows, the first ``limit`` of them when given: the work is bounded by
        what is asked, not by the distance from the start date."""
        first, after, count = self._due_periods(today)
        if limit is not None:
            count = min(count, limit)
        if count <= 0:
            return []
        return [first] + [self._period_date(after + offset) for offset in range(count - 1)]
