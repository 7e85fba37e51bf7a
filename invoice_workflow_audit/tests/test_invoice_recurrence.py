# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import importlib.util
import time
from datetime import date
from unittest.mock import patch

import psycopg2
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import file_path, mute_logger

from .common import RecurrenceCommon


@tagged("post_install", "-at_install")
class TestRecurrenceSchedule(RecurrenceCommon):
    """The scheduler generates each period once, in order, with the clock moved."""

    def test_cron_generates_missed_month_ends_in_order(self):
        self._enable_activity_log()
        recurrence = self._recurrence()
        with freeze_time("2026-05-10"):
            self.assertEqual(recurrence.backlog_count, 4, "the form warns: 4 documents at once")
        # The server was down from January to May: every missed period comes, oldest first.
        self._run_cron("2026-05-10")
        moves = recurrence.move_ids.sorted("recurrence_period_date")
        self.assertEqual(
            moves.mapped("invoice_date"),
            [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)],
            "counted from the start date: back to the 31st after February",
        )
        self.assertEqual(moves.mapped("date"), moves.mapped("invoice_date"))
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        self.assertEqual(set(moves.mapped("partner_id")), {self.partner_a})
        self.assertEqual(moves.mapped("amount_total"), [recurrence.template_move_id.amount_total] * 4)
        self.assertTrue(all(moves.mapped("is_recurring")))
        self.assertEqual(recurrence.period_count, 4)
        self.assertEqual(recurrence.date_next, date(2026, 5, 31))
        self.assertEqual(recurrence.move_count, 4)
        self.assertEqual(recurrence.state, "running")
        rows = self._log_rows(res_model="invoice.recurrence", action_type="recurring_document_created")
        self.assertEqual(len(rows), 4, "each generated period is logged")
        self.assertIn(moves[0].name, rows[0].description)
        self.assertEqual(
            len(recurrence.message_ids.filtered(lambda m: "Document created" in (m.body or ""))), 4
        )
        self.assertTrue(
            any(f"{recurrence.name}" in body for body in moves[0].message_ids.mapped("body")),
            "the document says which recurrence generated it",
        )

    def test_one_batch_for_healthy_recurrences(self):
        recurrences = self._recurrence(date_start="2026-03-01") | self._recurrence(date_start="2026-02-01")
        with freeze_time("2026-03-01"):
            moves = recurrences._generate_batch(fields.Date.today())
        self.assertEqual(len(moves), 3)
        self.assertEqual(moves.recurrence_id, recurrences)
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        self.assertEqual(recurrences.mapped("period_count"), [1, 2])
        self.assertEqual(recurrences.mapped("date_next"), [date(2026, 4, 1), date(2026, 4, 1)])

    def test_one_batch_across_companies(self):
        other = self.setup_other_company()["company"]
        self.env.user.company_ids |= other
        here = self._recurrence(date_start="2026-03-01")
        there_invoice = self.init_invoice(
            "out_invoice", amounts=[200.0], invoice_date="2026-02-01", post=True, company=other
        )
        there = self._recurrence(there_invoice, date_start="2026-03-01")
        self.assertEqual(there.company_id, other)
        self._run_cron("2026-03-01")
        self.assertEqual(here.move_ids.company_id, self.company)
        self.assertEqual((there.move_ids.company_id, there.move_ids.amount_untaxed), (other, 200.0))
        self.assertEqual(there.move_ids.journal_id, there_invoice.journal_id)

    def test_cron_twice_never_duplicates(self):
        recurrence = self._recurrence()
        self._run_cron("2026-03-01")
        self._run_cron("2026-03-01")
        self.assertEqual(self._dates(recurrence), [date(2026, 1, 31), date(2026, 2, 28)])
        self._run_cron("2026-03-31")
        self.assertEqual(len(recurrence.move_ids), 3)

    def test_database_refuses_a_second_document_for_a_period(self):
        recurrence = self._recurrence()
        self._run_cron("2026-02-01")
        move = recurrence.move_ids
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            # The generation's own path, the only one that writes these links.
            move._as_protected_writer().copy(
                {"recurrence_id": recurrence.id, "recurrence_period_date": move.recurrence_period_date}
            )
            self.env.flush_all()

    def test_leap_years(self):
        base = self._base_invoice("2028-02-29")
        monthly = self._recurrence(base, date_start="2028-01-31")
        yearly = self._recurrence(
            self._base_invoice("2028-02-29"), interval_type="year", date_start="2028-02-29"
        )
        self._run_cron("2033-03-01")
        self.assertEqual(self._dates(monthly)[:3], [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)])
        self.assertEqual(
            self._dates(yearly),
            [
                date(2028, 2, 29),
                date(2029, 2, 28),
                date(2030, 2, 28),
                date(2031, 2, 28),
                date(2032, 2, 29),
                date(2033, 2, 28),
            ],
        )

    def test_days_and_weeks(self):
        every_ten_days = self._recurrence(interval_type="day", interval_number=10, date_start="2026-02-25")
        every_two_weeks = self._recurrence(interval_type="week", interval_number=2, date_start="2026-03-02")
        self._run_cron("2026-03-31")
        self.assertEqual(
            self._dates(every_ten_days),
            [date(2026, 2, 25), date(2026, 3, 7), date(2026, 3, 17), date(2026, 3, 27)],
        )
        self.assertEqual(
            self._dates(every_two_weeks), [date(2026, 3, 2), date(2026, 3, 16), date(2026, 3, 30)]
        )
        self.assertEqual(every_two_weeks.date_next, date(2026, 4, 13))

    def test_ends_after_count(self):
        self._enable_activity_log()
        recurrence = self._recurrence(end_type="count", recurring_count=2)
        self._run_cron("2026-06-01")
        self.assertEqual(self._dates(recurrence), [date(2026, 1, 31), date(2026, 2, 28)])
        self.assertEqual(recurrence.state, "ended")
        self.assertEqual(len(self._log_rows(res_id=recurrence.id, action_type="recurrence_ended")), 1)
        self._run_cron("2026-12-01")
        self.assertEqual(len(recurrence.move_ids), 2)

    def test_ends_on_date(self):
        recurrence = self._recurrence(end_type="date", date_end="2026-03-30")
        self._run_cron("2026-12-01")
        self.assertEqual(self._dates(recurrence), [date(2026, 1, 31), date(2026, 2, 28)])
        self.assertEqual(recurrence.state, "ended")

    def test_not_due_yet_generates_nothing(self):
        recurrence = self._recurrence(date_start="2026-06-15")
        self._run_cron("2026-06-14")
        self.assertFalse(recurrence.move_ids)
        self.assertEqual(recurrence.date_next, date(2026, 6, 15))

    def test_due_dates_follow_payment_terms(self):
        term_30 = self.env.ref("account.account_payment_term_30days")
        with_terms = self._base_invoice(post=False)
        with_terms.invoice_payment_term_id = term_30
        with_terms.action_post()
        without_terms = self._base_invoice(post=False)
        without_terms.write({"invoice_payment_term_id": False, "invoice_date_due": "2026-02-10"})
        without_terms.action_post()
        by_terms = self._recurrence(with_terms, date_start="2026-03-01")
        by_delay = self._recurrence(without_terms, date_start="2026-03-01")
        self._run_cron("2026-03-01")
        self.assertEqual(by_terms.move_ids.invoice_date_due, date(2026, 3, 31))
        self.assertEqual(
            by_delay.move_ids.invoice_date_due, date(2026, 3, 11), "same 10-day delay as the base"
        )
        # What aged receivables, reminders and the portal read: the receivable lines.
        self.assertEqual(self._installments(by_terms.move_ids), [date(2026, 3, 31)])
        self.assertEqual(self._installments(by_delay.move_ids), [date(2026, 3, 11)])

    def test_draft_when_not_posted_automatically(self):
        recurrence = self._recurrence(post_generated=False, date_start="2026-03-01")
        self._run_cron("2026-03-01")
        self.assertEqual(recurrence.move_ids.state, "draft")
        self.assertEqual(recurrence.move_ids.invoice_date, date(2026, 3, 1))

    def test_vendor_bills_recur(self):
        bill = self._base_invoice(move_type="in_invoice")
        recurrence = self._recurrence(bill, date_start="2026-03-01")
        self.assertEqual(recurrence.move_type, "in_invoice")
        self._run_cron("2026-03-01")
        self.assertEqual(recurrence.move_ids.move_type, "in_invoice")
        self.assertEqual(recurrence.move_ids.state, "posted")

    def test_auto_send_mails_the_partner_and_logs(self):
        self._enable_activity_log()
        recurrence = self._recurrence(auto_send=True, date_start="2026-03-01")
        self._run_cron("2026-03-01")
        move = recurrence.move_ids
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.audit_send_count, 1)
        self.assertIn(self.partner_a, move.message_ids.partner_ids)
        sent = self._log_rows(res_id=recurrence.id, action_type="recurring_document_sent")
        self.assertEqual(len(sent), 1)
        self.assertIn("partner_a@example.com", sent.description)
        self.assertEqual(len(self._log_rows(res_id=move.id, action_type="document_sent")), 1)

    def test_deleted_document_leaves_the_list_not_the_count(self):
        recurrence = self._recurrence(post_generated=False)
        self._run_cron("2026-03-01")
        first = recurrence.move_ids.sorted("recurrence_period_date")[0]
        first.unlink()
        self.assertEqual(self._dates(recurrence), [date(2026, 2, 28)])
        self.assertEqual(recurrence.period_count, 2)
        self._run_cron("2026-03-01")
        self.assertEqual(len(recurrence.move_ids), 1, "a deleted period is not generated again")

    def test_scheduled_action_generates_due_documents(self):
        recurrence = self._recurrence(date_start="2026-03-01")
        self.assertEqual(self.cron.model_id.model, "invoice.recurrence")
        with freeze_time("2026-03-01"):
            self.cron.method_direct_trigger()
        self.assertEqual(len(recurrence.move_ids), 1)

    def test_cron_reports_progress_in_batches(self):
        recurrences = self._recurrence() | self._recurrence() | self._recurrence()
        progress = self.cron._add_progress()[1]
        Recurrence = self.env["invoice.recurrence"].with_context(ir_cron_progress_id=progress.id)
        with freeze_time("2026-02-01"):
            done = Recurrence._cron_generate_recurring_documents(batch_size=2)
        self.assertEqual(done, 2)
        self.assertEqual((progress.done, progress.remaining), (2, 1), "the cron runs again at once")
        self.assertEqual(len(recurrences.move_ids), 2)
        with freeze_time("2026-02-01"):
            self.env["invoice.recurrence"]._cron_generate_recurring_documents(batch_size=2)
        self.assertEqual(len(recurrences.move_ids), 3)


@tagged("post_install", "-at_install")
class TestRecurrenceFailure(RecurrenceCommon):
    """A failing period stops its recurrence, visibly, and only its recurrence."""

    def _assert_stopped(self, recurrence, cause, missing):
        self.assertEqual(recurrence.state, "stopped")
        self.assertEqual(recurrence.error_message, cause)
        self.assertTrue(recurrence.date_stopped)
        self.assertEqual(recurrence.missing_count, missing)

    def test_archived_product_stops_only_its_recurrence(self):
        self._enable_activity_log()
        other_product = self.env["product.product"].create({"name": "Hosting", "lst_price": 50.0})
        failing = self._recurrence(self._base_invoice(post=False))
        failing.template_move_id.invoice_line_ids.product_id = other_product
        healthy = self._recurrence()
        other_product.action_archive()
        with freeze_time("2026-03-10"):
            self._run_cron("2026-03-10")
            self._assert_stopped(failing, "The product Hosting is archived.", 2)
        self.assertFalse(failing.move_ids)
        self.assertEqual(len(healthy.move_ids), 2, "the other recurrence went on")
        # The people who manage invoicing are told.
        activity = failing.activity_ids
        self.assertEqual(activity.user_id, self.env.user)
        self.assertEqual(
            activity.activity_type_id, self.env.ref("invoice_workflow_audit.mail_activity_recurrence_stopped")
        )
        journal = failing.template_move_id.journal_id
        self.assertEqual(journal.stopped_recurrence_count, 1)
        action = journal.action_open_stopped_recurrences()
        self.assertEqual(self.env["invoice.recurrence"].search(action["domain"]), failing)
        stopped = self._log_rows(res_id=failing.id, action_type="recurrence_stopped")
        self.assertEqual(len(stopped), 1)
        self.assertIn("Hosting", stopped.description)
        self.assertIn("01/31/2026", stopped.description)
        self.assertIn("02/28/2026", stopped.description)
        self.assertIn(failing, self.env["invoice.recurrence"].search([("state", "=", "stopped")]))
        self._run_cron("2026-04-10")
        self.assertFalse(failing.move_ids, "a stopped recurrence waits for a decision")

    def test_deleted_base_document(self):
        recurrence = self._recurrence(self._base_invoice(post=False))
        partner = recurrence.partner_id
        recurrence.template_move_id.unlink()
        self.assertEqual(recurrence.partner_id, partner, "still says whom it was for")
        with freeze_time("2026-02-01"):
            self._run_cron("2026-02-01")
            self._assert_stopped(recurrence, "The base document was deleted.", 1)

    def test_partner_without_email_when_sending(self):
        self.partner_a.email = False
        recurrence = self._recurrence(auto_send=True, date_start="2026-03-01")
        with freeze_time("2026-03-01"):
            self._run_cron("2026-03-01")
            self._assert_stopped(recurrence, "No e-mail address for partner partner_a.", 1)
        self.assertFalse(recurrence.move_ids, "nothing half-done: no unsent posted invoice")

    def test_archived_partner(self):
        recurrence = self._recurrence(date_start="2026-03-01")
        self.partner_a.action_archive()
        self._run_cron("2026-03-01")
        self.assertEqual(recurrence.error_message, "The partner partner_a is archived.")

    def test_posting_error_is_the_cause(self):
        recurrence = self._recurrence(date_start="2026-03-01")
        # Posting refuses a deprecated account: Odoo's own message is the cause.
        recurrence.template_move_id.invoice_line_ids.account_id.deprecated = True
        self._run_cron("2026-03-01")
        self.assertEqual(recurrence.state, "stopped")
        self.assertRegex(recurrence.error_message, r"The account .* is deprecated\.")
        self.assertFalse(recurrence.move_ids)

    def test_failure_after_generated_periods_keeps_them(self):
        recurrence = self._recurrence(post_generated=False)
        self._run_cron("2026-02-01")
        self.product_a.action_archive()
        with freeze_time("2026-04-01"):
            self._run_cron("2026-04-01")
            self._assert_stopped(recurrence, "The product product_a is archived.", 2)
        self.assertEqual(self._dates(recurrence), [date(2026, 1, 31)])
        self.assertEqual(recurrence.missing_dates, "02/28/2026, 03/31/2026")


@tagged("post_install", "-at_install")
class TestRecurrenceBatch(RecurrenceCommon):
    """The scheduler's batches: which recurrences it takes, what each gets, and
    a failure in a batch stopping only its recurrence."""

    def test_due_recurrences_domain_is_the_cron_choice(self):
        """Another module narrows the scheduler's choice by extending the hook."""
        other_partner = self.env["res.partner"].create({"name": "Paused Customer"})
        kept = self._recurrence(date_start="2026-03-01")
        paused = self._recurrence(self._base_invoice(partner=other_partner), date_start="2026-03-01")
        stopped = self._recurrence(date_start="2026-03-01")
        stopped._stop("Paused for the test.")
        Recurrence = self.env["invoice.recurrence"]
        with freeze_time("2026-03-01"):
            due = Recurrence.search(Recurrence._get_due_recurrences_domain())
        self.assertTrue(kept | paused <= due)
        self.assertNotIn(stopped, due, "only running recurrences are due")
        default_domain = type(Recurrence)._get_due_recurrences_domain

        def narrowed(recurrence, date_ref=None):
            return [*default_domain(recurrence, date_ref), ("partner_id", "!=", other_partner.id)]

        with patch.object(type(Recurrence), "_get_due_recurrences_domain", narrowed):
            self._run_cron("2026-03-01")
        self.assertEqual(len(kept.move_ids), 1)
        self.assertFalse(paused.move_ids, "left out by the extended domain")
        self.assertFalse(stopped.move_ids)
        self._run_cron("2026-03-01")
        self.assertEqual(len(paused.move_ids), 1, "the default domain takes it")

    def test_one_batch_moves_each_schedule_its_own_way(self):
        self._enable_activity_log()
        monthly = self._recurrence()  # from 01/31: 4 periods due on 05/10
        weekly = self._recurrence(interval_type="week", date_start="2026-04-27")  # 04/27, 05/04
        yearly = self._recurrence(interval_type="year", date_start="2026-05-10")  # 05/10
        counted = self._recurrence(date_start="2026-04-10", end_type="count", recurring_count=2)
        earlier = self._recurrence(date_start="2026-04-10")
        # Their first period came in an earlier run.
        (counted | earlier)._generate_batch(date(2026, 4, 10))
        self.assertEqual((counted | earlier).mapped("period_count"), [1, 1])
        recurrences = monthly | weekly | yearly | counted | earlier
        with freeze_time("2026-05-10"):
            moves = recurrences._generate_batch(fields.Date.today())
        self.assertEqual(len(moves), 4 + 2 + 1 + 1 + 1)
        self.assertEqual(
            [(r.period_count, r.date_next, r.state) for r in recurrences],
            [
                (4, date(2026, 5, 31), "running"),
                (2, date(2026, 5, 11), "running"),
                (1, date(2027, 5, 10), "running"),
                (2, date(2026, 6, 10), "ended"),
                (2, date(2026, 6, 10), "running"),
            ],
        )
        self.assertEqual(self._dates(weekly), [date(2026, 4, 27), date(2026, 5, 4)])
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        # Each document says it was generated, once, and so does its recurrence.
        for move in moves:
            notes = move.message_ids.filtered(lambda m: "Generated by the recurrence" in (m.body or ""))
            self.assertEqual(len(notes), 1)
            self.assertIn(move.recurrence_id.name, notes.body)
            self.assertIn(f'data-oe-id="{move.recurrence_id.id}"', notes.body, "a link to the recurrence")
            self.assertNotIn("&lt;a", notes.body)
        rows = self._log_rows(res_model="invoice.recurrence", action_type="recurring_document_created")
        self.assertEqual(
            sorted((row.res_id, row.description) for row in rows if row.res_id == monthly.id),
            sorted(
                (monthly.id, f"{move.name} for the period of {move.invoice_date.strftime('%m/%d/%Y')}")
                for move in monthly.move_ids
            ),
            "one row per document, each with its own detail",
        )
        created = monthly.message_ids.filtered(lambda m: "Document created" in (m.body or ""))
        self.assertEqual(len(created), 4)
        self.assertEqual(len(self._log_rows(moves[0], action_type="document_created")), 1)

    def test_failing_period_in_a_batch_stops_only_its_recurrence(self):
        """The batch falls back to one period at a time: the periods before the
        failing one are kept, the other recurrences of the batch go on."""
        self._enable_activity_log()
        failing = self._recurrence()
        healthy = self._recurrence()
        # A document already stands for the failing recurrence's second period.
        failing.template_move_id._as_protected_writer().copy(
            {"recurrence_id": failing.id, "recurrence_period_date": date(2026, 2, 28)}
        )
        with freeze_time("2026-04-10"), mute_logger("odoo.sql_db"):
            (failing | healthy)._generate_batch(fields.Date.today())
        self.assertEqual(failing.state, "stopped")
        self.assertEqual(failing.error_message, "A document already exists for the period of 02/28/2026.")
        self.assertEqual((failing.period_count, failing.date_next), (1, date(2026, 2, 28)))
        generated = failing.move_ids.filtered("invoice_date")
        self.assertEqual(generated.mapped("invoice_date"), [date(2026, 1, 31)], "the period before is kept")
        self.assertEqual(generated.state, "posted")
        self.assertEqual(len(failing.activity_ids), 1)
        self.assertEqual(len(self._log_rows(failing, action_type="recurrence_stopped")), 1)
        self.assertEqual(len(self._log_rows(failing, action_type="recurring_document_created")), 1)
        self.assertEqual(healthy.state, "running")
        self.assertEqual(self._dates(healthy), [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)])
        self.assertEqual((healthy.period_count, healthy.date_next), (3, date(2026, 4, 30)))
        self.assertEqual(len(self._log_rows(healthy, action_type="recurring_document_created")), 3)


@tagged("post_install", "-at_install")
class TestRecurrenceSchedulerLimits(RecurrenceCommon):
    """The scheduler never stalls: a long backlog is caught up over several
    calls, and "today" is the company's."""

    def test_a_long_backlog_is_generated_over_several_calls(self):
        recurrence = self._recurrence(interval_type="day", date_start="2026-01-01")
        Recurrence = self.env["invoice.recurrence"]
        with freeze_time("2026-01-30"):
            Recurrence._cron_generate_recurring_documents(max_periods=10)
            self.assertEqual(len(recurrence.move_ids), 10, "capped per transaction")
            self.assertEqual(recurrence.date_next, date(2026, 1, 11))
            self.assertEqual(recurrence.state, "running")
            # Reported as remaining: the cron runner calls again at once.
            calls = 1
            while recurrence.date_next <= date(2026, 1, 30):
                Recurrence._cron_generate_recurring_documents(max_periods=10)
                calls += 1
        self.assertEqual(calls, 3)
        self.assertEqual(len(recurrence.move_ids), 30)
        self.assertEqual(len(set(recurrence.move_ids.mapped("invoice_date"))), 30, "no period twice")

    def test_today_is_the_companys_today(self):
        self.company.partner_id.tz = "Pacific/Auckland"
        recurrence = self._recurrence(date_start="2026-02-01")
        # 2026-01-31 20:00 UTC is already February 1st in Auckland.
        with freeze_time("2026-01-31 20:00:00"):
            self.env["invoice.recurrence"]._cron_generate_recurring_documents()
        self.assertEqual(recurrence.move_ids.mapped("invoice_date"), [date(2026, 2, 1)])


@tagged("post_install", "-at_install")
class TestRecurrenceDueDates(RecurrenceCommon):
    """Every generated document falls due as its payment terms say, on its
    receivable/payable lines too, and the documents generated before the fix
    are corrected by the upgrade, each correction in the history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 30% at once, the balance at 60 days: two installments.
        cls.term_advance = cls.env.ref("account.account_payment_term_advance_60days")

    def _base_with_terms(self, term):
        base = self._base_invoice(post=False)
        base.invoice_payment_term_id = term
        base.action_post()
        return base

    def test_each_installment_falls_due_from_the_period(self):
        recurrence = self._recurrence(self._base_with_terms(self.term_advance), date_start="2026-03-01")
        self.assertEqual(
            self._installments(recurrence.template_move_id), [date(2026, 1, 31), date(2026, 4, 1)]
        )
        self._run_cron("2026-04-01")
        for move in recurrence.move_ids:
            day = move.invoice_date
            self.assertEqual(self._installments(move), [day, day + relativedelta(days=60)], move.name)
            self.assertEqual(move.invoice_date_due, day + relativedelta(days=60))
            receivable = move.line_ids.filtered(lambda line: line.display_type == "payment_term")
            self.assertEqual(sum(receivable.mapped("balance")), move.amount_total)

    def test_drafts_fall_due_as_their_terms_say(self):
        term_30 = self.env.ref("account.account_payment_term_30days")
        recurrence = self._recurrence(
            self._base_with_terms(term_30), date_start="2026-03-01", post_generated=False
        )
        self._run_cron("2026-03-01")
        self.assertEqual(recurrence.move_ids.state, "draft")
        self.assertEqual(self._installments(recurrence.move_ids), [date(2026, 3, 31)])
        recurrence.move_ids.action_post()
        self.assertEqual(self._installments(recurrence.move_ids), [date(2026, 3, 31)])

    def _as_generated_before_the_fix(self, move):
        """Give ``move`` the due dates the generation copied before 18.0.1.2.0."""
        base = move.recurrence_id.template_move_id
        copied = self._installments(base)
        lines = move.line_ids.filtered(lambda line: line.display_type == "payment_term").sorted(
            "date_maturity"
        )
        for line, day in zip(lines, copied, strict=True):
            line.date_maturity = day
        self.env.flush_all()

    def _migrate(self):
        path = file_path("invoice_workflow_audit/migrations/18.0.1.2.0/post-recurrence_due_dates.py")
        spec = importlib.util.spec_from_file_location("post_recurrence_due_dates", path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        script.migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()

    def test_upgrade_corrects_the_documents_generated_before(self):
        self._enable_activity_log()
        term_30 = self.env.ref("account.account_payment_term_30days")
        posted = self._recurrence(self._base_with_terms(self.term_advance), date_start="2026-03-01")
        drafts = self._recurrence(
            self._base_with_terms(term_30), date_start="2026-03-01", post_generated=False
        )
        without_terms = self._base_invoice(post=False)
        without_terms.write({"invoice_payment_term_id": False, "invoice_date_due": "2026-02-10"})
        without_terms.action_post()
        by_delay = self._recurrence(without_terms, date_start="2026-03-01")
        self._run_cron("2026-04-01")
        documents = (posted | drafts | by_delay).move_ids
        for move in documents:
            self._as_generated_before_the_fix(move)
        # A due date a user set by hand since is theirs: left alone.
        by_hand = drafts.move_ids.sorted("invoice_date")[-1]
        by_hand.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        ).date_maturity = "2026-06-15"
        self.assertEqual(self._installments(posted.move_ids[0]), [date(2026, 1, 31), date(2026, 4, 1)])

        self._migrate()

        delays = {posted: [0, 60], drafts: [30], by_delay: [10]}
        for move in documents - by_hand:
            self.assertEqual(
                self._installments(move),
                [move.invoice_date + relativedelta(days=days) for days in delays[move.recurrence_id]],
                move.name,
            )
        self.assertEqual(self._installments(by_hand), [date(2026, 6, 15)])
        self.assertEqual(set(posted.move_ids.mapped("state")), {"posted"})
        self.assertEqual(set(drafts.move_ids.mapped("state")), {"draft"})
        march = posted.move_ids.filtered(lambda move: move.invoice_date == date(2026, 3, 1))
        rows = self._log_rows(march, action_type="document_modified")
        self.assertEqual(len(rows), 1, "one history row per corrected document")
        self.assertIn("01/31/2026 → 03/01/2026", rows.description)
        self.assertIn("04/01/2026 → 04/30/2026", rows.description)
        self.assertIn(posted.name, rows.description)
        self.assertFalse(self._log_rows(by_hand, action_type="document_modified"))
        self.assertIn("Due date corrected", march.message_ids[0].body)
        # Run twice (a second upgrade): nothing left to correct.
        count = len(self._log_rows(action_type="document_modified"))
        self._migrate()
        self.assertEqual(len(self._log_rows(action_type="document_modified")), count)


@tagged("post_install", "-at_install")
class TestRecurrenceFairScheduler(RecurrenceCommon):
    """Every due recurrence gets its share of each call, in rotation; the cron
    calls again at once while work is left; a start date long past is
    confirmed, one before 1900 refused, and the schedule's arithmetic is
    bounded whatever the start date."""

    def _run_job(self):
        """One run of the scheduled action as Odoo's cron worker runs it:
        calls until the work is done (10 at most), a commit after each, then
        the next call rescheduled (ir.cron._process_job)."""
        self.env.flush_all()
        self.registry.enter_test_mode(self.cr)
        try:
            self.registry["ir.cron"]._process_job(
                self.registry.db_name,
                self.registry.cursor(),
                {**self.cron.read(load=None)[0], "done": 0, "remaining": 0, "timed_out_counter": 0},
            )
        finally:
            self.registry.leave_test_mode()
        self.env.invalidate_all()

    @freeze_time("2000-04-01 08:00:00")
    def test_an_old_daily_backlog_does_not_starve_a_monthly_recurrence(self):
        # An administrator caps each call at 4 documents (Odoo's runner makes
        # 10 calls per run): the daily backlog needs several runs.
        self.cron.write({"code": "model._cron_generate_recurring_documents(max_periods=4)"})
        self.cron.nextcall = "2000-04-01 05:00:00"
        daily = self._recurrence(
            self._base_invoice("2000-01-01"), interval_type="day", date_start="2000-01-01"
        )
        monthly = self._recurrence(self._base_invoice("2000-03-01"), date_start="2000-04-01")
        self._run_job()
        # Same run, first call: the monthly one got its share beside the daily one.
        self.assertEqual(monthly.move_ids.mapped("invoice_date"), [date(2000, 4, 1)])
        self.assertEqual(monthly.date_next, date(2000, 5, 1))
        progress = self.env["ir.cron.progress"].search([("cron_id", "=", self.cron.id)], order="id")
        self.assertEqual(len(progress), 10, "the runner called again at once, 10 times")
        self.assertEqual(progress[0].done, 3, "2 daily documents and the monthly one")
        self.assertEqual(progress[0].remaining, 93 - 3)
        self.assertEqual(len(daily.move_ids), 2 + 9 * 4)
        # Work is left: the cron stays due (its next call is still this
        # morning's, past): the runner calls it again as soon as it is free.
        self.assertEqual(self.cron.nextcall, fields.Datetime.to_datetime("2000-04-01 05:00:00"))
        self._run_job()
        self._run_job()
        self.assertEqual(len(daily.move_ids), 92, "1 January to 1 April, each day once")
        self.assertEqual(len(set(daily.move_ids.mapped("invoice_date"))), 92)
        # Done: the next run is tomorrow's.
        self.assertEqual(self.cron.nextcall, fields.Datetime.to_datetime("2000-04-02 05:00:00"))
        self.assertFalse(self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]))

    def test_each_call_serves_the_recurrences_in_rotation(self):
        first, second, third = (
            self._recurrence(interval_type="day", date_start="2026-01-01") for _i in range(3)
        )
        Recurrence = self.env["invoice.recurrence"]
        served = []
        for minute in range(4):
            with freeze_time(f"2026-01-10 08:0{minute}:00"):
                moves = Recurrence._cron_generate_recurring_documents(batch_size=1, max_periods=3)
            self.assertEqual(moves, 3)
            served.append(next(r for r in (first, second, third) if r.date_last_served.minute == minute))
        # The one served longest ago comes next: nobody waits for another's backlog.
        self.assertEqual(served, [first, second, third, first])
        self.assertEqual([len(r.move_ids) for r in (first, second, third)], [6, 3, 3])

    def test_progress_counts_documents_done_and_left(self):
        self._recurrence(interval_type="day", date_start="2026-01-01")
        self._recurrence(date_start="2026-01-10")
        progress = self.cron._add_progress()[1]
        Recurrence = self.env["invoice.recurrence"].with_context(ir_cron_progress_id=progress.id)
        with freeze_time("2026-01-10"):
            # Two recurrences, 6 documents: 3 each at most (the monthly one has 1).
            self.assertEqual(Recurrence._cron_generate_recurring_documents(max_periods=6), 4)
        self.assertEqual((progress.done, progress.remaining), (4, 7), "11 documents due, 4 generated")

    def test_a_start_date_long_past_is_confirmed(self):
        with self.assertRaisesRegex(UserError, "more than a year ago"):
            self._recurrence(interval_type="day", date_start="2000-01-01")
        recurrence = self._recurrence(date_start="2000-01-01", confirm_past_start=True)
        self.assertTrue(recurrence.past_start)
        with self.assertRaisesRegex(UserError, "more than a year ago"):
            recurrence.date_start = "1999-01-01"
        recurrence.write({"date_start": "2026-01-01"})
        self.assertEqual(recurrence.date_next, date(2026, 1, 1))
        # The form asks: the confirmation box appears with the date.
        with Form(self.env["invoice.recurrence"]) as form:
            form.template_move_id = self._base_invoice()
            form.date_start = date(2020, 5, 1)
            self.assertTrue(form.past_start)
            form.confirm_past_start = True
        self.assertEqual(form.record.date_next, date(2020, 5, 1))

    def test_a_start_date_before_1900_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "cannot be before 01/01/1900"):
            self._recurrence(interval_type="day", date_start="0001-01-01", confirm_past_start=True)
        recurrence = self._recurrence()
        with self.assertRaises(ValidationError) as refused:
            recurrence.write({"date_start": "0001-01-01", "confirm_past_start": True})
        self.assertIn("cannot be before 01/01/1900", str(refused.exception))
        self.assertEqual(recurrence.date_start, date(2026, 1, 31))

    def test_schedule_arithmetic_is_bounded(self):
        recurrence = self._recurrence(
            self._base_invoice("1900-01-01"),
            interval_type="day",
            date_start="1900-01-01",
            confirm_past_start=True,
        )
        today = date(2026, 12, 4)
        with freeze_time(today):
            started = time.monotonic()
            self.assertEqual(recurrence.backlog_count, (today - date(1900, 1, 1)).days + 1)
            self.assertEqual(len(recurrence._due_period_dates(today, limit=5)), 5)
            self.assertEqual(recurrence._next_period_date(today), date(2026, 12, 5))
            self.assertLess(time.monotonic() - started, 1.0, "computed, not counted day by day")
            self.env["invoice.recurrence"]._cron_generate_recurring_documents(max_periods=5)
        self.assertEqual(len(recurrence.move_ids), 5)
        self.assertEqual(recurrence.date_next, date(1900, 1, 6))


@tagged("post_install", "-at_install")
class TestRecurrenceProrated(RecurrenceCommon):
    """A service that starts or ends inside a period is billed for the days served."""

    def _support_base(self, price=310.0, taxes=None):
        base = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_a.id,
                "invoice_date": "2026-12-01",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Support",
                            "quantity": 1,
                            "price_unit": price,
                            "tax_ids": [Command.set((taxes or self.env["account.tax"]).ids)],
                        }
                    )
                ],
            }
        )
        base.action_post()
        return base

    def test_first_period_prorated_by_days_to_the_cent(self):
        recurrence = self._recurrence(
            self._support_base(), date_start="2027-01-01", service_date_start="2027-01-16"
        )
        self._run_cron("2027-02-01")
        first, second = recurrence.move_ids.sorted("invoice_date")
        self.assertEqual(first.amount_untaxed, 160.00, "310.00 x 16/31")
        self.assertEqual(first.amount_total, 160.00)
        self.assertEqual(first.invoice_line_ids.name, "Support\n1\N{EN DASH}31 Jan 2027 prorated 16/31")
        self.assertEqual(second.amount_untaxed, 310.00, "the next periods are whole")
        self.assertEqual(second.invoice_line_ids.name, "Support")
        self.assertEqual(
            first.line_ids.filtered(lambda line: line.display_type == "payment_term").balance, 160.00
        )

    def test_taxes_follow_the_prorated_price(self):
        recurrence = self._recurrence(
            self._support_base(taxes=self.company_data["default_tax_sale"]),
            date_start="2027-01-01",
            service_date_start="2027-01-16",
        )
        self._run_cron("2027-01-01")
        move = recurrence.move_ids
        rate = self.company_data["default_tax_sale"].amount / 100
        self.assertEqual(move.amount_untaxed, 160.00)
        self.assertAlmostEqual(move.amount_tax, round(160.00 * rate, 2))
        self.assertEqual(move.amount_residual, move.amount_total)

    def test_thirty_day_basis(self):
        recurrence = self._recurrence(
            self._support_base(),
            date_start="2027-01-01",
            service_date_start="2027-01-16",
            prorate_basis="thirty",
        )
        self._run_cron("2027-01-01")
        self.assertEqual(recurrence.move_ids.amount_untaxed, 155.00, "310.00 x 15/30")
        self.assertIn("prorated 15/30", recurrence.move_ids.invoice_line_ids.name)

    def test_last_period_prorated_to_the_end_date(self):
        recurrence = self._recurrence(
            self._support_base(), date_start="2027-01-01", end_type="date", date_end="2027-03-10"
        )
        self._run_cron("2027-06-01")
        moves = recurrence.move_ids.sorted("invoice_date")
        self.assertEqual(moves.mapped("amount_untaxed"), [310.00, 310.00, 100.00], "March: 10/31")
        self.assertIn("1\N{EN DASH}31 Mar 2027 prorated 10/31", moves[-1].invoice_line_ids.name)
        self.assertEqual(recurrence.state, "ended")

    def test_service_start_after_the_first_period_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "after its first period"):
            self._recurrence(date_start="2027-01-01", service_date_start="2027-02-01")


@tagged("post_install", "-at_install")
class TestRecurrencePriceRevision(RecurrenceCommon):
    """Yearly price revision on an index: P1 = P0 x (a + (1 - a) x S / S0)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.syntec = cls.env["invoice.recurrence.index"].create({"name": "SYNTEC"})

    def _revised_recurrence(self, post=True, **revision):
        base = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_a.id,
                "invoice_date": "2026-09-01",
                "invoice_line_ids": [
                    Command.create({"name": "Consulting", "quantity": 1, "price_unit": 1000.0, "tax_ids": []})
                ],
            }
        )
        if post:
            base.action_post()
        return self._recurrence(
            base,
            date_start="2026-10-01",
            post_generated=post,
            revision_index_id=self.syntec.id,
            revision_month=1,
            revision_lag_months=4,
            **({"revision_base_value": 250.0, "revision_fixed_part": 0.15} | revision),
        )

    def _index_values(self, values):
        self.env["invoice.recurrence.index.value"].create(
            [{"index_id": self.syntec.id, "date": month, "value": value} for month, value in values.items()]
        )

    def test_worked_example_to_the_cent(self):
        self._enable_activity_log()
        self.env["invoice.recurrence.index.value"].create(
            {"index_id": self.syntec.id, "date": "2026-09-01", "value": 260.0}
        )
        recurrence = self._revised_recurrence()
        self._run_cron("2027-01-01")
        moves = recurrence.move_ids.sorted("invoice_date")
        self.assertEqual(moves.mapped("amount_untaxed"), [1000.00, 1000.00, 1000.00, 1034.00])
        revision = recurrence.revision_ids
        self.assertEqual(len(revision), 1)
        self.assertEqual(revision.date, date(2027, 1, 1))
        self.assertEqual((revision.old_amount_untaxed, revision.new_amount_untaxed), (1000.00, 1034.00))
        self.assertEqual((revision.index_value, revision.base_value), (260.0, 250.0))
        self.assertIn("P1 = P0 × (0.15 + 0.85 × S / S0)", revision.description)  # noqa: RUF001
        self.assertIn("SYNTEC 2026-09 = 260.0", revision.description)
        rows = self._log_rows(recurrence, action_type="recurrence_price_revised")
        self.assertEqual(len(rows), 1)
        self.assertIn("1,034.00", rows.description)
        self.assertTrue(
            any("Price revised" in (body or "") for body in recurrence.message_ids.mapped("body"))
        )
        self.assertEqual(
            recurrence.template_move_id.amount_untaxed, 1000.00, "a posted base keeps its prices"
        )

    def test_rounding_to_whole_units(self):
        """S / S0 = 261.3 / 250 gives 1,038.42 to the cent; a contract that
        rounds revised prices to whole units invoices 1,038.00."""
        self._index_values({"2026-09-01": 261.3})
        to_the_cent = self._revised_recurrence()
        whole_units = self._revised_recurrence(revision_rounding=1.0)
        self._run_cron("2027-01-01")
        january = date(2027, 1, 1)
        for recurrence, expected in ((to_the_cent, 1038.42), (whole_units, 1038.00)):
            move = recurrence.move_ids.filtered(lambda move, day=january: move.invoice_date == day)
            self.assertEqual(move.amount_untaxed, expected)
            self.assertEqual(recurrence.revision_ids.new_amount_untaxed, expected)
        self.assertIn("rounded to a multiple of 1.0", whole_units.revision_ids.description)

    def test_base_month_instead_of_base_value(self):
        """S0 read from the index at the base month: the worked example again,
        and a missing base value stops the recurrence with that cause."""
        recurrence = self._revised_recurrence(revision_base_value=0.0, revision_base_date="2026-01-01")
        self._index_values({"2026-09-01": 260.0})
        self._run_cron("2027-01-10")
        self.assertEqual(recurrence.state, "stopped")
        self.assertEqual(recurrence.error_message, "SYNTEC value for 2026-01 is missing.")
        self._index_values({"2026-01-01": 250.0})
        with freeze_time("2027-01-10"):
            recurrence.action_reactivate_create_missing()
        self.assertEqual(recurrence.state, "running")
        moves = recurrence.move_ids.sorted("invoice_date")
        self.assertEqual(moves.mapped("amount_untaxed"), [1000.00, 1000.00, 1000.00, 1034.00])
        revision = recurrence.revision_ids
        self.assertEqual((revision.index_value, revision.base_value), (260.0, 250.0))
        self.assertIn("S0 = SYNTEC 2026-01 = 250.0", revision.description)

    def test_one_base_for_s0_and_a_positive_rounding(self):
        recurrence = self._revised_recurrence()
        with self.assertRaises(ValidationError):
            recurrence.revision_base_date = "2026-01-01"  # both a value and a month
        with self.assertRaises(ValidationError):
            recurrence.revision_base_value = 0.0  # neither
        with self.assertRaises(ValidationError):
            recurrence.revision_rounding = -1.0
        self.assertEqual(recurrence.revision_base_value, 250.0)

    def test_revised_once_when_the_scheduler_runs_twice(self):
        self.env["invoice.recurrence.index.value"].create(
            {"index_id": self.syntec.id, "date": "2026-09-01", "value": 260.0}
        )
        recurrence = self._revised_recurrence(post=False)
        self._run_cron("2027-01-01")
        self._run_cron("2027-01-01")
        self._run_cron("2027-02-01")
        self.assertEqual(len(recurrence.revision_ids), 1)
        self.assertEqual(
            recurrence.move_ids.sorted("invoice_date").mapped("amount_untaxed"),
            [1000.00, 1000.00, 1000.00, 1034.00, 1034.00],
        )
        self.assertEqual(
            recurrence.template_move_id.invoice_line_ids.price_unit, 1034.00, "a draft base is revised"
        )

    def test_missing_index_value_stops_and_resuming_creates_the_document(self):
        recurrence = self._revised_recurrence()
        self._run_cron("2027-01-10")
        self.assertEqual(recurrence.state, "stopped")
        self.assertEqual(recurrence.error_message, "SYNTEC value for 2026-09 is missing.")
        self.assertEqual(len(recurrence.move_ids), 3, "October to December kept")
        self.assertFalse(recurrence.revision_ids)
        self.env["invoice.recurrence.index.value"].create(
            {"index_id": self.syntec.id, "date": "2026-09-15", "value": 260.0}
        )
        with freeze_time("2027-01-10"):
            recurrence.action_reactivate_create_missing()
        self.assertEqual(recurrence.state, "running")
        january = recurrence.move_ids.filtered(lambda move: move.invoice_date == date(2027, 1, 1))
        self.assertEqual(january.amount_untaxed, 1034.00)
        self.assertEqual(len(recurrence.revision_ids), 1)
