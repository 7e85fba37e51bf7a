# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestWorkflowStatusBoardTour(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    def test_dropping_a_card_into_a_status_asking_for_a_comment_opens_change_status(self):
        self.status_disputed.name = "Board Disputed"
        self.assertTrue(self.status_disputed.requires_input)
        self.assertFalse(self.status_sent.requires_input)
        customer = self.env["res.partner"].create({"name": "Board Tour Customer"})
        invoice = self.init_invoice("out_invoice", partner=customer, products=self.product_a, post=True)
        self.status_paid.name = "Board Paid"
        refused = self.init_invoice(
            "out_invoice",
            partner=self.env["res.partner"].create({"name": "Board Refused Customer"}),
            products=self.product_a,
            post=True,
        )
        self.start_tour(
            "/odoo/action-invoice_workflow_audit.action_move_workflow_board",
            "invoice_workflow_board_tour",
            login=self.env.user.login,
        )
        self.assertEqual(invoice.workflow_status_id, self.status_disputed)
        self.assertEqual(refused.workflow_status_id, self.status_in_progress)
        self.assertIn("The customer disputes the quantity", self._status_messages(invoice)[0].body)


@tagged("post_install", "-at_install")
class TestLifecycleReasonTour(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    def test_change_status_with_a_reason_in_browser(self):
        company = self.company_data["company"]
        company.action_load_einvoicing_lifecycle()
        bill = self.init_invoice("in_invoice", products=self.product_a, post=True)
        self.start_tour(
            f"/odoo/action-account.action_move_in_invoice_type/{bill.id}",
            "invoice_lifecycle_reason_tour",
            login=self.env.user.login,
        )
        self.assertEqual(bill.workflow_status_id.lifecycle_code, "207")
        self.assertEqual(bill.workflow_status_reason_id.code, "QTE_ERR")
