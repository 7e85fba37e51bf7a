# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import tagged

from .common import WorkflowStatusCommon

NBSP = "\N{NO-BREAK SPACE}"


@tagged("post_install", "-at_install")
class TestPaymentTracking(WorkflowStatusCommon):
    """The story of a payment: creation, changes, the invoices it pays, deletion."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls._enable_activity_log()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.cash_journal = cls.company_data["default_journal_cash"]
        cls.usd = cls.company.currency_id

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _messages_with(self, record, text):
        # Amounts keep their symbol with a no-break space, written &nbsp; in HTML.
        html = text.replace(NBSP, "&nbsp;")
        return self._messages(record).filtered(lambda message: html in message.body)

    def _money(self, amount):
        if self.usd.position == "before":
            return f"{self.usd.symbol}{NBSP}{amount}"
        return f"{amount}{NBSP}{self.usd.symbol}"

    def _invoice(self, amount=100.0):
        return self.init_invoice("out_invoice", amounts=[amount], taxes=[], post=True)

    def _register_payment(self, invoices, user=None, **values):
        wizard = (
            self.env["account.payment.register"]
            .with_user(user or self.env.user)
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(values)
        )
        return wizard._create_payments().with_user(self.env.user)

    def _draft_payment(self, **values):
        return self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.partner_a.id,
                "amount": 100.0,
                "date": "2026-01-10",
                "journal_id": self.bank_journal.id,
                **values,
            }
        )

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------

    def test_registering_a_payment_is_logged_on_invoice_and_payment(self):
        invoice = self._invoice(100.0)
        self._flush_tracking()
        payment = self._register_payment(invoice, self.invoice_user)
        self.assertEqual(invoice.payment_state, "paid")

        created = self._log_rows(payment, action_type="payment_created")
        self.assertEqual(len(created), 1)
        self.assertEqual(created.user_id, self.invoice_user)
        self.assertEqual(created.document_name, payment.name)
        self.assertEqual(created.company_id, self.company)

        expected = f"Payment {payment.name} reconciled with {invoice.name} (amount {self._money('100.00')})"
        for record in (invoice, payment):
            reconciled = self._log_rows(record, action_type="payment_reconciled")
            self.assertEqual(len(reconciled), 1, record)
            self.assertEqual(reconciled.user_id, self.invoice_user)
            self.assertEqual(reconciled.description, expected)
            self.assertEqual(reconciled.document_name, record.display_name)
            message = self._messages_with(record, expected)
            self.assertEqual(len(message), 1, record)
            self.assertEqual(message.author_id, self.invoice_user.partner_id)
        # Odoo's own creation message is in the payment's chatter as well.
        self.assertIn("Payments created", self._messages(payment)[-1].body)

    def test_partial_payment_logs_the_amount_paid(self):
        invoice = self._invoice(250.0)
        payment = self._register_payment(invoice, amount=100.0)
        self.assertEqual(invoice.payment_state, "partial")
        reconciled = self._log_rows(invoice, action_type="payment_reconciled")
        self.assertEqual(
            reconciled.description,
            f"Payment {payment.name} reconciled with {invoice.name} (amount {self._money('100.00')})",
        )

    def test_changing_a_draft_payment_is_tracked_and_logged(self):
        payment = self._draft_payment()
        self._flush_tracking()
        payment.write({"amount": 150.0, "date": "2026-01-15", "journal_id": self.cash_journal.id})
        message = self._messages(payment)[0]
        tracked = {
            value.field_id.name: (value.old_value_char or value.old_value_float, value.new_value_char)
            for value in message.tracking_value_ids
        }
        self.assertIn("amount", tracked)
        self.assertIn("date", tracked)
        self.assertEqual(
            tracked["journal_id"], (self.bank_journal.display_name, self.cash_journal.display_name)
        )
        modified = self._log_rows(payment, action_type="payment_modified")
        self.assertEqual(len(modified), 1)
        lines = modified.description.split("\n")
        self.assertIn(f"Amount: {self._money('100.00')} → {self._money('150.00')}", lines)
        self.assertIn("Date: 2026-01-10 → 2026-01-15", lines)
        self.assertIn(f"Journal: {self.bank_journal.display_name} → {self.cash_journal.display_name}", lines)
        # Redundant tracked fields stay in the chatter, not in the history.
        self.assertNotIn("Amount Signed", modified.description)

    def test_partner_and_payment_method_changes_are_logged(self):
        payment = self._draft_payment()
        other_method = self.bank_journal.inbound_payment_method_line_ids.copy({"name": "Cheque desk"})
        old_method = payment.payment_method_line_id
        self.assertNotEqual(old_method, other_method)
        self._flush_tracking()
        payment.write({"partner_id": self.partner_b.id, "payment_method_line_id": other_method.id})
        tracked = self._messages(payment)[0].tracking_value_ids.field_id.mapped("name")
        self.assertIn("partner_id", tracked)
        self.assertIn("payment_method_line_id", tracked)
        description = self._log_rows(payment, action_type="payment_modified").description
        self.assertIn(f"{self.partner_a.display_name} → {self.partner_b.display_name}", description)
        self.assertIn(
            f"Payment Method: {old_method.display_name} → {other_method.display_name}",
            description.split("\n"),
        )
        self.assertIn("Cheque desk", other_method.display_name)

    def test_unreconciling_is_logged_on_invoice_and_payment(self):
        invoice = self._invoice(100.0)
        payment = self._register_payment(invoice)
        self._flush_tracking()
        invoice.line_ids.remove_move_reconcile()
        self.assertEqual(invoice.payment_state, "not_paid")
        expected = f"Payment {payment.name} unreconciled from {invoice.name} (amount {self._money('100.00')})"
        for record in (invoice, payment):
            unreconciled = self._log_rows(record, action_type="payment_unreconciled")
            self.assertEqual(len(unreconciled), 1, record)
            self.assertEqual(unreconciled.description, expected)
            self.assertEqual(unreconciled.user_id, self.env.user)
            self.assertEqual(len(self._messages_with(record, expected)), 1, record)

    def test_credit_note_against_invoice_is_logged_on_both(self):
        invoice = self._invoice(100.0)
        refund = self.init_invoice("out_refund", amounts=[40.0], taxes=[], post=True)
        (invoice + refund).line_ids.filtered(lambda line: line.account_type == "asset_receivable").reconcile()
        self.assertEqual(invoice.payment_state, "partial")
        expected = f"{refund.name} reconciled with {invoice.name} (amount {self._money('40.00')})"
        for record in (invoice, refund):
            self.assertEqual(self._log_rows(record, action_type="payment_reconciled").description, expected)
            self.assertEqual(len(self._messages_with(record, expected)), 1, record)

    def test_payment_without_entry_paid_by_a_bank_statement_line(self):
        # With the accounting app, a payment method without outstanding account
        # makes payments without journal entry: the bank statement line that
        # pays their invoice pays them.
        method_line = self.env["account.payment.method.line"].create(
            {
                "name": "Manual without outstanding",
                "payment_method_id": self.env.ref("account.account_payment_method_manual_in").id,
                "journal_id": self.bank_journal.id,
            }
        )
        invoice = self._invoice(100.0)
        with patch.object(
            self.env.registry["account.move"], "_get_invoice_in_payment_state", return_value="in_payment"
        ):
            payment = self._register_payment(invoice, payment_method_line_id=method_line.id)
            self.assertFalse(payment.move_id)
            self.assertEqual(payment.state, "in_process")
            statement_line = self.env["account.bank.statement.line"].create(
                {
                    "payment_ref": invoice.name,
                    "journal_id": self.bank_journal.id,
                    "partner_id": self.partner_a.id,
                    "amount": 100.0,
                }
            )
            _liquidity, suspense, _other = statement_line._seek_for_lines()
            receivable = invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
            suspense.account_id = receivable.account_id
            (suspense + receivable).reconcile()
        self.assertEqual(payment.state, "paid")
        expected = f"Payment {payment.name} reconciled with {invoice.name} (amount {self._money('100.00')})"
        for record in (invoice, payment):
            rows = self._log_rows(record, action_type="payment_reconciled")
            self.assertEqual(rows.mapped("description"), [expected])
        self.assertFalse(self._log_rows(statement_line.move_id, action_type="payment_reconciled"))

    def test_cancelling_a_payment_logs_its_state(self):
        payment = self._draft_payment()
        self._flush_tracking()
        payment.action_post()
        self.assertEqual(payment.state, "in_process")
        self._flush_tracking()
        payment.action_cancel()
        self.assertEqual(payment.state, "canceled")
        state_value = self._messages(payment)[0].tracking_value_ids.filtered(
            lambda value: value.field_id.name == "state"
        )
        self.assertEqual((state_value.old_value_char, state_value.new_value_char), ("In Process", "Canceled"))
        # One change, with the payment's own states (not its journal entry's).
        self.assertEqual(len(state_value), 1)
        modified = self._log_rows(payment, action_type="payment_modified")
        self.assertEqual(
            modified.mapped("description"), ["State: Draft → In Process", "State: In Process → Canceled"]
        )

    def test_deleting_a_payment_keeps_its_name(self):
        invoice = self._invoice(100.0)
        payment = self._register_payment(invoice)
        payment_id, name = payment.id, payment.name
        self._flush_tracking()
        # Back to draft: the payment no longer pays the invoice.
        payment.action_draft()
        unreconciled = self._log_rows(invoice, action_type="payment_unreconciled")
        self.assertEqual(len(unreconciled), 1)
        self.assertIn(f"Payment {name} unreconciled from {invoice.name}", unreconciled.description)
        self.assertEqual(invoice.payment_state, "not_paid")
        payment.unlink()
        self.assertFalse(payment.exists())
        deleted = self._log_rows(payment.browse(payment_id), action_type="payment_deleted")
        self.assertEqual(len(deleted), 1)
        self.assertEqual(deleted.document_name, name)
        self.assertEqual(deleted.res_model, "account.payment")
        self.assertEqual(deleted.user_id, self.env.user)

    def test_deleting_a_never_posted_payment(self):
        payment = self._draft_payment()
        payment_id = payment.id
        self._flush_tracking()
        payment.unlink()
        deleted = self._log_rows(payment.browse(payment_id), action_type="payment_deleted")
        self.assertEqual(deleted.document_name, "Draft Payment")
        self.assertEqual(len(self._log_rows(payment.browse(payment_id), action_type="payment_created")), 1)

    def test_disabled_log_writes_nothing_but_chatter_works(self):
        self.company.activity_log_enabled = False
        Log = self.env["invoice.activity.log"].sudo()
        self._flush_tracking()
        before = Log.search_count([])
        invoice = self._invoice(100.0)
        payment = self._register_payment(invoice)
        draft = self._draft_payment()
        self._flush_tracking()
        draft.amount = 120.0
        invoice.line_ids.remove_move_reconcile()
        draft.unlink()
        self._flush_tracking()
        self.assertEqual(Log.search_count([]), before)
        for record in (invoice, payment):
            self.assertTrue(
                self._messages_with(record, f"Payment {payment.name} reconciled with {invoice.name}")
            )
            self.assertTrue(
                self._messages_with(record, f"Payment {payment.name} unreconciled from {invoice.name}")
            )
