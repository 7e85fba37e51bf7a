# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import new_test_user, tagged

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestMultiCompany(WorkflowStatusCommon):
    """A user of two companies who selects one sees, in every capability,
    only what belongs to the selected companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.company_data["company"]
        cls.company_data_2 = cls.setup_other_company()
        cls.company_b = cls.company_data_2["company"]
        cls.user = new_test_user(
            cls.env,
            login="iwa_two_companies",
            groups="account.group_account_invoice,invoice_workflow_audit.group_account_owner,"
            "invoice_workflow_audit.group_invoice_workflow_manager",
            company_id=cls.company_a.id,
            company_ids=[cls.company_a.id, cls.company_b.id],
        )
        for company in (cls.company_a, cls.company_b):
            company.with_user(cls.user).activity_log_enabled = True
        Status = cls.env["invoice.workflow.status"]
        cls.status_a = Status.create(
            {"name": "A only", "group": "in_progress", "company_id": cls.company_a.id}
        )
        cls.status_b = Status.create(
            {"name": "B only", "group": "in_progress", "company_id": cls.company_b.id}
        )
        cls.invoice_a = cls.init_invoice("out_invoice", products=cls.product_a, post=True)
        cls.invoice_b = cls.init_invoice(
            "out_invoice", products=cls.product_a, post=True, company=cls.company_b
        )
        Recurrence = cls.env["invoice.recurrence"]
        cls.recurrence_a = Recurrence.create({"template_move_id": cls.invoice_a.id})
        cls.recurrence_b = Recurrence.with_company(cls.company_b).create(
            {"template_move_id": cls.invoice_b.id}
        )
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        cls.env["invoice.activity.log.link"]._seal()

    def _as_user(self, *companies):
        return self.env(
            user=self.user, context={"allowed_company_ids": [company.id for company in companies]}
        )

    def test_each_capability_shows_the_selected_companies_only(self):
        checks = {
            "account.move": (self.invoice_a, self.invoice_b),
            "invoice.workflow.status": (self.status_a, self.status_b),
            "invoice.recurrence": (self.recurrence_a, self.recurrence_b),
        }
        only_a = self._as_user(self.company_a)
        both = self._as_user(self.company_a, self.company_b)
        for model, (record_a, record_b) in checks.items():
            with self.subTest(model=model):
                found = only_a[model].search([("id", "in", (record_a | record_b).ids)])
                self.assertEqual(found, record_a)
                found = both[model].search([("id", "in", (record_a | record_b).ids)])
                self.assertEqual(found, record_a | record_b)
        for company in (self.company_a, self.company_b):
            self.env["invoice.activity.log.seal"]._make_seal(company)
        for model in ("invoice.activity.log", "invoice.activity.log.link", "invoice.activity.log.seal"):
            with self.subTest(model=model):
                self.assertEqual(set(only_a[model].search([]).mapped("company_id")), {self.company_a})
                self.assertEqual(
                    set(both[model].search([]).mapped("company_id")), {self.company_a, self.company_b}
                )

    def test_the_invoice_board_offers_the_statuses_of_the_selected_company(self):
        env = self._as_user(self.company_a)
        columns = env["account.move"]._read_group_expand_workflow_status_id(
            env["invoice.workflow.status"], []
        )
        self.assertIn(self.status_a, columns)
        self.assertNotIn(self.status_b, columns)

    def test_verify_integrity_checks_the_selected_company(self):
        wizard = self._as_user(self.company_b)["invoice.activity.log.verify"].create({})
        self.assertEqual(wizard.company_id, self.company_b)
        wizard.action_verify()
        self.assertEqual(wizard.result_type, "success")
        self.assertIn(self.company_b.name, wizard.result)
