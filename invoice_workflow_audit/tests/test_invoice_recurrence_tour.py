# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestInvoiceRecurrenceTour(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    def test_make_recurring_and_resolve_from_dashboard(self):
        customer = self.env["res.partner"].create({"name": "Recurring Tour Customer"})
        invoice = self.init_invoice("out_invoice", partner=customer, products=self.product_a, post=True)
        # A recurrence that stopped: its product was archived; two periods missed.
        hosting = self.env["product.product"].create({"name": "Tour Hosting", "lst_price": 30.0})
        stopped_customer = self.env["res.partner"].create({"name": "Stopped Tour Customer"})
        base = self.init_invoice("out_invoice", partner=stopped_customer, products=hosting, post=True)
        today = fields.Date.context_today(self.env.user)
        stopped = self.env["invoice.recurrence"].create(
            {"template_move_id": base.id, "date_start": today - relativedelta(months=1)}
        )
        hosting.action_archive()
        stopped._generate_batch(today)
        self.assertEqual((stopped.state, stopped.missing_count), ("stopped", 2))
        hosting.action_unarchive()

        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "invoice_recurrence_tour",
            login=self.env.user.login,
        )

        made = invoice.template_recurrence_ids
        self.assertEqual(len(made), 1)
        self.assertEqual((made.interval_number, made.interval_type, made.state), (3, "month", "running"))
        self.assertEqual(stopped.state, "running")
        self.assertGreater(stopped.date_next, today)
        self.assertFalse(stopped.move_ids, "the missed periods were skipped")
