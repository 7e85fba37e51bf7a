# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Verify Integrity shows its outcome where the owner asked for it: the dialog
stays open on the result, and the last verification (also one made in the
background) is shown when Verify opens again."""

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon
from .test_activity_log_chain import ActivityLogChainCommon

VERIFY = "invoice.activity.log.verify"


@tagged("post_install", "-at_install")
class TestActivityLogVerifyDialog(ActivityLogChainCommon):
    def _open_verify(self):
        """What the owner's Verify Integrity button opens: a new wizard of its action."""
        action = self.env["invoice.activity.log"].with_user(self.owner).action_verify_integrity()
        self.assertEqual((action["res_model"], action["target"]), (VERIFY, "new"))
        return self.env[VERIFY].with_user(self.owner).create({})

    def _assert_reopens(self, action, wizard):
        self.assertEqual(action["type"], "ir.actions.act_window")
        self.assertEqual(
            (action["res_model"], action["res_id"], action["target"], action["views"]),
            (VERIFY, wizard.id, "new", [(False, "form")]),
        )

    def test_the_dialog_stays_open_on_the_outcome_and_verify_shows_it_next_time(self):
        self._sealed_history(2)
        wizard = self._open_verify()
        self.assertFalse(wizard.last_verified_on, "never verified yet")
        action = wizard.action_verify()
        self._assert_reopens(action, wizard)
        links = self._links()
        _log_id, position, head_hash = links[-1]
        self.assertEqual((wizard.state, wizard.result_type), ("done", "success"))
        self.assertIn(f"is intact: {len(links)} rows checked", wizard.result)
        self.assertEqual(
            (wizard.checked_count, wizard.head_position, wizard.head_hash), (len(links), position, head_hash)
        )
        self.assertTrue(wizard.date_verified)
        # Verify opened again, later: the last outcome, its date and who asked.
        again = self._open_verify()
        self.assertEqual(again.state, "draft")
        self.assertEqual(
            (again.last_result, again.last_result_type, again.last_verified_on, again.last_verified_by_id),
            (wizard.result, "success", wizard.date_verified, self.owner),
        )
        company = self.company.with_user(self.owner)
        self.assertEqual(company.activity_log_verify_result, wizard.result)
        self.assertEqual(company.activity_log_verified_on, wizard.date_verified)

    def test_an_altered_history_is_named_in_the_dialog(self):
        links = self._sealed_history(2)
        log_id, position, _hash = links[1]
        self.env.cr.execute(
            SQL("UPDATE invoice_activity_log SET description = 'rewritten' WHERE id = %s", log_id)
        )
        self.env["invoice.activity.log"].invalidate_model()
        wizard = self._open_verify()
        self._assert_reopens(wizard.action_verify(), wizard)
        self.assertEqual((wizard.state, wizard.result_type), ("done", "danger"))
        self.assertIn(f"altered at position {position} (#{log_id}", wizard.result)
        again = self._open_verify()
        self.assertEqual((again.last_result_type, again.last_result), ("danger", wizard.result))

    def test_a_verification_in_the_background_is_shown_where_it_was_asked(self):
        self._sealed_history(1)
        wizard = self._open_verify()
        wizard._queue()
        self.assertEqual(wizard.state, "queued")
        # Asked again before the job ran: still queued, the dialog says so.
        self._assert_reopens(wizard.action_refresh(), wizard)
        self.assertEqual(wizard.state, "queued")
        self.env[VERIFY]._cron_verify_queued()
        self._assert_reopens(wizard.action_refresh(), wizard)
        self.assertEqual((wizard.state, wizard.result_type), ("done", "success"))
        self.assertIn("is intact", wizard.result)
        self.assertTrue(wizard.head_hash)
        # Posted to the owner, and shown when Verify opens again.
        message = self.env["mail.message"].search(
            [("partner_ids", "in", self.owner.partner_id.ids)], order="id desc", limit=1
        )
        self.assertIn(wizard.result, str(message.body))
        again = self._open_verify()
        self.assertEqual((again.last_result, again.last_verified_by_id), (wizard.result, self.owner))

    def test_the_outcome_is_written_by_the_verification_only(self):
        wizard = self._open_verify()
        for values in ({"result_type": "success"}, {"checked_count": 7}, {"head_hash": "forged"}):
            with self.subTest(values=values), self.assertRaises(AccessError):
                wizard.write(values)
        for values in (
            {"activity_log_verify_result": "intact"},
            {"activity_log_verify_result_type": "success"},
            {"activity_log_verified_on": "2026-01-01 00:00:00"},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                self.company.write(values)
        self.assertFalse(wizard.result_type)
        self.assertFalse(self.company.sudo().activity_log_verify_result)


@tagged("post_install", "-at_install")
class TestActivityLogVerifyTour(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    def test_the_owner_reads_the_outcome_in_the_verify_dialog(self):
        self._enable_activity_log()
        self._posted_invoice()
        self._flush_tracking()
        self.start_tour(
            "/odoo/action-invoice_workflow_audit.action_invoice_activity_log",
            "invoice_activity_log_verify_tour",
            login=self.env.user.login,
        )
        company = self.company_data["company"]
        self.assertEqual(company.activity_log_verify_result_type, "success")
        self.assertEqual(company.activity_log_verified_by_id, self.env.user)
