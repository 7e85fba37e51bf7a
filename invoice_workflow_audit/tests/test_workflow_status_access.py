# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestWorkflowStatusAccess(WorkflowStatusCommon):
    """Access is enforced on the server, for each relevant group."""

    def test_only_status_managers_configure_statuses(self):
        Status = self.env["invoice.workflow.status"]
        with self.assertRaises(AccessError):
            Status.with_user(self.invoice_user).create({"name": "Mine", "group": "new"})
        with self.assertRaises(AccessError):
            self.status_sent.with_user(self.invoice_user).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.status_disputed.with_user(self.invoice_user).unlink()
        self.assertEqual(self.status_sent.name, "Sent")
        # Invoicing users read statuses: they show on every invoice.
        self.assertEqual(self.status_sent.with_user(self.invoice_user).name, "Sent")
        created = Status.with_user(self.status_manager).create({"name": "Manager's", "group": "new"})
        created.with_user(self.status_manager).write({"time_limit_hours": 5})
        created.with_user(self.status_manager).unlink()

    def test_restricted_status_hides_its_documents(self):
        managers = self.env.ref("account.group_account_manager")
        invoice = self._posted_invoice()
        visible = self._posted_invoice()
        invoice.action_set_workflow_status(self.status_sent)
        self.status_sent.group_ids = managers
        Move = self.env["account.move"]
        domain = [("id", "in", (invoice + visible).ids)]
        # The rule applies at once: the computed rule domains are not stale.
        self.assertEqual(Move.with_user(self.invoice_user).search(domain), visible)
        with self.assertRaises(AccessError):
            invoice.with_user(self.invoice_user).read(["name"])
        with self.assertRaises(AccessError):
            invoice.with_user(self.invoice_user).write({"ref": "changed"})
        self.assertEqual(Move.with_user(self.status_manager).search(domain), invoice + visible)
        self.assertEqual(Move.with_user(self.invoice_user).search_count(domain), 1)
        # Read groups (kanban columns) count only what the user may see.
        groups = Move.with_user(self.invoice_user).read_group(
            domain, ["workflow_status_id"], ["workflow_status_id"]
        )
        self.assertNotIn(
            self.status_sent.id, [g["workflow_status_id"][0] for g in groups if g["workflow_status_id"]]
        )
        # Lifting the restriction gives the documents back.
        self.status_sent.group_ids = [Command.clear()]
        self.assertEqual(Move.with_user(self.invoice_user).search(domain), invoice + visible)

    def test_restricted_status_follows_group_membership(self):
        reviewers = self.env["res.groups"].create({"name": "Invoice reviewers"})
        self.status_sent.group_ids = reviewers
        invoice = self._posted_invoice()
        with self.assertRaisesRegex(UserError, "not allowed"):
            invoice.with_user(self.invoice_user).action_set_workflow_status(self.status_sent)
        self.invoice_user.groups_id = [Command.link(reviewers.id)]
        invoice.with_user(self.invoice_user).action_set_workflow_status(self.status_sent)
        self.assertEqual(invoice.workflow_status_id, self.status_sent)
        self.assertTrue(invoice.with_user(self.invoice_user).read(["name"]))

    def test_kanban_columns_exclude_hidden_statuses(self):
        self.status_disputed.group_ids = self.env.ref("account.group_account_manager")
        Move = self.env["account.move"]
        columns = Move.with_user(self.invoice_user)._read_group_expand_workflow_status_id(
            self.env["invoice.workflow.status"].with_user(self.invoice_user), []
        )
        self.assertNotIn(self.status_disputed, columns)
        self.assertIn(self.status_sent, columns)
        columns = Move.with_user(self.status_manager)._read_group_expand_workflow_status_id(
            self.env["invoice.workflow.status"].with_user(self.status_manager), []
        )
        self.assertIn(self.status_disputed, columns)

    def test_wizard_requires_invoicing_rights(self):
        employee = new_test_user(self.env, login="iwa_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["invoice.workflow.status.change"].with_user(employee).create({})


@tagged("post_install", "-at_install")
class TestWorkflowStatusMultiCompany(WorkflowStatusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_data_2 = cls.setup_other_company()
        cls.company_b = cls.company_data_2["company"]
        cls.status_new_b = cls.env["invoice.workflow.status"].create(
            {"name": "New (B)", "group": "new", "is_automatic": True, "company_id": cls.company_b.id}
        )

    def test_each_company_gets_its_own_first_status(self):
        invoice_a = self._draft_invoice()
        invoice_b = self.init_invoice("out_invoice", products=self.product_a, company=self.company_b)
        self.assertEqual(invoice_a.workflow_status_id, self.status_new)
        self.assertEqual(invoice_b.workflow_status_id, self.status_new_b)

    def test_status_of_another_company_is_refused(self):
        sent_b = self.env["invoice.workflow.status"].create(
            {"name": "Sent (B)", "group": "in_progress", "company_id": self.company_b.id}
        )
        self.status_in_progress.next_status_ids = [Command.link(sent_b.id)]
        invoice_a = self._posted_invoice()
        # A user working in both companies at once.
        both = (self.company_data["company"] + self.company_b).ids
        with self.assertRaisesRegex(UserError, "belongs to company"):
            invoice_a.with_context(allowed_company_ids=both).action_set_workflow_status(sent_b)
        self.assertEqual(invoice_a.workflow_status_id, self.status_in_progress)

    def test_user_of_one_company_does_not_see_other_company_statuses(self):
        Status = self.env["invoice.workflow.status"].with_user(self.invoice_user)
        self.assertNotIn(self.status_new_b, Status.search([]))
        self.assertIn(self.status_new, Status.search([]))
