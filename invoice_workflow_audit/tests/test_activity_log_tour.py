# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestActivityLogTour(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    def test_owner_filters_the_history_and_opens_a_document(self):
        self._enable_activity_log()
        customer = self.env["res.partner"].create({"name": "Activity Tour Customer"})
        invoice = self.init_invoice("out_invoice", partner=customer, products=self.product_a)
        self._flush_tracking()
        invoice.action_post()
        self._flush_tracking()
        self.start_tour(
            "/odoo/action-invoice_workflow_audit.action_invoice_activity_log",
            "invoice_activity_log_tour",
            login=self.env.user.login,
        )
