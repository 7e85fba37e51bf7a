# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import new_test_user, tagged

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestActivityLogLanguage(WorkflowStatusCommon):
    """A row's detail is written once and hashed: in the company's language,
    not in the language of whoever acted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.company.partner_id.lang = "fr_FR"
        owner = new_test_user(
            cls.env,
            login="iwa_language_owner",
            groups="invoice_workflow_audit.group_account_owner",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.company.with_user(owner).activity_log_enabled = True
        cls.invoice_user.lang = "en_US"

    def test_printing_is_written_in_the_companys_language(self):
        invoice = self._posted_invoice()
        invoice.with_user(self.invoice_user)._log_printed("Invoice PDF")
        row = self._log_rows(invoice, action_type="document_printed")
        self.assertEqual(row.description, "Imprimé : Invoice PDF")
        # The chatter speaks the language of whoever acted.
        self.assertIn("Printed: Invoice PDF", invoice.message_ids[0].body)

    def test_the_accountants_mark_is_written_in_the_companys_language(self):
        invoice = self._posted_invoice()
        invoice.with_user(self.invoice_user)._set_accountant_processed(True)
        invoice.with_user(self.invoice_user)._set_accountant_processed(False)
        rows = self._log_rows(invoice, action_type="accountant_processed_set") | self._log_rows(
            invoice, action_type="accountant_processed_cleared"
        )
        self.assertEqual(
            rows.mapped("description"),
            ["Marquée comme traitée par le comptable.", "Marque Traitée retirée par le comptable."],
        )
