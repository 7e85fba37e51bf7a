# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

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
        # The addon's French terms (field labels, status names) as a French
        # database has them.
        cls.env["ir.module.module"]._load_module_terms(["invoice_workflow_audit"], ["fr_FR"], overwrite=True)
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

    def test_a_new_language_of_the_company_applies_at_once(self):
        # The company's language is cached in the registry (_company_lang):
        # the partner's new language clears it.
        invoice = self._posted_invoice()
        invoice.with_user(self.invoice_user)._set_accountant_processed(True)
        self.company.partner_id.lang = "en_US"
        invoice.with_user(self.invoice_user)._set_accountant_processed(False)
        rows = self._log_rows(invoice, action_type="accountant_processed_set") | self._log_rows(
            invoice, action_type="accountant_processed_cleared"
        )
        self.assertEqual(
            rows.mapped("description"),
            ["Marquée comme traitée par le comptable.", "Processed mark cleared by the accountant."],
        )

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

    def _label(self, model, fname, lang):
        env = self.env(context=dict(self.env.context, lang=lang))
        return env[model]._fields[fname]._description_string(env)

    def test_a_status_change_keeps_its_whole_comment_in_the_companys_language(self):
        invoice = self._posted_invoice()
        comment = "Le client conteste la ligne 3. " + "Détail du litige, " * 40 + "fin."
        self.assertGreater(len(comment), 500)
        wizard = (
            self.env["invoice.workflow.status.change"]
            .with_user(self.invoice_user)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"status_id": self.status_disputed.id, "comment": comment})
        )
        wizard.action_confirm()
        # The last status change: the one by hand (posting made the first).
        row = self._log_rows(invoice, action_type="status_changed")[-1]
        self.assertIn(f"Commentaire : {comment}", row.description, "the whole comment, in French")
        self.assertIn(self._label("account.move", "workflow_status_id", "fr_FR"), row.description)
        self.assertNotIn(self._label("account.move", "workflow_status_id", "en_US"), row.description)
        # The chatter speaks the language of whoever acted.
        self.assertIn("Status changed by hand. Comment:", str(self._status_messages(invoice)[0].body))

    def test_every_action_of_an_english_user_is_written_in_french(self):
        user = self.invoice_user
        self.assertEqual(user.lang, "en_US")
        user.groups_id |= self.env.ref("base.group_allow_export")
        self.partner_a.email = "partner_a@example.com"
        invoice = self._posted_invoice()
        # A status change by hand.
        invoice.with_user(user).action_set_workflow_status(self.status_sent)
        # Sending.
        self.env["account.move.send.wizard"].with_user(user).with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"sending_methods": ["email"]}).action_send_and_print()
        # Registering its payment.
        self.env["account.payment.register"].with_user(user).with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        # An export.
        invoice.with_user(user).export_data(["name", "amount_total"])
        # A recurrence created and generating its first document.
        template = self._posted_invoice(invoice_date="2026-01-31")
        with freeze_time("2026-03-02"):
            recurrence = (
                self.env["invoice.recurrence"]
                .with_user(user)
                .create(
                    {
                        "template_move_id": template.id,
                        "interval_number": 1,
                        "interval_type": "month",
                        "date_start": "2026-03-01",
                    }
                )
            )
            recurrence.with_user(user).action_generate_now()
        # A status's configuration changed by a status manager.
        self.status_sent.with_user(self.status_manager).time_limit_hours = 24
        expected = {
            ("account.move", invoice.id, "status_changed"): self._label(
                "account.move", "workflow_status_id", "fr_FR"
            ),
            ("account.move", invoice.id, "document_sent"): "Destinataires : ",
            ("account.move", invoice.id, "payment_reconciled"): "lettré avec",
            ("res.company", self.company.id, "records_exported"): "exporté(s) : name, amount_total",
            ("invoice.recurrence", recurrence.id, "recurrence_created"): "Tous les 1 ",
            ("invoice.recurrence", recurrence.id, "recurring_document_created"): "pour la période du",
            ("invoice.workflow.status", self.status_sent.id, "status_config_modified"): self._label(
                "invoice.workflow.status", "time_limit_hours", "fr_FR"
            )
            + ": 48.0 → 24.0",
        }
        for (model, res_id, action_type), text in expected.items():
            with self.subTest(action_type=action_type):
                rows = self._log_rows(res_model=model, res_id=res_id, action_type=action_type)
                self.assertTrue(rows, f"no {action_type} row")
                self.assertIn(text, rows[-1].description)
        # The chatter of the payment speaks English, whoever's company it is.
        self.assertIn("reconciled with", str(self._messages(invoice).mapped("body")))
