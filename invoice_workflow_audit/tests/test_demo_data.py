# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import unittest

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestDemoData(HttpCase):
    """What a new user finds after ``./dev run``: every capability shows
    something, under the logins ``./dev run`` prints (password = login)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        module = cls.env["ir.module.module"].search([("name", "=", "invoice_workflow_audit")])
        if not module.demo:
            raise unittest.SkipTest("installed without demo data")
        cls.company = cls.env.ref("base.main_company")
        Move = cls.env["account.move"]
        cls.documents = Move.search(
            [("company_id", "=", cls.company.id), ("move_type", "in", Move.get_invoice_types())]
        )

    def _call(self, model, method, *args, **kwargs):
        """A JSON-RPC call of the web client, as the logged-in user."""
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        reply = response.json()
        self.assertNotIn("error", reply, reply.get("error", {}).get("data", {}).get("message"))
        return reply["result"]

    def test_admin_opens_a_filled_and_sealed_history(self):
        self.authenticate("admin", "admin")
        rows = self._call(
            "invoice.activity.log", "web_search_read", [], specification={"action_type": {}, "user_id": {}}
        )
        self.assertGreater(rows["length"], 20)
        action_types = {row["action_type"] for row in rows["records"]}
        self.assertTrue(
            {"status_changed", "document_posted", "recurrence_stopped"} <= action_types, action_types
        )
        check = self.env["invoice.activity.log.link"]._verify_chain(self.company)
        self.assertTrue(check["intact"], check)
        self.assertFalse(
            self.env["invoice.activity.log.pending"].search_count([("company_id", "=", self.company.id)]),
            "the demo history is sealed",
        )

    def test_documents_across_the_statuses(self):
        groups = set(self.documents.mapped("workflow_status_group"))
        self.assertEqual(groups, {"new", "in_progress", "paid", "cancelled"})
        self.assertTrue(self.documents.filtered("workflow_status_overdue"), "one past its time limit")
        restricted = self.documents.filtered("workflow_status_id.group_ids")
        self.assertTrue(restricted, "one in a status reserved to managers")
        self.authenticate("sales_admin", "sales_admin")
        visible = self._call("account.move", "search", [("id", "in", self.documents.ids)])
        self.assertFalse(set(restricted.ids) & set(visible), "hidden from the sales administration")
        self.assertTrue(visible)

    def test_disputed_invoice_trail_starts_from_its_status(self):
        disputed = self.documents.filtered("workflow_status_id.require_comment")
        self.assertEqual(len(disputed), 1)
        field = self.env["ir.model.fields"]._get("account.move", "workflow_status_id")
        changes = (
            self.env["mail.tracking.value"]
            .search([("field_id", "=", field.id), ("mail_message_id.res_id", "=", disputed.id)])
            .sorted("id")
        )
        # In progress, then sent, then disputed: no change "from nothing".
        self.assertEqual(len(changes), 2)
        self.assertTrue(all(changes.mapped("old_value_integer")), changes.mapped("old_value_char"))
        self.assertEqual(changes[-1].new_value_integer, disputed.workflow_status_id.id)
        self.assertIn("5 units", "".join(disputed.message_ids.mapped("body")), "the required comment")

    def test_recurrences_running_and_one_stopped(self):
        recurrences = self.env["invoice.recurrence"].search([("company_id", "=", self.company.id)])
        running = recurrences.filtered(lambda recurrence: recurrence.state == "running")
        self.assertGreaterEqual(len(running), 2)
        self.assertTrue(all(running.mapped("move_ids")), "running recurrences have generated documents")
        stopped = recurrences.filtered(lambda recurrence: recurrence.state == "stopped")
        self.assertEqual(len(stopped), 1)
        self.assertIn("archived", stopped.error_message)
        self.assertEqual(stopped.journal_id.stopped_recurrence_count, 1, "the dashboard alert")

    def test_accountant_reads_the_books(self):
        self.assertTrue(self.company.books_up_to_date)
        self.assertTrue(self.documents.filtered("accountant_processed"), "some documents processed")
        self.authenticate("accountant", "accountant")
        response = self.url_open(f"/my/accounting/{self.company.id}/out_invoice")
        self.assertEqual(response.status_code, 200)
        posted = self.documents.filtered(
            lambda move: move.move_type == "out_invoice" and move.state == "posted"
        )
        self.assertIn(posted[0].name, response.text)

    def test_profile_logins(self):
        for login in ("sales_admin", "sales_rep", "purchasing"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                self.assertTrue(self._call("account.move", "search_count", []), login)
