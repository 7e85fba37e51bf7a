# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon

REPORT = "invoice.workflow.status.time.report"
MEASURES = ["hours:avg", "median_hours:avg", "p90_hours:avg", "overdue_count:sum"]


class TimeReportCommon(WorkflowStatusCommon):
    def _at(self, moment, action):
        with freeze_time(moment):
            result = action()
            # The statuses computed from the accounting state are computed
            # (and their periods recorded) at flush: at this moment.
            self.env.flush_all()
            return result

    def _walk_two_invoices(self):
        """Invoice A: New 6 h, In progress 12 h, Sent 72 h (limit 48 h:
        overdue), Disputed 10 h, then Sent again. Invoice B: New 2 h,
        In progress 4 h, then Sent."""
        invoice_a = self._at("2026-03-02 08:00:00", self._draft_invoice)
        invoice_b = self._at("2026-03-02 08:00:00", self._draft_invoice)
        self._at("2026-03-02 10:00:00", invoice_b.action_post)
        self._at("2026-03-02 14:00:00", invoice_a.action_post)
        self._at("2026-03-02 14:00:00", lambda: invoice_b.action_set_workflow_status(self.status_sent))
        self._at("2026-03-03 02:00:00", lambda: invoice_a.action_set_workflow_status(self.status_sent))
        self._at(
            "2026-03-06 02:00:00",
            lambda: invoice_a.action_set_workflow_status(self.status_disputed, comment="Wrong price"),
        )
        self._at("2026-03-06 12:00:00", lambda: invoice_a.action_set_workflow_status(self.status_sent))
        return invoice_a | invoice_b


@tagged("post_install", "-at_install")
class TestWorkflowStatusTimeReport(TimeReportCommon):
    """The time-in-status report gives the durations a user computes by hand
    from the dates the documents changed status."""

    def _by_status(self, moves, env=None, domain=()):
        Report = (env or self.env)[REPORT]
        groups = Report.read_group([("move_id", "in", moves.ids), *domain], MEASURES, ["status_id"])
        return {
            self.env["invoice.workflow.status"].browse(group["status_id"][0]): (
                group["status_id_count"],
                round(group["hours"], 4),
                round(group["median_hours"], 4),
                round(group["p90_hours"], 4),
                group["overdue_count"],
            )
            for group in groups
        }

    def test_durations_match_the_hand_computed_ones(self):
        moves = self._walk_two_invoices()
        left = self._by_status(moves, domain=[("is_open", "=", False)])
        # percentile_cont interpolates: the 90th percentile of 2 and 6 is
        # 2 + 0.9 * (6 - 2) = 5.6; of 4 and 12 it is 4 + 0.9 * 8 = 11.2.
        self.assertEqual(
            left,
            {
                self.status_new: (2, 4.0, 4.0, 5.6, 0),
                self.status_in_progress: (2, 8.0, 8.0, 11.2, 0),
                self.status_sent: (1, 72.0, 72.0, 72.0, 1),
                self.status_disputed: (1, 10.0, 10.0, 10.0, 0),
            },
        )
        # Each document is still in its last status, counted up to now.
        still = self.env[REPORT].search([("move_id", "in", moves.ids), ("is_open", "=", True)])
        self.assertEqual(still.move_id, moves)
        self.assertEqual(still.status_id, self.status_sent)
        self.assertEqual(still.mapped("date_end"), [False, False])

    def test_lines_per_user_partner_and_month(self):
        moves = self._walk_two_invoices()
        line = self.env[REPORT].search(
            [("move_id", "=", moves[0].id), ("status_id", "=", self.status_disputed.id)]
        )
        self.assertEqual(line.user_id, self.env.user)
        self.assertEqual(line.partner_id, moves[0].commercial_partner_id)
        self.assertEqual(str(line.date_start), "2026-03-06 02:00:00")
        self.assertEqual(str(line.date_end), "2026-03-06 12:00:00")
        groups = self.env[REPORT].read_group(
            [("move_id", "in", moves.ids), ("is_open", "=", False)], ["hours:avg"], ["date_start:month"]
        )
        self.assertEqual([group["date_start_count"] for group in groups], [6])

    def test_periods_recorded_without_tracking(self):
        # The chatter's tracking is a client's to switch off; the periods are not.
        invoice = self._at("2026-03-02 08:00:00", self._draft_invoice)
        invoice = invoice.with_context(tracking_disable=True, mail_notrack=True)
        self._at("2026-03-02 09:30:00", invoice.action_post)
        self._at("2026-03-02 12:00:00", lambda: invoice.action_set_workflow_status(self.status_sent))
        left = self._by_status(invoice, domain=[("is_open", "=", False)])
        self.assertEqual(left[self.status_new][1], 1.5)
        self.assertEqual(left[self.status_in_progress][1], 2.5)

    def test_documents_in_hidden_statuses_do_not_show(self):
        moves = self._walk_two_invoices()
        sales_admin_group = self.env.ref("invoice_workflow_audit.group_profile_sales_admin")
        self.env.user.groups_id |= sales_admin_group
        self.status_disputed.group_ids = [Command.set(sales_admin_group.ids)]
        self._at(
            "2026-03-07 12:00:00",
            lambda: moves[1].action_set_workflow_status(self.status_disputed, comment="Hidden"),
        )
        invoice_user_env = self.env(user=self.invoice_user)
        seen = invoice_user_env[REPORT].search([("move_id", "in", moves.ids)])
        self.assertEqual(seen.move_id, moves[0], "the document in a hidden status is hidden")
        counts = [values[0] for values in self._by_status(moves, env=invoice_user_env).values()]
        self.assertEqual(sum(counts), 5, "the five stays of the visible document only")
        self.assertEqual(self.env[REPORT].search([("move_id", "in", moves.ids)]).move_id, moves)


@tagged("post_install", "-at_install")
class TestWorkflowStatusTimeReportTour(TimeReportCommon, AccountTestInvoicingHttpCommon):
    def test_invoicing_user_opens_the_report(self):
        self.status_disputed.name = "Tour Disputed"
        self._walk_two_invoices()
        self.start_tour(
            "/odoo/action-invoice_workflow_audit.action_invoice_workflow_status_time_report",
            "invoice_workflow_time_report_tour",
            login=self.invoice_user.login,
        )
