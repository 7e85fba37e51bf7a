# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import importlib.util
from datetime import datetime, timedelta
from pathlib import Path

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL

from ..models.common import LOG_QUEUE_KEY
from .common import WorkflowStatusCommon
from .test_workflow_status_lifecycle_events import LifecycleEventsCommon


class RecordingCommon:
    def _status_rows(self, move):
        return self._log_rows(move).filtered(
            lambda row: row.action_type in ("status_changed", "status_received")
        )

    def _periods(self, move):
        return self.env["invoice.workflow.status.period"].sudo().search([("move_id", "=", move.id)])

    def _db_row(self, move, *columns):
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM account_move WHERE id = %s",
                SQL(", ").join(SQL.identifier(column) for column in columns),
                move.id,
            )
        )
        return self.env.cr.fetchone()

    def _new_changes(self, move, before_rows, before_messages):
        rows = self._status_rows(move) - before_rows
        messages = self._status_messages(move) - before_messages
        return rows, messages

    def _notified_yesterday(self):
        """A posted invoice whose overdue notice was sent yesterday, two hours
        after it entered its status."""
        posted_on = datetime.now().replace(microsecond=0) - timedelta(days=1)
        with freeze_time(posted_on):
            invoice = self._posted_invoice()
            self.env.flush_all()
        invoice._write_protected({"workflow_overdue_notice_date": posted_on + timedelta(hours=2)})
        self._flush_tracking()
        self.assertTrue(invoice.workflow_overdue_notified)
        return invoice


@tagged("post_install", "-at_install")
class TestWorkflowStatusRecording(RecordingCommon, WorkflowStatusCommon):
    """One place records a change of status (by hand, moved by an accounting
    event): one history row and one chatter message per change; computing a
    status records nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_activity_log()
        # A custom In progress status reachable from a draft: choosing it
        # posts the document, which passes through the first In progress status.
        cls.status_new.next_status_ids = [Command.link(cls.status_sent.id)]

    def _pay(self, move):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({})._create_payments()
        self.env.flush_all()

    # ------------------------------------------------------------------
    # Each path: one row, one message
    # ------------------------------------------------------------------

    def test_by_hand_with_a_comment_one_row_and_one_message(self):
        invoice = self._posted_invoice()
        rows, messages = self._status_rows(invoice), self._status_messages(invoice)
        invoice.with_user(self.invoice_user).action_set_workflow_status(
            self.status_disputed, comment="Le client conteste le prix"
        )
        rows, messages = self._new_changes(invoice, rows, messages)
        self.assertEqual(rows.mapped("action_type"), ["status_changed"])
        self.assertIn("In progress → Disputed", rows.description)
        self.assertIn("Le client conteste le prix", rows.description)
        self.assertEqual(rows.user_id, self.invoice_user)
        self.assertEqual(len(messages), 1)
        self.assertIn("Status changed by hand", messages.body)
        self.assertIn("Le client conteste le prix", messages.body)

    def test_by_hand_through_posting_is_one_change(self):
        """Draft to a custom In progress status posts the draft, which passes
        through the first In progress status: one change, New → Sent."""
        created_on = datetime.now().replace(microsecond=0) - timedelta(hours=1)
        with freeze_time(created_on):
            invoice = self._draft_invoice()
            rows, messages = self._status_rows(invoice), self._status_messages(invoice)
        invoice.action_set_workflow_status(self.status_sent)
        self.assertEqual(invoice.state, "posted")
        rows, messages = self._new_changes(invoice, rows, messages)
        self.assertEqual(len(rows), 1, rows.mapped("description"))
        self.assertIn("New → Sent", rows.description)
        self.assertEqual(len(messages), 1)
        tracking = messages.tracking_value_ids.filtered(lambda t: t.field_id.name == "workflow_status_id")
        self.assertEqual((tracking.old_value_char, tracking.new_value_char), ("New", "Sent"))
        self.assertEqual(self._periods(invoice).status_id, self.status_new | self.status_sent)
        self.assertEqual(
            self._periods(invoice).filtered(lambda p: not p.date_end).status_id, self.status_sent
        )

    def test_automatic_on_posting_and_payment_one_row_and_one_message_each(self):
        invoice = self._draft_invoice()
        rows, messages = self._status_rows(invoice), self._status_messages(invoice)
        invoice.action_post()
        rows, messages = self._new_changes(invoice, rows, messages)
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows.action_type, "status_changed")
        self.assertIn("New → In progress", rows.description)
        self.assertEqual(len(messages), 1)
        self.assertIn("Status changed automatically", messages.body)

        rows, messages = self._status_rows(invoice), self._status_messages(invoice)
        self._pay(invoice)
        self.assertEqual(invoice.workflow_status_id, self.status_paid)
        rows, messages = self._new_changes(invoice, rows, messages)
        self.assertEqual(len(rows), 1, rows.mapped("description"))
        self.assertIn("In progress → Paid", rows.description)
        self.assertEqual(len(messages), 1)
        self.assertIn("Status changed automatically: the document is now fully paid", messages.body)
        open_period = self._periods(invoice).filtered(lambda p: not p.date_end)
        self.assertEqual(open_period.status_id, self.status_paid)

    def test_notices_are_kept_by_the_workflow(self):
        invoice = self._notified_yesterday()
        for values in (
            {"workflow_overdue_notice_date": False},
            {"workflow_escalation_notice_date": "2026-01-01 00:00:00"},
            {"workflow_overdue_notified": False},
        ):
            with self.subTest(values=values), self.assertRaisesRegex(AccessError, "cannot be written"):
                invoice.with_user(self.status_manager).write(values)
        self.assertTrue(invoice.workflow_overdue_notified)

    def test_the_migration_dates_the_notices_already_sent(self):
        invoice = self._notified_yesterday()
        # As 18.0.1.1.0 left it: the flag set, no notice date.
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET workflow_overdue_notice_date = NULL, "
                "workflow_escalation_notified = TRUE WHERE id = %s",
                invoice.id,
            )
        )
        path = Path(__file__).parents[1] / "migrations" / "18.0.1.2.0" / "post-status_notices.py"
        spec = importlib.util.spec_from_file_location("post_status_notices", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.1.0")
        invoice.invalidate_recordset()
        self.assertGreater(invoice.workflow_overdue_notice_date, invoice.workflow_status_date)
        self.assertGreater(invoice.workflow_escalation_notice_date, invoice.workflow_status_date)
        # Recomputed from the status date, the flags keep their value.
        invoice.modified(["workflow_status_date"])
        self.assertEqual(
            (invoice.workflow_overdue_notified, invoice.workflow_escalation_notified), (True, True)
        )

    # ------------------------------------------------------------------
    # The compute records nothing
    # ------------------------------------------------------------------

    def test_computing_a_status_records_and_writes_nothing(self):
        invoice = self._notified_yesterday()
        periods = self._periods(invoice)
        messages = self._messages(invoice)
        # The document is cancelled behind the ORM's back, so that no write
        # flushes anything: the status is computed when it is read.
        self.env.cr.execute(SQL("UPDATE account_move SET state = 'cancel' WHERE id = %s", invoice.id))
        invoice.invalidate_recordset(["state"])
        invoice.modified(["state"])
        self.assertEqual(invoice.workflow_status_id, self.status_cancelled)
        self.assertFalse(invoice.workflow_overdue_notified, "the notice was about the status before")
        # Nothing left the cache: no history row queued, no period, no message,
        # the notified flag unchanged in the database.
        queued = self.env.cr.precommit.data.get(LOG_QUEUE_KEY, [])
        self.assertFalse([row for row in queued if row["res_id"] == invoice.id])
        self.assertEqual(self._periods(invoice), periods)
        self.assertEqual(
            self._db_row(invoice, "workflow_status_id", "workflow_overdue_notified"),
            (self.status_in_progress.id, True),
        )
        self.env.cr.execute(
            SQL("SELECT COUNT(*) FROM mail_message WHERE model = 'account.move' AND res_id = %s", invoice.id)
        )
        self.assertEqual(self.env.cr.fetchone()[0], len(messages))
        # Written, the change is recorded once.
        self.env.flush_all()
        self.assertEqual(
            self._db_row(invoice, "workflow_status_id", "workflow_overdue_notified"),
            (self.status_cancelled.id, False),
        )
        rows = self._status_rows(invoice)
        self.assertEqual(len(rows.filtered(lambda row: "In progress → Cancelled" in row.description)), 1)
        self.assertEqual(
            self._periods(invoice).filtered(lambda p: not p.date_end).status_id, self.status_cancelled
        )

    def test_a_change_written_by_another_users_request_is_recorded(self):
        """Pending values are written by whichever request flushes them first
        (a portal page, say): the change is recorded all the same."""
        portal = new_test_user(self.env, login="iwa_recording_portal", groups="base.group_portal")
        invoice = self._posted_invoice()
        self._flush_tracking()
        rows = self._status_rows(invoice)
        self.env.cr.execute(SQL("UPDATE account_move SET state = 'cancel' WHERE id = %s", invoice.id))
        invoice.invalidate_recordset(["state"])
        invoice.modified(["state"])
        self.assertEqual(invoice.workflow_status_id, self.status_cancelled)
        self.env(user=portal).flush_all()
        rows = self._status_rows(invoice) - rows
        self.assertEqual(len(rows), 1)
        self.assertIn("In progress → Cancelled", rows.description)

    def test_a_status_computed_on_a_form_records_nothing(self):
        notified = self._notified_yesterday()
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM invoice_workflow_status_period"))
        periods = self.env.cr.fetchone()[0]
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM mail_message"))
        messages = self.env.cr.fetchone()[0]
        form = Form(self.env["account.move"].with_context(default_move_type="out_invoice"))
        form.partner_id = self.partner_a
        self.assertEqual(form.workflow_status_id, self.status_new)
        # The notified invoice reset to draft on a form, in memory only.
        draft = notified.new(origin=notified)
        draft.state = "draft"
        self.assertEqual(draft.workflow_status_id, self.status_new)
        self.assertFalse(draft.workflow_overdue_notified)
        self.assertFalse(self.env.cr.precommit.data.get(LOG_QUEUE_KEY))
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM invoice_workflow_status_period"))
        self.assertEqual(self.env.cr.fetchone()[0], periods)
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM mail_message"))
        self.assertEqual(self.env.cr.fetchone()[0], messages)
        self.assertEqual(
            self._db_row(notified, "workflow_status_id", "workflow_overdue_notified"),
            (self.status_in_progress.id, True),
        )


@tagged("post_install", "-at_install")
class TestWorkflowStatusRecordingReceived(RecordingCommon, LifecycleEventsCommon):
    """A status received from the platform is recorded in the same place."""

    def test_received_over_the_connector_one_row_and_one_message(self):
        invoice = self._posted_invoice()
        rows, messages = self._status_rows(invoice), self._status_messages(invoice)
        invoice.with_user(self.connector).action_receive_lifecycle_status(
            "207", reason="TX_TVA_ERR", note="Taux de 5,5 % attendu", event_ref="EV-7"
        )
        rows, messages = self._new_changes(invoice, rows, messages)
        self.assertEqual(rows.mapped("action_type"), ["status_received"])
        self.assertIn("EV-7", rows.description)
        self.assertEqual(rows.user_id, self.connector)
        self.assertEqual(len(messages), 1)
        self.assertIn("EV-7", messages.body)
        self.assertIn("Taux de 5,5 % attendu", messages.body)
        self.assertEqual(
            self._periods(invoice).filtered(lambda p: not p.date_end).status_id,
            self._status("customer", "207"),
        )

    # ------------------------------------------------------------------
    # The notices follow the status date
    # ------------------------------------------------------------------

    def test_every_path_into_a_new_status_makes_its_notices_due_again(self):
        start = datetime(2026, 3, 2, 9, 0)
        Move = self.env["account.move"]
        self.status_in_progress.time_limit_hours = 1
        with freeze_time(start):
            by_hand, automatic, received = (self._posted_invoice() for _i in range(3))
            documents = by_hand | automatic | received
            self.env.flush_all()
        with freeze_time(start + timedelta(hours=2)):
            Move._cron_notify_workflow_status_overdue()
            self.env.flush_all()
            self.assertEqual(documents.mapped("workflow_overdue_notified"), [True] * 3)
            self.assertEqual(
                documents.mapped("workflow_overdue_notice_date"), [start + timedelta(hours=2)] * 3
            )
        with freeze_time(start + timedelta(hours=3)):
            by_hand.action_set_workflow_status(self.status_disputed, comment="En retard")
            automatic.button_cancel()
            received.with_user(self.connector).action_receive_lifecycle_status("204", event_ref="EV-204")
            self.env.flush_all()
            for move in documents:
                self.assertNotEqual(move.workflow_status_id, self.status_in_progress)
                self.assertEqual(self._db_row(move, "workflow_overdue_notified"), (False,), move.name)
                # The notice itself stays: when the last one was sent.
                self.assertEqual(move.workflow_overdue_notice_date, start + timedelta(hours=2))
        # Back in In progress, overdue again: told again, once.
        with freeze_time(start + timedelta(hours=4)):
            automatic.button_draft()
            automatic.action_post()
        with freeze_time(start + timedelta(hours=6)):
            Move._cron_notify_workflow_status_overdue()
            Move._cron_notify_workflow_status_overdue()
            overdue = automatic.activity_ids.filtered(lambda activity: "overdue" in activity.summary)
            self.assertEqual(len(overdue), 2, "one per overdue stay")
            self.assertTrue(automatic.workflow_overdue_notified)
