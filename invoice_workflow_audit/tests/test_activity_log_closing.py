# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Signed closings of the invoicing (CGI art. 286 I-3° bis): per day, month
and fiscal year, counts and totals with perpetual totals, the chain's head,
signed with the history's key, never rewritten, recomputed by Verify."""

import json
import os
import subprocess
import sys
import tempfile
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL, date_utils

from .test_activity_log_chain import ActivityLogChainCommon

VERIFY_SEAL = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "verify_seal.py")


class ActivityLogClosingCommon(ActivityLogChainCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The history began today: the first closings are of this month.
        cls.today = fields.Date.today()
        cls.month = date_utils.start_of(cls.today, "month")
        cls.next_month = cls.month + relativedelta(months=1)

    def _invoice(self, amount, day, move_type="out_invoice"):
        return self.init_invoice(move_type, invoice_date=day, post=True, amounts=[amount], taxes=[])

    def _payment(self, amount, day, payment_type="inbound", partner_type="customer"):
        payment = self.env["account.payment"].create(
            {
                "payment_type": payment_type,
                "partner_type": partner_type,
                "partner_id": self.partner_a.id,
                "amount": amount,
                "date": day,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        return payment

    def _close(self, period, on, user=None):
        """Close the periods of kind ``period`` as the owner, on the day ``on``."""
        self._flush_tracking()
        with freeze_time(on):
            action = self.company.with_user(user or self.owner).action_activity_log_close(period)
        self._flush_tracking()
        return self.env["invoice.activity.log.closing"].sudo().browse(action["domain"][0][2])

    def _closings(self, period):
        return (
            self.env["invoice.activity.log.closing"]
            .sudo()
            .search([("company_id", "=", self.company.id), ("period", "=", period)], order="date_from")
        )

    def _sql_sums(self, date_from, date_to):
        """What the accounting says, computed here independently."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT count(*), COALESCE(sum(amount_total_signed), 0) FROM account_move"
                " WHERE company_id = %s AND state = 'posted' AND move_type IN ('out_invoice', 'out_refund')"
                " AND date BETWEEN %s AND %s",
                self.company.id,
                date_from,
                date_to,
            )
        )
        invoices = cr.fetchone()
        cr.execute(
            SQL(
                "SELECT count(*), COALESCE(sum(amount_company_currency_signed), 0) FROM account_payment"
                " WHERE company_id = %s AND state IN ('in_process', 'paid') AND partner_type = 'customer'"
                " AND date BETWEEN %s AND %s",
                self.company.id,
                date_from,
                date_to,
            )
        )
        payments = cr.fetchone()
        return invoices[0], float(invoices[1]), payments[0], float(payments[1])


@tagged("post_install", "-at_install")
class TestActivityLogClosing(ActivityLogClosingCommon):
    def test_a_month_closing_counts_what_the_accounting_says_signed(self):
        self._invoice(100.0, self.today)
        self._invoice(250.0, self.month)
        self._invoice(40.0, self.today, move_type="out_refund")
        self._invoice(70.0, self.today, move_type="in_invoice")  # a vendor bill: not counted
        self.init_invoice("out_invoice", invoice_date=self.today, amounts=[999.0], taxes=[])  # a draft
        self._invoice(500.0, self.next_month)  # the next period
        self._payment(120.0, self.today)
        self._payment(20.0, self.today, payment_type="outbound")  # paid back to a customer
        self._payment(60.0, self.today, partner_type="supplier")  # paid to a vendor: not counted

        closing = self._close("month", self.next_month + timedelta(days=1))
        self.assertEqual(len(closing), 1, "the current month is not complete")
        last_day = self.next_month - timedelta(days=1)
        self.assertEqual((closing.date_from, closing.date_to), (self.month, last_day))
        self.assertEqual(
            (closing.invoice_count, closing.invoice_total, closing.payment_count, closing.payment_total),
            self._sql_sums(closing.date_from, closing.date_to),
        )
        self.assertEqual((closing.invoice_count, closing.invoice_total), (3, 310.0))
        self.assertEqual((closing.payment_count, closing.payment_total), (2, 100.0))
        self.assertEqual((closing.perpetual_invoice_total, closing.perpetual_payment_total), (310.0, 100.0))
        self.assertEqual(closing.currency_id, self.company.currency_id)
        self.assertEqual(len(closing.document_ids), 5)

        # The chain head at closing: every row written before it was sealed first.
        Link = self.env["invoice.activity.log.link"]
        self.assertTrue(closing.chain_position)
        self.assertEqual(closing.chain_hash, Link._hash_at(self.company, closing.chain_position))
        self.env.cr.execute(
            SQL(
                "SELECT max(log_id) FROM invoice_activity_log_link WHERE company_id = %s AND position <= %s",
                self.company.id,
                closing.chain_position,
            )
        )
        [[last_sealed]] = self.env.cr.fetchall()
        self.assertEqual(
            self._log_rows(company_id=self.company.id)
            .filtered(lambda row: row.id > last_sealed)
            .mapped("action_type"),
            ["period_closed"],
            "only the closing's own row comes after the head it recorded",
        )

        # Each closing is a row of the history.
        [row] = self._log_rows(company_id=self.company.id, action_type="period_closed")
        self.assertEqual((row.res_model, row.res_id, row.user_id), (closing._name, closing.id, self.owner))
        self.assertIn("310.00", row.description)

        # Signed with the history's key: anyone checks it with the public key.
        signed = json.loads(closing.closing_text)
        self.assertEqual(signed["invoice_total"], "310.00")
        self.assertEqual(signed["key_id"], self.company.with_user(self.owner).activity_log_key_id)
        directory = tempfile.mkdtemp(prefix="iwa_closing_")
        closing_file, key_file = os.path.join(directory, "closing.json"), os.path.join(directory, "key.pem")
        with open(closing_file, "w", encoding="utf-8") as file:
            file.write(closing.closing_text)
        with open(key_file, "w", encoding="utf-8") as file:
            file.write(self.company.with_user(self.owner).activity_log_public_key)
        command = [sys.executable, VERIFY_SEAL, closing_file, key_file]
        checked = subprocess.run(command, capture_output=True, text=True)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
        self.assertIn("valid closing", checked.stdout)
        with open(closing_file, "w", encoding="utf-8") as file:
            file.write(json.dumps(signed | {"invoice_total": "1310.00"}))
        forged = subprocess.run(command, capture_output=True, text=True)
        self.assertEqual(forged.returncode, 1, forged.stdout)

        # Closed once; nobody changes or deletes it, superuser included.
        self.assertFalse(self._close("month", self.next_month + timedelta(days=2)))
        for record in (closing.with_user(self.owner), closing.sudo(), closing.document_ids[:1].sudo()):
            with self.assertRaises(AccessError):
                record.write({"date_from": "2000-01-01"})
            with self.assertRaises(AccessError):
                record.unlink()
        self.assertEqual(self._verify()["type"], "success")

    def test_days_months_and_fiscal_years_that_are_over(self):
        self._invoice(10.0, self.today)
        self._invoice(20.0, self.today + timedelta(days=1))
        days = self._close("day", self.today + timedelta(days=3))
        self.assertEqual(days.mapped("date_from"), [self.today + timedelta(days=n) for n in range(3)])
        self.assertEqual(days.mapped("invoice_total"), [10.0, 20.0, 0.0])
        self.assertEqual(days.mapped("perpetual_invoice_total"), [10.0, 30.0, 30.0])
        fiscal_year = self.company.compute_fiscalyear_dates(self.today)
        self.assertFalse(self._close("year", fiscal_year["date_to"]), "the fiscal year is not over")
        [year] = self._close("year", fiscal_year["date_to"] + timedelta(days=1))
        self.assertEqual((year.date_from, year.date_to), (fiscal_year["date_from"], fiscal_year["date_to"]))
        self.assertEqual(year.invoice_total, 30.0)
        # The daily scheduled action closes what is left of each kind.
        with freeze_time(self.next_month + timedelta(days=1)):
            self.env["invoice.activity.log.closing"]._cron_close()
        self.assertEqual(self._closings("month").mapped("date_from"), [self.month])
        self.assertEqual(self._closings("day")[-1].date_to, self.next_month)

    def test_only_the_owner_closes_and_the_period_is_checked(self):
        for user in (self.invoice_user, self.status_manager):
            with self.assertRaises(AccessError):
                self.company.with_user(user).action_activity_log_close("month")
        for period in ("week", "", None, 1, ["month"]):
            with self.assertRaisesRegex(UserError, "kind of period"):
                self.company.with_user(self.owner).action_activity_log_close(period)
        self.company.with_user(self.owner).activity_log_enabled = False
        with self.assertRaisesRegex(UserError, "switch it on"):
            self.company.with_user(self.owner).action_activity_log_close("month")
        self.assertFalse(self._closings("month"))

    def test_a_correction_after_a_closing_appears_in_the_next_one(self):
        invoice = self._invoice(100.0, self.today)
        [first] = self._close("month", self.next_month + timedelta(days=1))
        # After the closing: a credit note dated in the next month, and an
        # invoice entered late with a date in the closed month.
        self._invoice(30.0, self.next_month, move_type="out_refund")
        late = self._invoice(50.0, self.month)
        [second] = self._close("month", self.next_month + relativedelta(months=1, days=1))
        self.assertEqual((second.invoice_count, second.invoice_total), (2, 20.0))
        self.assertIn(late.name, second.document_ids.mapped("name"))
        self.assertEqual(second.perpetual_invoice_total, 120.0)
        self.assertEqual((first.invoice_count, first.invoice_total), (1, 100.0), "never rewritten")
        self.assertEqual(first.document_ids.mapped("name"), [invoice.name])
        self.assertEqual(self._verify()["type"], "success")

    def test_verify_names_the_first_closing_that_no_longer_matches(self):
        self._invoice(10.0, self.today)
        changed = self._invoice(20.0, self.today + timedelta(days=1))
        self._invoice(30.0, self.today + timedelta(days=2))
        days = self._close("day", self.today + timedelta(days=3))
        self.assertEqual(self._verify()["type"], "success")
        # An amount changed in SQL in a closed day.
        self.env.cr.execute(
            SQL("UPDATE account_move SET amount_total_signed = 2.0 WHERE id = %s", changed.id)
        )
        result = self._verify()
        self.assertEqual(result["type"], "danger")
        self.assertIn(days[1].display_name, result["message"])
        self.assertIn(f"the amount of {changed.name}", result["message"])
        self.assertNotIn(days[0].display_name, result["message"])
        self.env.cr.execute(
            SQL("UPDATE account_move SET amount_total_signed = 20.0 WHERE id = %s", changed.id)
        )
        self.assertEqual(self._verify()["type"], "success")
        # The closing itself changed in SQL: its signature no longer holds.
        self.env.cr.execute(
            SQL("UPDATE invoice_activity_log_closing SET invoice_total = 0 WHERE id = %s", days[0].id)
        )
        days.invalidate_recordset()
        result = self._verify()
        self.assertEqual(result["type"], "danger")
        self.assertIn(days[0].display_name, result["message"])
        self.assertIn("signature", result["message"])
