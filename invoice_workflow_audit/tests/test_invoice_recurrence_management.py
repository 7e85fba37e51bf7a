# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

import psycopg2
from freezegun import freeze_time
from lxml import etree

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import RecurrenceCommon


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
        Move = self.env["account.move"]
        self.assertEqual(Move.search([("is_recurring", "!=", False)]), recurrence.move_ids)
        others = Move.search([("is_recurring", "=", False), ("company_id", "=", self.company.id)])
        self.assertIn(recurrence.template_move_id, others)
        self.assertFalse(others & recurrence.move_ids)
        self.assertFalse(Move._fields["is_recurring"].store, "no column: recurrence_id says it")
        self.assertEqual(recurrence.move_ids.action_open_recurrence()["res_id"], recurrence.id)
        with self.assertRaisesRegex(ValidationError, "generated by the recurrence"):
            self._recurrence(recurrence.move_ids)

    def test_invalid_settings_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "also post them automatically"):
            self._recurrence(auto_send=True, post_generated=False)
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

    def test_one_scheduler_per_document(self):
        # Odoo's own recurring entries: Odoo creates the next ones itself.
        odoo_recurring = self._base_invoice(post=False)
        odoo_recurring.auto_post = "monthly"
        with self.assertRaisesRegex(
            ValidationError, r"one of Odoo's recurring entries \(Auto-post: Monthly\)"
        ):
            self._recurrence(odoo_recurring)
        base = self._base_invoice(post=False)
        recurrence = self._recurrence(base)
        with self.assertRaisesRegex(ValidationError, "Auto-post: Monthly"), self.env.cr.savepoint():
            recurrence.template_move_id = odoo_recurring
        recurrence.invalidate_recordset()
        self.assertEqual(recurrence.template_move_id, base)
        # And the other way: a recurrence's base does not become one of them.
        for frequency in ("monthly", "quarterly", "yearly"):
            with self.assertRaisesRegex(UserError, f"base of the recurrence {recurrence.name}"):
                base.write({"auto_post": frequency})
        base.invalidate_recordset()
        self.assertEqual(base.auto_post, "no")
        base.auto_post = "at_date"  # posting at a date is no schedule
        recurrence.action_end()
        base.auto_post = "yearly"
        self.assertEqual(base.auto_post, "yearly")

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
                {"template_move_id": invoice.id, "date_start": fields.Date.today(), "post_generated": False}
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

    def test_a_recurrence_another_worker_holds_is_not_left_work(self):
        cr1, cr2 = self.registry.cursor(), self.registry.cursor()
        try:
            # A user's "create missing document" (or any generation) holds it.
            self.assertTrue(self._worker(cr1)._lock_for_generation())
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            cron = env2.ref("invoice_workflow_audit.ir_cron_invoice_recurrence")
            progress = cron._add_progress()[1]
            env2["invoice.recurrence"].with_context(
                ir_cron_progress_id=progress.id
            )._cron_generate_recurring_documents()
            # Neither done nor left here: the holder generates it. Counted as
            # left, it would make the runner call again and again for nothing.
            self.assertEqual((progress.done, progress.remaining), (0, 0))
            self.assertFalse(env2["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
            cr2.rollback()
        finally:
            cr1.rollback()
            cr1.close()
            cr2.close()
        self.assertEqual(self._committed_documents(), [])


@tagged("post_install", "-at_install")
class TestRecurrenceUserExpectations(RecurrenceCommon):
    """Generate now, a warning when the cause of a stop is still there, and the
    scheduler's words in the responsible's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create({"name": "Maintenance", "lst_price": 80.0})

    def _on_product(self, **values):
        template = self._base_invoice(post=False)
        template.invoice_line_ids.product_id = self.product
        return self._recurrence(template, **values)

    def test_generate_now_one_period_per_click(self):
        recurrence = self._recurrence(date_start="2026-01-31")
        with freeze_time("2026-03-10"):
            recurrence.action_generate_now()
            self.assertEqual(self._dates(recurrence), [date(2026, 1, 31)])
            recurrence.action_generate_now()
            self.assertEqual(self._dates(recurrence), [date(2026, 1, 31), date(2026, 2, 28)])
            with self.assertRaisesRegex(UserError, "Nothing is due yet"):
                recurrence.action_generate_now()
        self.assertEqual(recurrence.date_next, date(2026, 3, 31))

    def test_reactivating_while_the_cause_remains_warns(self):
        recurrence = self._on_product(date_start="2026-01-31")
        self.product.action_archive()
        self._run_cron("2026-02-10")
        self.assertEqual(recurrence.state, "stopped")
        with (
            freeze_time("2026-02-10"),
            self.assertRaisesRegex(UserError, "would stop again: The product Maintenance"),
        ):
            recurrence.action_reactivate_skip()
        self.assertEqual(recurrence.state, "stopped")
        self.product.action_unarchive()
        with freeze_time("2026-02-10"):
            recurrence.action_reactivate_skip()
        self.assertEqual(recurrence.state, "running")

    def test_the_scheduler_speaks_the_responsibles_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        responsible = new_test_user(
            self.env,
            login="iwa_recurrence_fr",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[self.company.id],
            lang="fr_FR",
        )
        recurrence = self._on_product(date_start="2026-01-31", user_id=responsible.id)
        self.product.action_archive()
        self._run_cron("2026-02-10")
        self.assertEqual(recurrence.state, "stopped")
        self.assertEqual(recurrence.error_message, "Le produit Maintenance est archivé.")
        note = self._messages(recurrence).filtered(lambda message: "Cause" in (message.body or ""))[:1]
        self.assertIn("Cause : Le produit Maintenance est archivé.", note.body)
        self.assertIn("31/01/2026", note.body, "dates in the French format")
        activity = recurrence.activity_ids
        self.assertEqual(activity.summary, "Récurrence arrêtée : choisissez comment la reprendre")
