# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

import psycopg2
from freezegun import freeze_time
from lxml import etree

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import WorkflowStatusCommon


class RecurrenceCommon(WorkflowStatusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.partner_a.email = "partner_a@example.com"
        cls.cron = cls.env.ref("invoice_workflow_audit.ir_cron_invoice_recurrence")

    @classmethod
    def _base_invoice(cls, invoice_date="2026-01-31", post=True, move_type="out_invoice", **kwargs):
        return cls.init_invoice(
            move_type, products=cls.product_a, invoice_date=invoice_date, post=post, **kwargs
        )

    @classmethod
    def _recurrence(cls, template=None, **values):
        template = template or cls._base_invoice()
        return cls.env["invoice.recurrence"].create(
            {
                "template_move_id": template.id,
                "interval_number": 1,
                "interval_type": "month",
                "date_start": "2026-01-31",
                **values,
            }
        )

    def _run_cron(self, day):
        with freeze_time(day):
            self.env["invoice.recurrence"]._cron_generate_recurring_documents()
        self.env.flush_all()

    def _dates(self, recurrence):
        return sorted(recurrence.move_ids.mapped("invoice_date"))


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
            move.copy({"recurrence_id": recurrence.id, "recurrence_period_date": move.recurrence_period_date})
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

    def test_draft_when_not_posted_automatically(self):
        recurrence = self._recurrence(auto_post=False, date_start="2026-03-01")
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
        recurrence = self._recurrence(auto_post=False)
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
        recurrence = self._recurrence(auto_post=False)
        self._run_cron("2026-02-01")
        self.product_a.action_archive()
        with freeze_time("2026-04-01"):
            self._run_cron("2026-04-01")
            self._assert_stopped(recurrence, "The product product_a is archived.", 2)
        self.assertEqual(self._dates(recurrence), [date(2026, 1, 31)])
        self.assertEqual(recurrence.missing_dates, "02/28/2026, 03/31/2026")


@tagged("post_install", "-at_install")
class TestRecurrenceResume(RecurrenceCommon):
    """The three ways out of a stopped recurrence, with their preconditions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_activity_log()
        cls.product = cls.env["product.product"].create({"name": "Maintenance", "lst_price": 80.0})

    def _stopped(self, day, date_start="2026-01-31"):
        template = self._base_invoice(post=False)
        template.invoice_line_ids.product_id = self.product
        recurrence = self._recurrence(template, date_start=date_start)
        self.product.action_archive()
        self._run_cron(day)
        self.assertEqual(recurrence.state, "stopped")
        self.product.action_unarchive()
        return recurrence

    def test_reactivate_skip_moves_to_next_future_period(self):
        recurrence = self._stopped("2026-03-10")
        with freeze_time("2026-03-10"):
            self.assertEqual(recurrence.missing_count, 2)
            recurrence.action_reactivate_skip()
        self.assertEqual(recurrence.state, "running")
        self.assertFalse(recurrence.error_message)
        self.assertEqual(recurrence.date_next, date(2026, 3, 31))
        self.assertFalse(recurrence.move_ids, "the missed periods get no document")
        self.assertFalse(recurrence.activity_ids, "the activity is done")
        row = self._log_rows(res_id=recurrence.id, action_type="recurrence_reactivated")
        self.assertIn("01/31/2026, 02/28/2026", row.description)
        self.assertTrue(any("skipped" in body for body in recurrence.message_ids.mapped("body")))
        self._run_cron("2026-03-31")
        self.assertEqual(self._dates(recurrence), [date(2026, 3, 31)])

    def test_end(self):
        recurrence = self._stopped("2026-03-10")
        recurrence.action_end()
        self.assertEqual(recurrence.state, "ended")
        self.assertFalse(recurrence.activity_ids)
        self.assertEqual(len(self._log_rows(res_id=recurrence.id, action_type="recurrence_ended")), 1)
        self._run_cron("2026-06-01")
        self.assertFalse(recurrence.move_ids)
        with self.assertRaises(UserError):
            recurrence.action_end()

    def test_create_missing_when_exactly_one_is_missing(self):
        recurrence = self._stopped("2026-02-10")
        with freeze_time("2026-02-10"):
            self.assertEqual(recurrence.missing_count, 1)
            recurrence.action_reactivate_create_missing()
        self.assertEqual(recurrence.state, "running")
        self.assertEqual(self._dates(recurrence), [date(2026, 1, 31)])
        self.assertEqual(recurrence.move_ids.state, "posted")
        self.assertEqual(recurrence.date_next, date(2026, 2, 28))
        row = self._log_rows(res_id=recurrence.id, action_type="recurrence_reactivated")
        self.assertIn(recurrence.move_ids.name, row.description)

    def test_create_missing_refused_when_several_are_missing(self):
        recurrence = self._stopped("2026-03-10")
        arch = self.env["invoice.recurrence"].get_view(view_type="form")["arch"]
        self.assertIn(
            "missing_count != 1",
            etree.fromstring(arch)
            .xpath("//button[@name='action_reactivate_create_missing']")[0]
            .get("invisible"),
        )
        with freeze_time("2026-03-10"):
            self.assertEqual(recurrence.missing_count, 2, "so the button is hidden")
            with self.assertRaisesRegex(UserError, "misses 2 documents"):
                recurrence.action_reactivate_create_missing()
        self.assertEqual(recurrence.state, "stopped")
        self.assertFalse(recurrence.move_ids)

    def test_create_missing_refused_while_the_cause_remains(self):
        recurrence = self._stopped("2026-02-10")
        self.product.action_archive()
        with freeze_time("2026-02-10"), self.assertRaisesRegex(UserError, "Maintenance is archived"):
            recurrence.action_reactivate_create_missing()
        self.assertEqual(recurrence.state, "stopped")
        self.assertFalse(recurrence.move_ids)
        self.assertEqual(recurrence.period_count, 0)

    def test_resume_only_stopped_recurrences(self):
        running = self._recurrence()
        with self.assertRaisesRegex(UserError, "Only stopped recurrences"):
            running.action_reactivate_skip()
        with self.assertRaisesRegex(UserError, "Only stopped recurrences"):
            running.action_reactivate_create_missing()


@tagged("post_install", "-at_install")
class TestRecurrenceConfiguration(RecurrenceCommon):
    """Creating and editing recurrences: checks, tracking and the invoice side."""

    def test_make_recurring_from_an_invoice(self):
        self._enable_activity_log()
        invoice = self._base_invoice("2026-01-15")
        with freeze_time("2026-03-20"):
            # Not from the old invoice date on: that would generate the past at once.
            action = invoice.action_make_recurring()
        with Form(self.env["invoice.recurrence"].with_context(**action["context"])) as form:
            self.assertEqual(form.template_move_id, invoice)
            self.assertEqual(fields.Date.to_string(form.date_start), "2026-04-15")
            form.date_start = date(2026, 2, 15)
            form.interval_number = 3
        recurrence = form.record
        self.assertRegex(recurrence.name, r"^REC/\d{4}$")
        self.assertEqual(recurrence.date_next, date(2026, 2, 15))
        self.assertEqual((recurrence.partner_id, recurrence.move_type), (self.partner_a, "out_invoice"))
        self.assertEqual(invoice.template_recurrence_ids, recurrence)
        self.assertEqual(invoice.action_open_recurrence()["res_id"], recurrence.id)
        created = self._log_rows(res_id=recurrence.id, action_type="recurrence_created")
        self.assertIn("Every 3 months", created.description)
        recurrence.interval_type = "week"
        self.env.flush_all()
        modified = self._log_rows(res_id=recurrence.id, action_type="recurrence_modified")
        self.assertIn("Months → Weeks", modified.description)
        recurrence_id, name = recurrence.id, recurrence.name
        recurrence.unlink()
        deleted = self._log_rows(res_id=recurrence_id, action_type="recurrence_deleted")
        self.assertEqual(deleted.document_name, name)

    def test_recurring_documents_are_searchable(self):
        recurrence = self._recurrence(date_start="2026-03-01")
        self._run_cron("2026-03-01")
        found = self.env["account.move"].search([("is_recurring", "=", True)])
        self.assertEqual(found, recurrence.move_ids)
        self.assertEqual(recurrence.move_ids.action_open_recurrence()["res_id"], recurrence.id)
        with self.assertRaisesRegex(ValidationError, "generated by the recurrence"):
            self._recurrence(recurrence.move_ids)

    def test_invalid_settings_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "also post them automatically"):
            self._recurrence(auto_send=True, auto_post=False)
        with self.assertRaisesRegex(ValidationError, "at least one"):
            self._recurrence(end_type="count", recurring_count=0)
        with self.assertRaisesRegex(ValidationError, "before its start date"):
            self._recurrence(end_type="date", date_end="2025-12-31")
        with self.assertRaisesRegex(UserError, "needs a base document"):
            self.env["invoice.recurrence"].create({"interval_type": "month"})
        with (
            self.assertRaises(psycopg2.errors.CheckViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self._recurrence(interval_number=0)

    def test_base_document_fixed_once_used(self):
        recurrence = self._recurrence(date_start="2026-03-01")
        self._run_cron("2026-03-01")
        with self.assertRaisesRegex(UserError, "cannot change"):
            recurrence.template_move_id = self._base_invoice()

    def test_start_date_moves_next_date_until_first_document(self):
        recurrence = self._recurrence(date_start="2026-06-01")
        recurrence.date_start = "2026-07-01"
        self.assertEqual(recurrence.date_next, date(2026, 7, 1))


@tagged("post_install", "-at_install")
class TestRecurrenceAccess(RecurrenceCommon):
    """Who may see and change recurrences, enforced on the server."""

    def test_access_rights(self):
        recurrence = self._recurrence()
        readonly_user = new_test_user(
            self.env,
            login="iwa_readonly",
            groups="base.group_user,account.group_account_readonly",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        self.assertEqual(recurrence.with_user(readonly_user).read(["name"])[0]["name"], recurrence.name)
        with self.assertRaises(AccessError):
            recurrence.with_user(readonly_user).write({"interval_number": 2})
        with self.assertRaises(AccessError):
            recurrence.with_user(readonly_user).action_end()
        # An invoicing user creates and resumes recurrences.
        own = self._recurrence().with_user(self.invoice_user)
        own.interval_number = 2
        portal = new_test_user(self.env, login="iwa_portal_rec", groups="base.group_portal")
        with self.assertRaises(AccessError):
            recurrence.with_user(portal).read(["name"])

    def test_other_company_recurrences_are_invisible(self):
        recurrence = self._recurrence()
        other_company = self.setup_other_company()["company"]
        stranger = new_test_user(
            self.env,
            login="iwa_other_company",
            groups="account.group_account_invoice",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        self.assertFalse(
            self.env["invoice.recurrence"].with_user(stranger).search([("id", "=", recurrence.id)])
        )
        with self.assertRaises(AccessError):
            recurrence.with_user(stranger).read(["name"])


@tagged("post_install", "-at_install")
class TestRecurrenceConcurrency(RecurrenceCommon):
    """Two workers at once, or a run retried after a crash: one document per period."""

    def setUp(self):
        super().setUp()
        # Committed data in the main company, seen by the workers' own
        # transactions; removed afterwards.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create(
                {"name": "iwa concurrency customer", "email": "c@example.com"}
            )
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": "2026-01-01",
                    "invoice_line_ids": [Command.create({"name": "Subscription", "price_unit": 100.0})],
                }
            )
            recurrence = env["invoice.recurrence"].create(
                {"template_move_id": invoice.id, "date_start": fields.Date.today(), "auto_post": False}
            )
            self.recurrence_id = recurrence.id
            ids = (partner.id, invoice.id, recurrence.id)
        self.addCleanup(self._remove, *ids)

    def _remove(self, partner_id, invoice_id, recurrence_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            recurrence = env["invoice.recurrence"].browse(recurrence_id)
            (recurrence.move_ids | env["account.move"].browse(invoice_id)).with_context(
                force_delete=True
            ).unlink()
            recurrence.unlink()
            env["res.partner"].browse(partner_id).unlink()

    def _worker(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})["invoice.recurrence"].browse(self.recurrence_id)

    def _committed_documents(self):
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT recurrence_period_date FROM account_move WHERE recurrence_id = %s",
                    self.recurrence_id,
                )
            )
            return [row[0] for row in cr.fetchall()]

    def test_two_workers_at_once(self):
        today = fields.Date.today()
        cr1, cr2 = self.registry.cursor(), self.registry.cursor()
        try:
            cr1.execute("SELECT 1")
            cr2.execute("SELECT 1")
            first = self._worker(cr1)._generate_batch(today)
            self.assertEqual(len(first), 1)
            # The first worker holds the recurrence: the second one skips it
            # at once instead of waiting or generating the period again.
            self.assertFalse(self._worker(cr2)._generate_batch(today))
            cr1.commit()
            # Same transaction, after the first worker committed: still nothing.
            self.assertFalse(self._worker(cr2)._generate_batch(today))
            cr2.commit()
            # A later run sees the period done.
            self.assertFalse(self._worker(cr2)._generate_batch(today))
            cr2.commit()
        finally:
            cr1.close()
            cr2.close()
        self.assertEqual(self._committed_documents(), [today])

    def test_run_retried_after_a_crash(self):
        today = fields.Date.today()
        with self.registry.cursor() as cr:
            self.assertEqual(len(self._worker(cr)._generate_batch(today)), 1)
            cr.rollback()  # the worker died before committing
        self.assertEqual(self._committed_documents(), [])
        with self.registry.cursor() as cr:
            self.assertEqual(len(self._worker(cr)._generate_batch(today)), 1)
        with self.registry.cursor() as cr:
            self.assertFalse(self._worker(cr)._generate_batch(today))
        self.assertEqual(self._committed_documents(), [today])
