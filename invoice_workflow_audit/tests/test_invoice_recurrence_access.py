# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import JsonRpcException, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import RecurrenceCommon


@tagged("post_install", "-at_install")
class TestInvoiceRecurrenceAccess(RecurrenceCommon, AccountTestInvoicingHttpCommon):
    """A recurrence copies its base document into new documents: nobody
    copies a document they may not read, and nobody drives a recurrence
    outside its own paths (issue: every path obeys the rules)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_activity_log()
        cls.restricted = cls.env["invoice.workflow.status"].create(
            {
                "name": "Management only",
                "group": "in_progress",
                "group_ids": [Command.set(cls.env.ref("account.group_account_manager").ids)],
            }
        )
        cls.status_in_progress.next_status_ids = [Command.link(cls.restricted.id)]

    def _hidden_invoice(self, price=12345.0):
        invoice = self._base_invoice(amounts=[price])
        # Server code (superuser) routes a document into any status.
        invoice.sudo().action_set_workflow_status(self.restricted)
        self.assertEqual(invoice.workflow_status_id, self.restricted)
        return invoice

    def test_base_document_rewritten_to_a_hidden_invoice_is_refused(self):
        hidden = self._hidden_invoice()
        visible = self._base_invoice()
        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
            self._call_kw("invoice.recurrence", "create", {"template_move_id": hidden.id})
        recurrence_id = self._call_kw(
            "invoice.recurrence", "create", {"template_move_id": visible.id, "date_start": "2026-02-28"}
        )
        with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
            self._call_kw("invoice.recurrence", "write", [recurrence_id], {"template_move_id": hidden.id})
        recurrence = self.env["invoice.recurrence"].browse(recurrence_id)
        self.assertEqual(recurrence.template_move_id, visible)
        # Nor a string, a list or an id out of range: a sentence, no traceback.
        for forged in ("abc", [hidden.id], 2**40):
            with self.subTest(forged=forged):
                with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.UserError"):
                    self._call_kw(
                        "invoice.recurrence", "write", [recurrence_id], {"template_move_id": forged}
                    )

    def test_generation_stops_when_the_base_is_hidden_from_its_responsible(self):
        base = self._base_invoice()
        recurrence = self._recurrence(template=base, user_id=self.invoice_user.id)
        base.sudo().action_set_workflow_status(self.restricted)
        self._run_cron("2026-02-01")
        self.assertEqual(recurrence.state, "stopped")
        self.assertFalse(recurrence.move_ids, "nothing copied from the hidden document")
        self.assertIn(self.invoice_user.name, recurrence.error_message)
        self.assertIn("Management only", recurrence.error_message)

    def test_state_and_schedule_are_driven_by_the_recurrence_only(self):
        base = self._base_invoice()
        recurrence = self._recurrence(template=base)
        recurrence._stop("Product archived.")
        rows = len(self._log_rows(recurrence))
        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        for vals in (
            {"state": "running"},
            {"date_next": "2000-01-01"},
            {"period_count": 7},
            {"error_message": False},
            {"date_stopped": False},
        ):
            with self.subTest(vals=vals):
                self._assert_rpc_refused(
                    "odoo.exceptions.AccessError",
                    "cannot be written",
                    "invoice.recurrence",
                    "write",
                    recurrence.ids,
                    vals,
                )
        recurrence.invalidate_recordset()
        self.assertEqual(recurrence.state, "stopped")
        self.assertEqual(recurrence.error_message, "Product archived.")
        # A document's link to a recurrence is the generation's only.
        other = self._base_invoice(post=False)
        self._assert_rpc_refused(
            "odoo.exceptions.AccessError",
            "cannot be written",
            "account.move",
            "write",
            other.ids,
            {"recurrence_id": recurrence.id, "recurrence_period_date": "2026-01-31"},
        )
        self.assertFalse(other.recurrence_id)
        # One of the three ways resumes it, and is logged.
        self._call_kw("invoice.recurrence", "action_reactivate_skip", recurrence.ids)
        recurrence.invalidate_recordset()
        self.assertEqual(recurrence.state, "running")
        self._flush_tracking()
        self.assertEqual(
            self._log_rows(recurrence)[rows:].mapped("action_type")[-1:],
            ["recurrence_reactivated"],
        )

    def test_numbers_out_of_range_answer_a_sentence(self):
        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        base = self._base_invoice()
        for interval in (2**31, "x", 1.5):
            with self.subTest(interval=interval):
                with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.ValidationError"):
                    self._call_kw(
                        "invoice.recurrence",
                        "create",
                        {"template_move_id": base.id, "interval_number": interval},
                    )

    def test_start_date_long_past_needs_the_flag_over_rpc(self):
        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        base = self._base_invoice()
        vals = {"template_move_id": base.id, "interval_type": "day", "date_start": "2000-01-01"}
        self._assert_rpc_refused(
            "odoo.exceptions.UserError", "more than a year ago", "invoice.recurrence", "create", vals
        )
        self.assertFalse(self.env["invoice.recurrence"].search([("template_move_id", "=", base.id)]))
        # Before 1900: a typing error, refused even when confirmed.
        self._assert_rpc_refused(
            "odoo.exceptions.ValidationError",
            "cannot be before 01/01/1900",
            "invoice.recurrence",
            "create",
            {**vals, "date_start": "0001-01-01", "confirm_past_start": True},
        )
        recurrence_id = self._call_kw("invoice.recurrence", "create", {**vals, "confirm_past_start": True})
        recurrence = self.env["invoice.recurrence"].browse(recurrence_id)
        self.assertEqual(recurrence.date_next.isoformat(), "2000-01-01")
        self._assert_rpc_refused(
            "odoo.exceptions.UserError",
            "more than a year ago",
            "invoice.recurrence",
            "write",
            [recurrence_id],
            {"date_start": "1999-06-01"},
        )
