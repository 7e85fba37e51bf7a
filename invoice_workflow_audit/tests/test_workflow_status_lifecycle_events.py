# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .test_workflow_status_lifecycle import LifecycleCommon

CONNECTOR = "invoice_workflow_audit.group_einvoicing_connector"


class LifecycleEventsCommon(LifecycleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_activity_log()
        cls.connector = new_test_user(
            cls.env,
            login="iwa_connector",
            groups=CONNECTOR,
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def _events(self, move, **domain):
        return self.env["invoice.lifecycle.event"].search(
            [("move_id", "=", move.id), *((key, "=", value) for key, value in domain.items())]
        )


@tagged("post_install", "-at_install")
class TestLifecycleReceiveRpc(LifecycleEventsCommon, AccountTestInvoicingHttpCommon):
    """The platform connector reports statuses over JSON-RPC; nobody else does."""

    def test_connector_moves_the_document_once_per_event(self):
        invoice = self._posted_invoice()
        self.authenticate(self.connector.login, self.connector.login)
        args = ("account.move", "action_receive_lifecycle_status", invoice.ids, "207")
        kwargs = {"reason": "TX_TVA_ERR", "note": "Taux de 5,5 % attendu", "event_ref": "EV-1"}
        self.assertTrue(self._call_kw(*args, **kwargs))
        self.env.invalidate_all()
        disputed = self._status("customer", "207")
        self.assertEqual(invoice.workflow_status_id, disputed)
        self.assertEqual(invoice.workflow_status_reason_id.code, "TX_TVA_ERR")
        # The same event again changes nothing.
        self.assertFalse(self._call_kw(*args, **kwargs))
        self.env.invalidate_all()
        received = self._log_rows(invoice, action_type="status_received")
        self.assertEqual(len(received), 1)
        self.assertIn("EV-1", received.description)
        self.assertIn("TX_TVA_ERR", received.description)
        self.assertEqual(received.user_id, self.connector)
        event = self._events(invoice)
        self.assertEqual(len(event), 1)
        self.assertEqual(
            (event.direction, event.state, event.external_ref, event.lifecycle_code),
            ("incoming", "received", "EV-1", "207"),
        )
        self.assertIn("EV-1", self._status_messages(invoice)[0].body)
        # Received whatever the users' transitions: Approuvée after En litige.
        self._call_kw("account.move", "action_receive_lifecycle_status", invoice.ids, "205", event_ref="EV-2")
        self.env.invalidate_all()
        self.assertEqual(invoice.workflow_status_id, self._status("customer", "205"))

    def test_clerk_unknown_code_wrong_reason_and_other_company_are_refused(self):
        invoice = self._posted_invoice()
        other_company = self.setup_other_company(name="Lifecycle other company")["company"]
        foreign = self.init_invoice("out_invoice", products=self.product_a, post=True, company=other_company)
        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        method = ("account.move", "action_receive_lifecycle_status")
        self._assert_rpc_refused(
            "odoo.exceptions.AccessError", "connector", *method, invoice.ids, "207", reason="TX_TVA_ERR"
        )
        self.authenticate(self.connector.login, self.connector.login)
        for args, kwargs, message in (
            (("299",), {}, "not an e-invoicing lifecycle code"),
            ((207,), {}, "not an e-invoicing lifecycle code"),
            (("210",), {}, "requires a reason code"),
            (("210",), {"reason": "PU_ERR"}, "not a reason code"),
            (("212",), {"amount": "lots"}, "number"),
        ):
            with self.subTest(args=args, kwargs=kwargs):
                self._assert_rpc_refused(
                    "odoo.exceptions.UserError", message, *method, invoice.ids, *args, **kwargs
                )
        self._assert_rpc_refused(
            "odoo.exceptions.AccessError", ".", *method, foreign.ids, "207", reason="DOUBLON"
        )
        self.env.invalidate_all()
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)
        self.assertFalse(self._events(invoice))
        self.assertFalse(self._log_rows(invoice, action_type="status_received"))

    def test_connector_marks_events_sent_or_in_error(self):
        bill = self._posted_bill()
        bill.action_set_workflow_status(
            self._status("vendor", "207"), reason="QTE_ERR", comment="5 au lieu de 3"
        )
        bill.action_set_workflow_status(self._status("vendor", "205"))
        disputed, approved = (
            self._events(bill, lifecycle_code="207"),
            self._events(bill, lifecycle_code="205"),
        )
        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        self._assert_rpc_refused(
            "odoo.exceptions.AccessError",
            "connector",
            "invoice.lifecycle.event",
            "action_mark_sent",
            disputed.ids,
        )
        self._assert_rpc_refused(
            "odoo.exceptions.AccessError",
            "written by Odoo itself",
            "invoice.lifecycle.event",
            "write",
            disputed.ids,
            {"state": "sent"},
        )
        self.authenticate(self.connector.login, self.connector.login)
        lines = self._call_kw("invoice.lifecycle.event", "export_lifecycle_events", "jsonl")
        rows = [json.loads(line) for line in lines.splitlines()]
        self.assertEqual(
            [row["id"] for row in rows if row["document"] == bill.name],
            (disputed + approved).sorted("id").ids,
        )
        self._call_kw("invoice.lifecycle.event", "action_mark_sent", disputed.ids, external_ref="PDP-42")
        self._call_kw("invoice.lifecycle.event", "action_mark_error", approved.ids, "Destinataire inconnu")
        self.env.invalidate_all()
        self.assertEqual((disputed.state, disputed.external_ref), ("sent", "PDP-42"))
        self.assertEqual((approved.state, approved.error_message), ("error", "Destinataire inconnu"))
        self.assertEqual(len(self._log_rows(bill, action_type="lifecycle_event_sent")), 1)
        self.assertEqual(len(self._log_rows(bill, action_type="lifecycle_event_error")), 1)
        self.assertFalse(
            self._call_kw("invoice.lifecycle.event", "export_lifecycle_events", "csv").count(bill.name)
        )


@tagged("post_install", "-at_install")
class TestLifecycleEventsQueued(LifecycleEventsCommon):
    def test_vendor_decision_is_queued_with_its_reason(self):
        bill = self._posted_bill()
        bill.action_set_workflow_status(
            self._status("vendor", "210"), comment="Déjà facturé", reason="DOUBLE_FACT"
        )
        event = self._events(bill)
        self.assertEqual(
            (event.direction, event.state, event.lifecycle_code, event.reason_id.code, event.comment),
            ("outgoing", "to_send", "210", "DOUBLE_FACT", "Déjà facturé"),
        )
        self.assertEqual(len(self._log_rows(bill, action_type="lifecycle_event_queued")), 1)
        self.assertIn(event, bill.lifecycle_event_ids)

    def test_a_full_payment_queues_212_with_the_amount(self):
        invoice = self._posted_invoice()
        self._pay(invoice)
        self.assertEqual(invoice.workflow_status_id, self._status("customer", "212"))
        event = self._events(invoice, lifecycle_code="212")
        self.assertEqual(len(event), 1)
        self.assertEqual(event.amount, invoice.amount_total)
        self.assertEqual(event.state, "to_send")
        # A vendor bill paid is not cashed by us: nothing queued.
        bill = self._posted_bill()
        self._pay(bill)
        self.assertFalse(self._events(bill))

    def test_export_files_list_the_queued_events(self):
        invoice = self._posted_invoice()
        self._pay(invoice)
        bill = self._posted_bill()
        bill.action_set_workflow_status(self._status("vendor", "207"), reason="PU_ERR", comment="=1+1")
        Event = self.env["invoice.lifecycle.event"]
        queued = Event.search([("state", "=", "to_send")])
        self.assertIn(self._events(invoice), queued)
        csv_text = Event.export_lifecycle_events("csv")
        header, *rows = csv_text.splitlines()
        self.assertIn("lifecycle_code;reason_code", header)
        self.assertEqual(len(rows), len(queued))
        self.assertTrue(any(invoice.name in row and ";212;" in row for row in rows))
        self.assertTrue(any("'=1+1" in row and "PU_ERR" in row for row in rows), "no formula in a cell")
        amount = f"{invoice.amount_total:.2f}".replace(".", ",")
        self.assertTrue(any(amount in row for row in rows if invoice.name in row))
        jsonl = [json.loads(line) for line in Event.export_lifecycle_events("jsonl").splitlines()]
        self.assertEqual({row["id"] for row in jsonl}, set(queued.ids))
        action = queued.action_export_csv()
        self.assertEqual(action["type"], "ir.actions.act_url")


@tagged("post_install", "-at_install")
class TestLifecycleHolds(LifecycleEventsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref(CONNECTOR)

    def _disputed_invoice(self):
        invoice = self._posted_invoice()
        invoice.action_receive_lifecycle_status("207", reason="TX_TVA_ERR")
        return invoice

    def test_payment_is_refused_on_a_disputed_invoice(self):
        invoice = self._disputed_invoice()
        with self.assertRaisesRegex(UserError, "207 En litige: payments are held"):
            invoice.action_register_payment()
        with self.assertRaisesRegex(UserError, "payments are held"):
            self._pay(invoice)
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": invoice.partner_id.id,
                "amount": invoice.amount_total,
            }
        )
        payment.action_post()
        receivable = invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        counterpart = payment.move_id.line_ids.filtered(lambda line: line.account_id == receivable.account_id)
        with self.assertRaisesRegex(UserError, "payments are held"):
            (receivable + counterpart).reconcile()
        self.assertEqual(invoice.payment_state, "not_paid")
        # Once the dispute is settled (the buyer approves), the payment goes through.
        invoice.action_receive_lifecycle_status("205")
        (receivable + counterpart).reconcile()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_a_credit_note_still_settles_a_disputed_invoice(self):
        invoice = self._disputed_invoice()
        refund = self.init_invoice("out_refund", products=self.product_a, post=True)
        lines = (invoice + refund).line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        lines.reconcile()
        self.assertEqual(invoice.payment_state, "reversed")

    def test_posting_and_sending_held_where_checked(self):
        Status = self.env["invoice.workflow.status"]
        review = Status.create({"name": "Review", "group": "new", "hold_posting": True})
        waiting = Status.create(
            {"name": "Waiting for the order", "group": "in_progress", "hold_sending": True}
        )
        self.status_new.next_status_ids = [Command.link(review.id)]
        self.status_in_progress.next_status_ids = [Command.link(waiting.id)]
        draft = self._draft_invoice()
        draft.action_set_workflow_status(review)
        with self.assertRaisesRegex(UserError, "Review: posting is held"):
            draft.action_post()
        self.assertEqual(draft.state, "draft")
        invoice = self._posted_invoice()
        invoice.action_set_workflow_status(waiting)
        with self.assertRaisesRegex(UserError, "Waiting for the order: sending is held"):
            invoice.action_send_and_print()
        # Not held: payments.
        self._pay(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
