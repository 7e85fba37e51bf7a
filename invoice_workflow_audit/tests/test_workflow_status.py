# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestWorkflowStatusAutomatic(WorkflowStatusCommon):
    """Accounting events keep the status true to the accounting state."""

    def test_new_invoice_starts_in_first_new_status(self):
        invoice = self._draft_invoice()
        self.assertEqual(invoice.workflow_status_id, self.status_new)
        self.assertEqual(invoice.workflow_status_group, "new")
        self.assertTrue(invoice.workflow_status_date)

    def test_every_invoice_type_has_a_status_but_not_entries(self):
        for move_type in ("out_invoice", "out_refund", "in_invoice", "in_refund"):
            self.assertEqual(self._draft_invoice(move_type).workflow_status_id, self.status_new, move_type)
        entry = self.env["account.move"].create({"move_type": "entry"})
        self.assertFalse(entry.workflow_status_id)

    def test_posting_moves_to_first_in_progress_status(self):
        invoice = self._draft_invoice()
        invoice.action_post()
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)
        self.assertEqual(invoice.workflow_status_group, "in_progress")
        self.assertNotEqual(invoice.workflow_status_id, self.status_sent, "first by sequence")
        self.assertEqual(
            invoice.workflow_status_id,
            self.env["invoice.workflow.status"].search([("group", "=", "in_progress")], limit=1),
        )

    def test_full_payment_then_its_removal(self):
        invoice = self._posted_invoice()
        invoice.action_set_workflow_status(self.status_sent)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(invoice.workflow_status_id, self.status_paid)
        # Removing the payment brings the invoice back to In progress.
        invoice.line_ids.remove_move_reconcile()
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)

    def test_partial_payment_keeps_custom_in_progress_status(self):
        invoice = self._posted_invoice()
        invoice.action_set_workflow_status(self.status_sent)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": invoice.amount_total / 2})._create_payments()
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(invoice.workflow_status_id, self.status_sent)

    def test_cancel_and_reset_to_draft(self):
        invoice = self._posted_invoice()
        invoice.button_cancel()
        self.assertEqual(invoice.workflow_status_id, self.status_cancelled)
        invoice.button_draft()
        self.assertEqual(invoice.workflow_status_id, self.status_new)

    def test_status_of_matching_group_is_kept(self):
        invoice = self._posted_invoice()
        invoice.action_set_workflow_status(self.status_sent)
        invoice.button_draft()
        invoice.action_post()
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)

    def test_automatic_change_is_explained_in_chatter(self):
        invoice = self._draft_invoice()
        # Odoo tracks no change on a record created in the same transaction.
        self.assertFalse(self._status_messages(invoice))
        invoice.action_post()
        message = self._status_messages(invoice)
        self.assertEqual(len(message), 1)
        self.assertIn("Status changed automatically", message.body)
        tracking = message.tracking_value_ids.filtered(lambda t: t.field_id.name == "workflow_status_id")
        self.assertEqual(tracking.old_value_char, self.status_new.name)
        self.assertEqual(tracking.new_value_char, self.status_in_progress.name)


@tagged("post_install", "-at_install")
class TestWorkflowStatusManual(WorkflowStatusCommon):
    """action_set_workflow_status: the one path for manual changes."""

    def test_allowed_transition_with_comment_in_chatter(self):
        invoice = self._posted_invoice()
        self._status_messages(invoice)  # post the tracking of the posting
        invoice.with_user(self.invoice_user).action_set_workflow_status(
            self.status_disputed, comment="Customer says the price is wrong"
        )
        self.assertEqual(invoice.workflow_status_id, self.status_disputed)
        message = self._status_messages(invoice)[:1]
        self.assertIn("Customer says the price is wrong", message.body)
        self.assertEqual(message.author_id, self.invoice_user.partner_id)

    def test_disallowed_transition_changes_nothing(self):
        invoice = self._posted_invoice()
        invoice.action_set_workflow_status(self.status_disputed, comment="Wrong price")
        date = invoice.workflow_status_date
        # Disputed may go to Sent or Cancelled only.
        with self.assertRaisesRegex(UserError, "cannot move from"):
            invoice.action_set_workflow_status(self.status_in_progress)
        self.assertEqual(invoice.workflow_status_id, self.status_disputed)
        self.assertEqual(invoice.workflow_status_date, date)
        self.assertEqual(invoice.state, "posted")

    def test_required_comment(self):
        invoice = self._posted_invoice()
        for comment in (None, "", "   "):
            with self.assertRaisesRegex(UserError, "requires a comment"):
                invoice.action_set_workflow_status(self.status_disputed, comment=comment)
            self.assertEqual(invoice.workflow_status_id, self.status_in_progress)

    def test_same_status_is_refused(self):
        invoice = self._posted_invoice()
        with self.assertRaisesRegex(UserError, "already in status"):
            invoice.action_set_workflow_status(self.status_in_progress)

    def test_group_not_allowed(self):
        self.status_sent.group_ids = self.env.ref("account.group_account_manager")
        invoice = self._posted_invoice()
        with self.assertRaisesRegex(UserError, "not allowed"):
            invoice.with_user(self.invoice_user).action_set_workflow_status(self.status_sent)
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)
        invoice.with_user(self.status_manager).action_set_workflow_status(self.status_sent)
        self.assertEqual(invoice.workflow_status_id, self.status_sent)

    def test_move_to_in_progress_posts_a_draft(self):
        invoice = self._draft_invoice()
        invoice.action_set_workflow_status(self.status_in_progress)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)

    def test_move_to_new_resets_to_draft(self):
        invoice = self._posted_invoice()
        invoice.action_set_workflow_status(self.status_new)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.workflow_status_id, self.status_new)

    def test_move_to_cancelled_cancels(self):
        invoice = self._posted_invoice()
        invoice.action_set_workflow_status(self.status_cancelled)
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(invoice.workflow_status_id, self.status_cancelled)

    def test_manual_paid_on_unpaid_invoice_is_refused(self):
        invoice = self._posted_invoice()
        with self.assertRaisesRegex(UserError, "not fully paid"):
            invoice.action_set_workflow_status(self.status_paid)
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_paid_invoice_cannot_be_cancelled_by_status(self):
        invoice = self._posted_invoice()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.status_paid.next_status_ids = self.status_cancelled
        with self.assertRaisesRegex(UserError, "is paid"):
            invoice.action_set_workflow_status(self.status_cancelled)
        self.assertEqual(invoice.workflow_status_id, self.status_paid)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_cancel_refused_by_odoo_changes_nothing(self):
        """Odoo refuses to reset a posted entry in a locked period: so do we."""
        invoice = self._posted_invoice(invoice_date="2019-01-01")
        invoice.company_id.fiscalyear_lock_date = "2019-12-31"
        with self.assertRaisesRegex(UserError, "cannot be put in status"):
            invoice.action_set_workflow_status(self.status_cancelled)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)

    def test_batch_is_all_or_nothing(self):
        good = self._draft_invoice()
        bad = self.env["account.move"].create({"move_type": "out_invoice", "partner_id": self.partner_a.id})
        # An invoice without lines cannot be posted: neither document moves.
        with self.assertRaises(UserError):
            (good + bad).action_set_workflow_status(self.status_in_progress)
        self.assertEqual(good.state, "draft")
        self.assertEqual((good + bad).workflow_status_id, self.status_new)

    def test_write_goes_through_the_same_checks(self):
        """Kanban drag and drop and RPC write the field: same rules."""
        invoice = self._posted_invoice()
        with self.assertRaisesRegex(UserError, "requires a comment"):
            invoice.with_user(self.invoice_user).write({"workflow_status_id": self.status_disputed.id})
        with self.assertRaisesRegex(UserError, "not fully paid"):
            invoice.with_user(self.invoice_user).write({"workflow_status_id": self.status_paid.id})
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)
        invoice.with_user(self.invoice_user).write({"workflow_status_id": self.status_sent.id})
        self.assertEqual(invoice.workflow_status_id, self.status_sent)

    def test_create_with_a_status_of_another_group_is_refused(self):
        with self.assertRaisesRegex(UserError, "cannot start in status"):
            self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_a.id,
                    "workflow_status_id": self.status_sent.id,
                }
            )

    def test_wizard_offers_allowed_statuses_and_requires_comment(self):
        invoice = self._posted_invoice()
        reserved = self.env["invoice.workflow.status"].create(
            {
                "name": "Managers only",
                "group": "in_progress",
                "group_ids": [Command.set(self.env.ref("account.group_account_manager").ids)],
                "previous_status_ids": [Command.set(self.status_in_progress.ids)],
            }
        )
        wizard = (
            self.env["invoice.workflow.status.change"]
            .with_user(self.invoice_user)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"status_id": self.status_sent.id})
        )
        self.assertEqual(wizard.current_status_id, self.status_in_progress)
        # Statuses reserved to other groups (this one; the demo data's "Manager
        # review" where demo data is loaded) are not offered.
        self.assertNotIn(reserved, wizard.allowed_status_ids)
        self.assertEqual(
            wizard.allowed_status_ids,
            self.status_in_progress.next_status_ids.filtered(
                lambda status: status._is_available_to_user(self.invoice_user)
            ),
        )
        self.assertIn(self.status_disputed, wizard.allowed_status_ids)
        self.assertNotIn(self.status_in_progress, wizard.allowed_status_ids)
        wizard.status_id = self.status_disputed
        with self.assertRaisesRegex(UserError, "requires a comment"):
            wizard.action_confirm()
        wizard.comment = "Contested"
        wizard.action_confirm()
        self.assertEqual(invoice.workflow_status_id, self.status_disputed)
