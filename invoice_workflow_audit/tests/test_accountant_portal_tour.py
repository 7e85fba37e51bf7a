# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestAccountantPortalTour(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    def test_accountant_goes_through_the_portal(self):
        self._enable_activity_log()
        company = self.company_data["company"]
        company._write_protected({"name": "Tour Company", "books_up_to_date": "2026-03-31"})
        accountant = new_test_user(self.env, login="iwa_tour_accountant", groups="base.group_portal")
        company.accountant_user_ids = [Command.link(accountant.id)]
        paying, owing, supplier = self.env["res.partner"].create(
            [{"name": "Tour Customer Paid"}, {"name": "Tour Customer Open"}, {"name": "Tour Supplier"}]
        )
        paid = self.init_invoice(
            "out_invoice", partner=paying, invoice_date="2026-01-10", amounts=[1000], taxes=[], post=True
        )
        owed = self.init_invoice(
            "out_invoice", partner=owing, invoice_date="2026-02-10", amounts=[400], taxes=[], post=True
        )
        self.init_invoice(
            "in_invoice", partner=supplier, invoice_date="2026-01-15", amounts=[300], taxes=[], post=True
        )
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({"payment_date": "2026-01-25"})._create_payments()
        self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.company_data["default_journal_bank"].id,
                "date": "2026-03-01",
                "payment_ref": "Tour bank transfer",
                "amount": 1000.0,
                "partner_id": paying.id,
            }
        )
        self.start_tour("/my/accounting", "accountant_portal_tour", login=accountant.login)

        # What the tour saved: the open invoice it marked, and only that one,
        # with its history row and its chatter note, as the accountant.
        self.env.invalidate_all()
        self.assertTrue(owed.accountant_processed)
        self.assertFalse(paid.accountant_processed)
        rows = self._log_rows(action_type="accountant_processed_set")
        self.assertEqual([(row.res_model, row.res_id) for row in rows], [("account.move", owed.id)])
        self.assertEqual(rows.user_id, accountant)
        self.assertFalse(self._log_rows(action_type="accountant_processed_cleared"))
        notes = self._messages(owed).filtered(lambda m: "Marked as processed by the accountant" in m.body)
        self.assertEqual(notes.author_id, accountant.partner_id)


@tagged("post_install", "-at_install")
class TestAccountantExportsTour(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    def test_accountant_collects_a_batch(self):
        self._enable_activity_log()
        company = self.company_data["company"]
        accountant = new_test_user(self.env, login="iwa_tour_exporter", groups="base.group_portal")
        company.accountant_user_ids = [Command.link(accountant.id)]
        customer = self.env["res.partner"].create({"name": "Tour Export Customer"})
        invoice = self.init_invoice(
            "out_invoice", partner=customer, invoice_date="2026-01-10", amounts=[1000], taxes=[], post=True
        )
        self.start_tour(
            f"/my/accounting/{company.id}/out_invoice", "accountant_exports_tour", login=accountant.login
        )

        self.env.invalidate_all()
        batch = self.env["invoice.accountant.batch"].sudo().search([("company_id", "=", company.id)])
        self.assertEqual(len(batch), 1)
        self.assertEqual(
            (batch.file_format, batch.period_label, batch.user_id), ("csv", "2026-01", accountant)
        )
        self.assertEqual(batch.move_count, 1)
        self.assertEqual(batch.line_count, len(invoice.line_ids))
        self.assertEqual(len(batch.checksum), 64)
        rows = self._log_rows(batch.sudo(), action_type="entries_exported")
        self.assertEqual(rows.user_id, accountant)
