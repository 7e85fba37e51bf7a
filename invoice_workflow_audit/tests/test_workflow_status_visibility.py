# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import JsonRpcException, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon

# The people who run the workflow: a restricted status never hides documents from them.
RUNNER_GROUPS = {
    "account_owner": "invoice_workflow_audit.group_account_owner",
    "status_manager": "invoice_workflow_audit.group_invoice_workflow_manager",
    "accounting_manager": "account.group_account_manager",
}


class VisibilityCommon(WorkflowStatusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company_data["company"]
        cls.sales_admin_group = cls.env.ref("invoice_workflow_audit.group_profile_sales_admin")
        cls.sales_admin = new_test_user(
            cls.env,
            login="iwa_visibility_sales_admin",
            groups="invoice_workflow_audit.group_profile_sales_admin",
            company_id=company.id,
            company_ids=[company.id],
        )
        cls.runners = {
            role: new_test_user(
                cls.env,
                login=f"iwa_visibility_{role}",
                groups=group,
                company_id=company.id,
                company_ids=[company.id],
            )
            for role, group in RUNNER_GROUPS.items()
        }
        # Issue 19, 7b: a status made available to Sales Administration only.
        cls.sales_admin_only = cls.env["invoice.workflow.status"].create(
            {
                "name": "Sales administration review",
                "group": "in_progress",
                "group_ids": [Command.set(cls.sales_admin_group.ids)],
            }
        )
        cls.status_in_progress.next_status_ids = [Command.link(cls.sales_admin_only.id)]

    @classmethod
    def _restricted_invoice(cls):
        invoice = cls._posted_invoice()
        invoice.with_user(cls.sales_admin).action_set_workflow_status(cls.sales_admin_only)
        return invoice


@tagged("post_install", "-at_install")
class TestWorkflowStatusVisibility(VisibilityCommon):
    """A restricted status restricts the others, never the people who run the workflow."""

    def test_runners_see_documents_in_a_status_reserved_to_others(self):
        invoice = self._restricted_invoice()
        visible = self._posted_invoice()
        recurrences = self.env["invoice.recurrence"].create(
            [{"template_move_id": invoice.id}, {"template_move_id": visible.id}]
        )
        self.env.flush_all()
        for role, user in self.runners.items():
            with self.subTest(role=role):
                env = self.env(user=user)
                self.assertEqual(
                    env["account.move"].search([("id", "in", (invoice | visible).ids)]), invoice | visible
                )
                self.assertEqual(invoice.with_user(user).read(["name"])[0]["name"], invoice.name)
                self.assertEqual(
                    env["account.move.line"].search([("move_id", "=", invoice.id)]), invoice.line_ids
                )
                self.assertTrue(env["account.invoice.report"].search([("move_id", "=", invoice.id)]))
                self.assertEqual(
                    env["invoice.recurrence"].search([("id", "in", recurrences.ids)]), recurrences
                )
                # The kanban shows the status's column.
                self.assertIn(
                    self.sales_admin_only,
                    env["account.move"]._read_group_expand_workflow_status_id(
                        env["invoice.workflow.status"], []
                    ),
                )
        # The invoicing user outside the group sees neither the invoice nor its recurrence.
        clerk = self.env(user=self.invoice_user)
        self.assertEqual(clerk["account.move"].search([("id", "in", (invoice | visible).ids)]), visible)
        with self.assertRaises(AccessError):
            invoice.with_user(self.invoice_user).read(["name"])
        self.assertFalse(clerk["account.move.line"].search([("move_id", "=", invoice.id)]))
        self.assertEqual(clerk["invoice.recurrence"].search([("id", "in", recurrences.ids)]), recurrences[1])
        self.assertNotIn(
            self.sales_admin_only,
            clerk["account.move"]._read_group_expand_workflow_status_id(clerk["invoice.workflow.status"], []),
        )
        # The sales administrators, whom the status is for, see it.
        self.assertEqual(
            self.env(user=self.sales_admin)["account.move"].search([("id", "=", invoice.id)]), invoice
        )

    def test_saving_a_restricted_status_tells_who_stops_seeing_its_documents(self):
        status = self.env["invoice.workflow.status"].new(
            {"name": "Legal", "group": "in_progress", "company_id": self.company_data["company"].id}
        )
        self.assertFalse(status.visibility_warning, "available to everyone: nothing to tell")
        status.group_ids = self.sales_admin_group
        warning = status.visibility_warning
        hidden_from = (
            self.env["res.users"]
            .search([("share", "=", False), ("company_ids", "in", self.company_data["company"].ids)])
            .filtered(
                lambda user: (
                    not user.has_group("invoice_workflow_audit.group_profile_sales_admin")
                    and not any(user.has_group(group) for group in RUNNER_GROUPS.values())
                )
            )
        )
        self.assertIn(self.invoice_user, hidden_from)
        self.assertIn("Internal users outside these groups will not see documents in this status:", warning)
        self.assertIn(f"({len(hidden_from)} users)", warning)
        self.assertIn(self.invoice_user.name, warning)
        for user in (self.sales_admin, *self.runners.values()):
            self.assertNotIn(user.name, warning)
        self.assertIn(
            "The account owner, the status managers and the accounting administrators always see them.",
            warning,
        )
        # Saved, the form shows it as well.
        saved = self.env["invoice.workflow.status"].create(
            {"name": "Legal", "group": "in_progress", "group_ids": [Command.set(self.sales_admin_group.ids)]}
        )
        self.assertIn(self.invoice_user.name, saved.visibility_warning)
        saved.group_ids = [Command.clear()]
        self.assertFalse(saved.visibility_warning)

    def test_the_payments_widget_hides_a_restricted_credit_note(self):
        invoice = self._posted_invoice()
        credit_note = self.init_invoice("out_refund", amounts=[50.0], post=True)
        credit_note.ref = "Secret settlement with the customer"
        receivable = (invoice.line_ids | credit_note.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        receivable.reconcile()
        # Paid in full, the credit note goes to a Paid status reserved to Sales Administration.
        reserved_paid = self.env["invoice.workflow.status"].create(
            {
                "name": "Settled in private",
                "group": "paid",
                "group_ids": [Command.set(self.sales_admin_group.ids)],
            }
        )
        self.assertEqual(credit_note.workflow_status_id, self.status_paid)
        self.status_paid.next_status_ids = [Command.link(reserved_paid.id)]
        credit_note.with_user(self.sales_admin).action_set_workflow_status(reserved_paid)
        self.env.flush_all()

        def widget(user):
            invoice.invalidate_recordset(["invoice_payments_widget"])
            return invoice.with_user(user).read(["invoice_payments_widget"])[0]["invoice_payments_widget"]

        content = widget(self.invoice_user)["content"]
        self.assertEqual(len(content), 1)
        dumped = json.dumps(content, default=str)
        self.assertNotIn(credit_note.name, dumped)
        self.assertNotIn("Secret settlement", dumped)
        self.assertEqual(content[0]["ref"], "Hidden document")
        # The amount is the visible invoice's own: what it has been credited.
        self.assertAlmostEqual(content[0]["amount"], credit_note.amount_total)
        self.assertEqual(invoice.with_user(self.invoice_user).amount_residual, invoice.amount_total - 50.0)
        # Who sees the credit note reads its name.
        for user in (self.sales_admin, self.runners["status_manager"]):
            self.assertIn(credit_note.name, widget(user)["content"][0]["ref"])

    def test_followers_of_a_hidden_invoice_cannot_be_read(self):
        invoice = self._restricted_invoice()
        visible = self._posted_invoice()
        (invoice | visible).sudo().message_subscribe(self.partner_a.ids)
        followers = (
            self.env["mail.followers"]
            .sudo()
            .search([("res_model", "=", "account.move"), ("res_id", "in", (invoice | visible).ids)])
        )
        hidden_follower = followers.filtered(lambda follower: follower.res_id == invoice.id)
        self.assertTrue(hidden_follower)
        Followers = self.env["mail.followers"].with_user(self.invoice_user)
        with self.assertRaises(AccessError):
            hidden_follower.with_user(self.invoice_user).read(["partner_id"])
        self.assertEqual(Followers.search([("id", "in", followers.ids)]), followers - hidden_follower)
        self.assertEqual(
            Followers.search_read(
                [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)], ["name"]
            ),
            [],
        )
        # The followers of the visible invoice, and those the runners see, stay readable.
        (followers - hidden_follower).with_user(self.invoice_user).read(["partner_id"])
        hidden_follower.with_user(self.runners["status_manager"]).read(["partner_id"])


@tagged("post_install", "-at_install")
class TestJournalDashboardProfiles(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    """The limited profiles read their side's journals only (review N7)."""

    def test_rpc_profiles_read_the_dashboard_of_their_side_only(self):
        company = self.company_data["company"]
        bill = self.init_invoice("in_invoice", products=self.product_a, post=True)
        invoice = self._posted_invoice()
        sale, purchase = (
            self.company_data["default_journal_sale"],
            self.company_data["default_journal_purchase"],
        )
        self.assertEqual((invoice.journal_id, bill.journal_id), (sale, purchase))
        for profile, own, other in (("sales_rep", sale, purchase), ("purchasing", purchase, sale)):
            user = new_test_user(
                self.env,
                login=f"iwa_dashboard_{profile}",
                groups=f"invoice_workflow_audit.group_profile_{profile}",
                company_id=company.id,
                company_ids=[company.id],
            )
            with self.subTest(profile=profile):
                self.authenticate(user.login, user.login)
                rows = self._call_kw(
                    "account.journal",
                    "search_read",
                    [("type", "in", ("purchase", "sale")), ("company_id", "=", company.id)],
                    fields=["type", "kanban_dashboard"],
                )
                self.assertEqual([row["id"] for row in rows], own.ids)
                with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
                    self._call_kw("account.journal", "read", other.ids, ["kanban_dashboard"])
                # Their own drafts still get their journal by default.
                move_type = "out_invoice" if profile == "sales_rep" else "in_invoice"
                created = self._call_kw(
                    "account.move",
                    "create",
                    {
                        "move_type": move_type,
                        "partner_id": self.partner_a.id,
                        "invoice_line_ids": [Command.create({"product_id": self.product_a.id})],
                    },
                )
                self.assertEqual(self.env["account.move"].browse(created).journal_id, own)
