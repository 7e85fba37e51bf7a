# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestWorkflowStatusTour(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    def test_change_status_with_comment_in_browser(self):
        self.status_disputed.name = "Tour Disputed"
        self.env["invoice.workflow.status"].create(
            {"name": "Tour Unreachable", "group": "in_progress", "sequence": 99}
        )
        customer = self.env["res.partner"].create({"name": "Workflow Tour Customer"})
        invoice = self.init_invoice("out_invoice", partner=customer, products=self.product_a, post=True)
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "invoice_workflow_status_tour",
            login=self.env.user.login,
        )
        self.assertEqual(invoice.workflow_status_id, self.status_disputed)
        messages = self._status_messages(invoice)
        self.assertIn("The customer disputes the unit price", messages[0].body)
