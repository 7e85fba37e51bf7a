# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import math

from odoo import Command
from odoo.tests import tagged

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestAccountantPortalHistory(WorkflowStatusCommon):
    """The History page's data, without HTTP: a partner's receivable and
    payable lines, their kinds, the running balance and the balance brought
    forward onto a later page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.partner = cls.env["res.partner"].create({"name": "IWA History Partner"})
        cls.stranger = cls.env["res.partner"].create({"name": "IWA History Stranger"})

        def document(move_type, date, amount):
            return cls.init_invoice(
                move_type, partner=cls.partner, invoice_date=date, amounts=[amount], taxes=[], post=True
            )

        cls.invoice = document("out_invoice", "2026-01-10", 1000)
        cls.bill = document("in_invoice", "2026-01-15", 300)
        cls.vendor_refund = document("in_refund", "2026-01-16", 30)
        cls.credit_note = document("out_refund", "2026-01-20", 100)
        cls.payment = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=cls.invoice.ids)
            .create({"payment_date": "2026-01-25"})
            ._create_payments()
        )
        cls.misc = cls._receivable_entry(cls.partner, "2026-02-01", 50.0)
        # Another company's entry for the same partner never shows.
        cls.company_data_2 = cls.setup_other_company()
        cls.init_invoice(
            "out_invoice",
            partner=cls.partner,
            invoice_date="2026-01-12",
            amounts=[999],
            taxes=[],
            company=cls.company_data_2["company"],
            post=True,
        )

    @classmethod
    def _receivable_entry(cls, partner, date, amount):
        """A posted miscellaneous entry: ``amount`` on ``partner``'s receivable."""
        entry = cls.env["account.move"].create(
            {
                "move_type": "entry",
                "date": date,
                "journal_id": cls.company_data["default_journal_misc"].id,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": cls.company_data["default_account_receivable"].id,
                            "partner_id": partner.id,
                            "balance": amount,
                        }
                    ),
                    Command.create(
                        {"account_id": cls.company_data["default_account_revenue"].id, "balance": -amount}
                    ),
                ],
            }
        )
        entry.action_post()
        return entry

    def _rows(self, offset=0, limit=None, partner=None):
        rows, opening = self.company._accountant_partner_history(partner or self.partner, offset, limit)
        return [(row["line"].move_id, row["kind"], row["balance"]) for row in rows], opening

    def test_partners_are_the_company_s_own(self):
        self.assertEqual(self.company._accountant_history_partner(self.partner.id), self.partner)
        self.assertFalse(self.company._accountant_history_partner(self.stranger.id))
        found = self.company._accountant_history_partner_search(self.partner.name, limit=20)
        self.assertIn(self.partner, found)
        self.assertFalse(self.company._accountant_history_partner_search(self.stranger.name, limit=20))
        self.assertEqual(self.company._accountant_partner_history_count(self.partner), 6)
        self.assertEqual(self.company._accountant_partner_history_count(self.stranger), 0)

    def test_kinds_and_running_balance(self):
        rows, opening = self._rows()
        self.assertEqual(opening, 0.0)
        self.assertEqual(
            rows,
            [
                (self.invoice, "Invoice", 1000.0),
                (self.bill, "Bill", 700.0),
                (self.vendor_refund, "Refund", 730.0),
                (self.credit_note, "Credit note", 630.0),
                (self.payment.move_id, "Payment", -370.0),
                (self.misc, "Miscellaneous", -320.0),
            ],
        )
        # Any entry of a bank journal is a payment, e.g. a bank transaction's.
        statement_line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.company_data["default_journal_bank"].id,
                "date": "2026-03-01",
                "payment_ref": "IWA history bank",
                "amount": 10.0,
                "partner_id": self.partner.id,
            }
        )
        self.assertEqual(statement_line.move_id.line_ids[:1]._accountant_line_kind(), "Payment")

    def test_kinds_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["invoice_workflow_audit"], ["fr_FR"], overwrite=True)
        rows, _opening = self.company.with_context(lang="fr_FR")._accountant_partner_history(self.partner)
        self.assertEqual(
            [row["kind"] for row in rows],
            [
                "Facture",
                "Facture fournisseur",
                "Remboursement fournisseur",
                "Avoir",
                "Paiement",
                "Opération diverse",
            ],
        )

    def test_second_page_brings_the_balance_forward(self):
        rows, opening = self._rows(offset=4, limit=4)
        self.assertEqual(opening, 630.0)
        self.assertEqual(
            rows,
            [(self.payment.move_id, "Payment", -370.0), (self.misc, "Miscellaneous", -320.0)],
        )
        # The first page brings nothing forward and stops at the limit.
        rows, opening = self._rows(offset=0, limit=4)
        self.assertEqual((len(rows), opening), (4, 0.0))
        self.assertEqual(rows[-1][2], 630.0)

    def test_balances_are_rounded_and_never_minus_zero(self):
        partner = self.env["res.partner"].create({"name": "IWA History Residues"})
        first = self._receivable_entry(partner, "2026-01-05", 1.0)
        second = self._receivable_entry(partner, "2026-01-06", 1.0)
        # Residues below the cent, as an import may leave them: the ORM rounds
        # monetary values when it writes them, so they are written in SQL.
        for entry, residue in ((first, -0.003), (second, -0.001)):
            line = entry.line_ids.filtered("partner_id")
            self.env.cr.execute(
                "UPDATE account_move_line SET balance = %s, amount_currency = %s, debit = 0, credit = %s"
                " WHERE id = %s",
                [residue, residue, -residue, line.id],
            )
        self.env.invalidate_all()

        rows, opening = self._rows(partner=partner)
        self.assertEqual([balance for _move, _kind, balance in rows], [0.0, 0.0])
        for _move, _kind, balance in rows:
            self.assertEqual(math.copysign(1.0, balance), 1.0, "0.00, not -0.00")
            self.assertEqual(f"{balance:.2f}", "0.00")

        # Second page: the balance brought forward (-0.003) is rounded too.
        rows, opening = self._rows(offset=1, limit=1, partner=partner)
        self.assertEqual([move for move, _kind, _balance in rows], [second])
        self.assertEqual(f"{opening:.2f}", "0.00")
        self.assertEqual(math.copysign(1.0, opening), 1.0)
        self.assertEqual(f"{rows[0][2]:.2f}", "0.00")
        self.assertEqual(math.copysign(1.0, rows[0][2]), 1.0)
