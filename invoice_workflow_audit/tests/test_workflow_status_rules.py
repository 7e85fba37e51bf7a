# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from ..hooks import post_init_hook
from .common import WorkflowStatusCommon

# Keys a client may put in any RPC context: they decide nothing.
FORGED_CONTEXT = {
    "invoice_workflow_status_checked": True,
    "invoice_workflow_audit_accountant_processed": True,
    "invoice_workflow_audit_protected_write": True,
}


@tagged("post_install", "-at_install")
class TestWorkflowStatusRules(WorkflowStatusCommon):
    """Statuses are enforced on every path, and never break accounting."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.managers = cls.env.ref("account.group_account_manager")
        # What an administrator adds without touching the sequence.
        cls.dispute = cls.env["invoice.workflow.status"].create(
            {
                "name": "Litige",
                "group": "in_progress",
                "require_comment": True,
                "group_ids": [Command.set(cls.managers.ids)],
            }
        )
        cls.status_in_progress.next_status_ids = [Command.link(cls.dispute.id)]

    def test_a_new_status_goes_last_and_posting_keeps_working(self):
        self.assertGreater(
            self.dispute.sequence, max((self.dispute.search([]) - self.dispute).mapped("sequence"))
        )
        invoice = self._draft_invoice()
        invoice.with_user(self.invoice_user).action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress, "the automatic status")
        self.assertTrue(invoice.with_user(self.invoice_user).read(["name"]), "still visible to the clerk")
        # Reversal, payment, cancellation and reset as well.
        invoice.with_user(self.invoice_user).button_draft()
        self.assertEqual(invoice.workflow_status_id, self.status_new)
        invoice.with_user(self.invoice_user).button_cancel()
        self.assertEqual(invoice.workflow_status_id, self.status_cancelled)

    def test_one_automatic_status_per_group_available_to_everyone(self):
        self.assertEqual(
            (self.status_new | self.status_in_progress | self.status_paid | self.status_cancelled).mapped(
                "is_automatic"
            ),
            [True] * 4,
        )
        with self.assertRaisesRegex(ValidationError, "Only one status of each group"):
            self.dispute.write(
                {"is_automatic": True, "group_ids": [Command.clear()], "require_comment": False}
            )
        # Refused, and rolled back as the request would be.
        with self.assertRaisesRegex(ValidationError, "available to everyone"), self.env.cr.savepoint():
            self.status_in_progress.group_ids = [Command.set(self.managers.ids)]
        with self.assertRaisesRegex(ValidationError, "available to everyone"), self.env.cr.savepoint():
            self.status_in_progress.require_comment = True
        self.status_in_progress.invalidate_recordset()
        self.assertFalse(self.status_in_progress.group_ids, "nothing changed")

    def test_forged_context_keys_skip_no_rule(self):
        invoice = self._posted_invoice()
        clerk_invoice = invoice.with_user(self.invoice_user).with_context(**FORGED_CONTEXT)
        with self.assertRaisesRegex(UserError, "not allowed"):
            clerk_invoice.write({"workflow_status_id": self.dispute.id})
        with self.assertRaisesRegex(AccessError, "cannot be written"):
            clerk_invoice.write({"accountant_processed": True})
        for values in (
            {"audit_print_count": 0},
            {"audit_last_sent_date": "2026-01-01 00:00:00"},
            {"workflow_status_date": "2020-01-01 00:00:00"},
            {"workflow_overdue_notified": True},
        ):
            with self.subTest(values=values), self.assertRaisesRegex(AccessError, "cannot be written"):
                clerk_invoice.write(values)
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)
        self.assertFalse(invoice.accountant_processed)
        Move = self.env["account.move"].with_user(self.invoice_user).with_context(**FORGED_CONTEXT)
        with self.assertRaisesRegex(UserError, "must start in a status of the group"):
            Move.create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_a.id,
                    "workflow_status_id": self.status_paid.id,
                }
            )
        with self.assertRaisesRegex(AccessError, "cannot be written"):
            Move.create({"move_type": "out_invoice", "partner_id": self.partner_a.id, "audit_send_count": 3})
        # An import goes through create() too: refused, nothing imported.
        result = Move.load(
            ["move_type", "partner_id/.id", "audit_print_count"], [["out_invoice", self.partner_a.id, 9]]
        )
        self.assertFalse(result["ids"])
        self.assertIn("cannot be written", result["messages"][0]["message"])
        company = self.company_data["company"].with_user(self.status_manager).with_context(**FORGED_CONTEXT)
        with self.assertRaisesRegex(AccessError, "cannot be written"):
            company.write({"books_up_to_date": "2030-01-01"})

    def test_restricted_documents_are_hidden_on_every_internal_path(self):
        invoice = self._posted_invoice()
        invoice.with_user(self.status_manager).action_set_workflow_status(
            self.dispute, comment="Customer disputes"
        )
        self.env.flush_all()
        clerk = self.env(user=self.invoice_user)
        self.assertFalse(clerk["account.move"].search([("id", "=", invoice.id)]))
        self.assertFalse(clerk["account.move.line"].search([("move_id", "=", invoice.id)]), "journal items")
        self.assertFalse(
            clerk["account.invoice.report"].search([("move_id", "=", invoice.id)]), "invoice analysis"
        )
        self.assertFalse(clerk["account.move"].name_search(invoice.name))
        with self.assertRaises(AccessError):
            invoice.with_user(self.invoice_user).read(["name"])
        recurrence = self.env["invoice.recurrence"].create({"template_move_id": invoice.id})
        self.assertFalse(clerk["invoice.recurrence"].search([("id", "=", recurrence.id)]), "recurrence on it")
        # The status manager, in the status's groups, sees all of it.
        manager = self.env(user=self.status_manager)
        self.assertTrue(manager["account.move.line"].search([("move_id", "=", invoice.id)]))
        self.assertTrue(manager["invoice.recurrence"].search([("id", "=", recurrence.id)]))

    def test_the_customer_still_sees_a_restricted_invoice_on_the_portal(self):
        invoice = self._posted_invoice()
        invoice.with_user(self.status_manager).action_set_workflow_status(self.dispute, comment="On hold")
        customer = new_test_user(self.env, login="iwa_rules_customer", groups="base.group_portal")
        customer.partner_id = self.partner_a
        invoice.message_subscribe(self.partner_a.ids)
        self.env.flush_all()
        portal = self.env(user=customer)
        self.assertEqual(portal["account.move"].search([("id", "=", invoice.id)]), invoice)

    def test_escalation_after_the_time_limit(self):
        status = self.env["invoice.workflow.status"].create(
            {
                "name": "Awaiting approval",
                "group": "in_progress",
                "time_limit_hours": 1,
                "escalation_hours": 2,
            }
        )
        self.status_in_progress.next_status_ids = [Command.link(status.id)]
        start = datetime(2026, 3, 2, 8, 0, 0)
        with freeze_time(start):
            invoice = self._posted_invoice()
            invoice.action_set_workflow_status(status)
        self.assertEqual(invoice.workflow_escalation_deadline, start + timedelta(hours=3))
        Move = self.env["account.move"]
        with freeze_time(start + timedelta(hours=2)):
            Move._cron_notify_workflow_status_overdue()
            invoice.invalidate_recordset(["workflow_status_overdue", "workflow_status_escalated"])
            self.assertTrue(invoice.workflow_status_overdue)
            self.assertFalse(invoice.workflow_status_escalated)
            self.assertFalse(Move.search([("id", "=", invoice.id), ("workflow_status_escalated", "=", True)]))
        managers = self.env.ref("invoice_workflow_audit.group_invoice_workflow_manager").users.filtered(
            lambda user: not user.share and invoice.company_id in user.company_ids
        )
        self.assertIn(self.status_manager, managers)
        with freeze_time(start + timedelta(hours=4)):
            Move._cron_notify_workflow_status_overdue()
            Move._cron_notify_workflow_status_overdue()  # once only
            self.assertEqual(
                Move.search([("workflow_status_escalated", "=", True), ("id", "=", invoice.id)]), invoice
            )
        escalations = invoice.activity_ids.filtered(lambda activity: activity.summary.startswith("Escalated"))
        self.assertEqual(escalations.user_id, managers)
        with self.assertRaisesRegex(ValidationError, "time limit first"):
            status.time_limit_hours = 0


@tagged("post_install", "-at_install")
class TestWorkflowStatusInstall(WorkflowStatusCommon):
    """Installing on a database that already holds invoices: set-based SQL."""

    def test_existing_documents_get_the_status_of_their_accounting_state(self):
        draft = self._draft_invoice()
        posted = self._posted_invoice()
        cancelled = self._posted_invoice()
        cancelled.button_draft()
        cancelled.button_cancel()
        paid = self._posted_invoice()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({})._create_payments()
        moves = draft | posted | cancelled | paid
        self.env.flush_all()
        # As before the addon was installed: no status at all.
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET workflow_status_id = NULL, workflow_status_group = NULL,"
                " workflow_status_date = NULL WHERE id IN %s",
                tuple(moves.ids),
            )
        )
        moves.invalidate_recordset()
        post_init_hook(self.env)
        self.assertEqual(
            [move.workflow_status_id for move in (draft, posted, cancelled, paid)],
            [self.status_new, self.status_in_progress, self.status_cancelled, self.status_paid],
        )
        self.assertEqual(moves.mapped("workflow_status_group"), ["new", "in_progress", "cancelled", "paid"])
        self.assertTrue(all(moves.mapped("workflow_status_date")))


@tagged("post_install", "-at_install")
class TestRestrictedStatusOnAccountantPortal(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    """The accountant keeps the company's books: the portal lists every posted
    document, whatever its internal status (statuses organise the internal
    team's work; the books must be complete)."""

    def test_the_accountant_sees_restricted_documents(self):
        company = self.company_data["company"]
        restricted = self.env["invoice.workflow.status"].create(
            {
                "name": "Internal review",
                "group": "in_progress",
                "group_ids": [Command.set(self.env.ref("account.group_account_manager").ids)],
            }
        )
        self.status_in_progress.next_status_ids = [Command.link(restricted.id)]
        invoice = self._posted_invoice()
        invoice.with_user(self.status_manager).action_set_workflow_status(restricted)
        accountant = new_test_user(self.env, login="iwa_rules_accountant", groups="base.group_portal")
        company.sudo().accountant_user_ids = [Command.link(accountant.id)]
        self.env.flush_all()
        self.authenticate(accountant.login, accountant.login)
        response = self.url_open(f"/my/accounting/{company.id}/out_invoice")
        self.assertEqual(response.status_code, 200)
        self.assertIn(invoice.name, response.text)
        # The clerk, outside the status's groups, does not see it in the back office.
        self.assertFalse(self.env(user=self.invoice_user)["account.move"].search([("id", "=", invoice.id)]))
