# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import closing

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from ..models.workflow.lifecycle_codes import LIFECYCLE_CODES, LIFECYCLE_TRANSITIONS
from .common import WorkflowStatusCommon


class LifecycleCommon(WorkflowStatusCommon):
    """A company with the e-invoicing lifecycle loaded."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.action_load_einvoicing_lifecycle()
        cls.lifecycle = {
            (status.lifecycle_side, status.lifecycle_code): status
            for status in cls.company._lifecycle_statuses()
        }

    @classmethod
    def _status(cls, side, code):
        return cls.lifecycle[(side, code)]

    @classmethod
    def _posted_bill(cls, **kwargs):
        return cls.init_invoice("in_invoice", products=cls.product_a, post=True, **kwargs)

    def _pay(self, move):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({})._create_payments()
        self.env.flush_all()


@tagged("post_install", "-at_install")
class TestLifecycleLoad(LifecycleCommon):
    def test_lifecycle_loads_twice_without_duplicates(self):
        self.assertEqual(len(self.lifecycle), 2 * len(LIFECYCLE_CODES))
        transitions = {status: status.next_status_ids for status in self.lifecycle.values()}
        in_progress_next = self.status_in_progress.next_status_ids
        reasons = self.env["invoice.lifecycle.reason"].search_count([])
        self.company.action_load_einvoicing_lifecycle()
        self.company.action_load_einvoicing_lifecycle()
        again = self.company._lifecycle_statuses()
        self.assertEqual(len(again), 2 * len(LIFECYCLE_CODES), "nothing duplicated")
        self.assertEqual({status: status.next_status_ids for status in again}, transitions)
        self.assertEqual(self.status_in_progress.next_status_ids, in_progress_next)
        self.assertEqual(self.env["invoice.lifecycle.reason"].search_count([]), reasons)

    def test_lifecycle_statuses_come_after_existing_ones_and_keep_them(self):
        own = self.status_new | self.status_in_progress | self.status_sent | self.status_disputed
        self.assertTrue(own.exists())
        self.assertLess(max(own.mapped("sequence")), min(s.sequence for s in self.lifecycle.values()))
        # The user's own transitions are kept; the lifecycle's are added.
        self.assertIn(self.status_sent, self.status_in_progress.next_status_ids)
        self.assertIn(self._status("customer", "200"), self.status_in_progress.next_status_ids)
        self.assertIn(self._status("customer", "212"), self.status_paid.next_status_ids)

    def test_lifecycle_codes_sides_and_who_sets_them(self):
        customer_207 = self._status("customer", "207")
        vendor_207 = self._status("vendor", "207")
        self.assertEqual((customer_207.lifecycle_set_by, vendor_207.lifecycle_set_by), ("buyer", "buyer"))
        # On customer invoices the buyer's decisions are received; on bills they are ours.
        self.assertTrue(customer_207.lifecycle_received)
        self.assertFalse(vendor_207.lifecycle_received)
        self.assertTrue(self._status("vendor", "212").lifecycle_received)
        self.assertFalse(self._status("customer", "212").lifecycle_received)
        self.assertTrue(self._status("customer", "200").lifecycle_received)
        self.assertTrue(self._status("vendor", "213").lifecycle_received)
        # Suspendue has a 72-hour time limit; En litige and Suspendue hold payments.
        for side in ("customer", "vendor"):
            self.assertEqual(self._status(side, "208").time_limit_hours, 72)
            self.assertTrue(self._status(side, "207").hold_payment)
            self.assertTrue(self._status(side, "208").hold_payment)
            self.assertFalse(self._status(side, "205").hold_payment)
        self.assertEqual(self._status("customer", "212").group, "paid")
        self.assertEqual(self._status("customer", "220").group, "cancelled")

    def test_vendor_decisions_go_to_the_chosen_group(self):
        deciders = self.env.ref("account.group_account_manager")
        self.company.einvoicing_decision_group_id = deciders
        for code in ("205", "206", "207", "208", "210"):
            self.assertEqual(self._status("vendor", code).group_ids, deciders)
        self.assertFalse(self._status("vendor", "211").group_ids)
        self.assertFalse(self._status("customer", "205").group_ids)
        bill = self._posted_bill()
        with self.assertRaisesRegex(UserError, "reserved"):
            bill.with_user(self.invoice_user).action_set_workflow_status(self._status("vendor", "205"))
        bill.with_user(self.status_manager).action_set_workflow_status(self._status("vendor", "205"))
        self.assertEqual(bill.workflow_status_id, self._status("vendor", "205"))

    def test_only_status_managers_load_the_lifecycle(self):
        with self.assertRaises(AccessError):
            self.company.with_user(self.invoice_user).action_load_einvoicing_lifecycle()
        settings = self.env["res.config.settings"].create({})
        action = settings.action_load_einvoicing_lifecycle()
        self.assertEqual(action["tag"], "display_notification")

    def test_final_statuses_cannot_be_given_a_way_out(self):
        with self.assertRaises(ValidationError):
            self._status("vendor", "210").next_status_ids = [Command.link(self._status("vendor", "205").id)]
        with self.assertRaises(ValidationError):
            self._status("vendor", "207").next_status_ids = [Command.link(self._status("vendor", "209").id)]


@tagged("post_install", "-at_install")
class TestLifecycleGraph(LifecycleCommon):
    """Every transition of the specification's table is allowed by hand where
    the company sets the status, every other one refused."""

    def _walk(self, side, document):
        statuses = {code: self._status(side, code) for code, _label in LIFECYCLE_CODES}
        reasons = {
            code: self.env["invoice.lifecycle.reason"].search([("lifecycle_code", "=", code)], limit=1)
            for code in statuses
        }
        for source_code, source in statuses.items():
            for target_code, target in statuses.items():
                if target == source:
                    continue
                expected = (
                    target_code in LIFECYCLE_TRANSITIONS[source_code]
                    and not target.lifecycle_received
                    and target.group != "paid"  # the document is not paid
                )
                with self.subTest(side=side, source=source_code, target=target_code):
                    with closing(self.env.cr.savepoint()):
                        document._write_protected({"workflow_status_id": source.id})
                        try:
                            document.action_set_workflow_status(
                                target, comment="Graph", reason=reasons[target_code] or None
                            )
                            allowed = document.workflow_status_id == target
                        except UserError:
                            allowed = False
                        self.env.invalidate_all(flush=False)
                    self.assertEqual(allowed, expected)

    def test_customer_side_graph(self):
        self._walk("customer", self._posted_invoice())

    def test_vendor_side_graph(self):
        self._walk("vendor", self._posted_bill())

    def test_leaving_a_final_status_209_without_208_and_212_unpaid_are_refused(self):
        bill = self._posted_bill()
        bill.action_set_workflow_status(self._status("vendor", "210"), reason="TX_TVA_ERR")
        with self.assertRaisesRegex(UserError, "final"):
            bill.action_set_workflow_status(self.status_in_progress)
        invoice = self._posted_invoice()
        invoice._write_protected({"workflow_status_id": self._status("customer", "207").id})
        with self.assertRaisesRegex(UserError, "Suspendue"):
            invoice.action_set_workflow_status(self._status("customer", "209"))
        invoice._write_protected({"workflow_status_id": self._status("customer", "208").id})
        invoice.action_set_workflow_status(self._status("customer", "209"))
        self.assertEqual(invoice.workflow_status_id, self._status("customer", "209"))
        invoice._write_protected({"workflow_status_id": self._status("customer", "211").id})
        with self.assertRaisesRegex(UserError, "not fully paid"):
            invoice.action_set_workflow_status(self._status("customer", "212"))
        paid = self._posted_invoice()
        self._pay(paid)
        # Paid in full: Encaissée by itself (queued for the platform, see the events' tests).
        self.assertEqual(paid.workflow_status_id, self._status("customer", "212"))
        # From the Paid status, the company sets it by hand (a payment before the lifecycle).
        paid._write_protected({"workflow_status_id": self.status_paid.id})
        paid.action_set_workflow_status(self._status("customer", "212"))
        self.assertEqual(paid.workflow_status_id, self._status("customer", "212"))

    def test_statuses_set_by_others_and_of_the_other_side_are_refused(self):
        invoice = self._posted_invoice()
        with self.assertRaisesRegex(UserError, "platform"):
            invoice.action_set_workflow_status(self._status("customer", "205"))
        with self.assertRaisesRegex(UserError, "not one of them"):
            invoice.action_set_workflow_status(self._status("vendor", "205"))
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)


@tagged("post_install", "-at_install")
class TestLifecycleReasons(LifecycleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_activity_log()
        cls.refused = cls._status("vendor", "210")

    def test_official_lists_are_shipped(self):
        Reason = self.env["invoice.lifecycle.reason"]
        self.assertEqual(
            Reason.search([("code", "=", "TX_TVA_ERR")]).mapped("lifecycle_code"), ["207", "210"]
        )
        shipped = (("210", "DOUBLE_FACT"), ("207", "PU_ERR"), ("207", "QTE_ERR"), ("213", "REJ_SEMAN"))
        for code, reason in shipped:
            self.assertTrue(Reason.search([("lifecycle_code", "=", code), ("code", "=", reason)]))

    def test_entering_210_needs_a_reason_of_its_list(self):
        bill = self._posted_bill()
        self._flush_tracking()
        messages = len(self._messages(bill))
        for reason in (None, "PU_ERR", "NOPE", self.env.ref("invoice_workflow_audit.reason_207_pu_err"), 42):
            with self.subTest(reason=reason):
                with self.assertRaises(UserError):
                    bill.action_set_workflow_status(self.refused, reason=reason)
                self.assertEqual(bill.workflow_status_id, self.status_in_progress)
                self.assertFalse(bill.workflow_status_reason_id)
        self.assertEqual(len(self._messages(bill)), messages, "nothing changed")
        # A reason for a status that takes none is refused too.
        with self.assertRaises(UserError):
            bill.action_set_workflow_status(self._status("vendor", "205"), reason="TX_TVA_ERR")

        bill.action_set_workflow_status(self.refused, comment="Taux de 5,5 % attendu", reason="TX_TVA_ERR")
        self.assertEqual(bill.workflow_status_id, self.refused)
        self.assertEqual(bill.workflow_status_reason_id.code, "TX_TVA_ERR")
        body = self._status_messages(bill)[0].body
        self.assertIn("TX_TVA_ERR", body)
        self.assertIn("Taux de 5,5 % attendu", body)
        row = self._log_rows(bill, action_type="status_changed")[-1]
        self.assertIn("TX_TVA_ERR", row.description)
        self.assertIn("210 Refusée", row.description)

    def test_change_status_wizard_asks_for_the_reason(self):
        bill = self._posted_bill()
        wizard = Form(
            self.env["invoice.workflow.status.change"].with_context(
                active_model="account.move", active_ids=bill.ids
            )
        )
        self.assertNotIn(self._status("vendor", "220"), wizard.allowed_status_ids, "set by the seller")
        self.assertNotIn(self._status("customer", "207"), wizard.allowed_status_ids, "other side")
        wizard.status_id = self._status("vendor", "207")
        self.assertTrue(wizard.require_reason)
        wizard.reason_id = self.env.ref("invoice_workflow_audit.reason_207_qte_err")
        wizard.comment = "3 livrés, 5 facturés"
        wizard.save().action_confirm()
        self.assertEqual(bill.workflow_status_id, self._status("vendor", "207"))
        self.assertEqual(bill.workflow_status_reason_id.code, "QTE_ERR")
