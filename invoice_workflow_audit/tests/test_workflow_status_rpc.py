# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import JsonRpcException, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestWorkflowStatusRpc(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    """The rules hold for a client that talks to the server directly."""

    def test_rpc_write_and_read_follow_the_rules(self):
        invoice = self._posted_invoice()
        hidden = self._posted_invoice()
        hidden.action_set_workflow_status(self.status_sent)
        self.status_sent.group_ids = self.env.ref("account.group_account_manager")
        self.authenticate(self.invoice_user.login, self.invoice_user.login)

        # A required comment cannot be skipped by writing the field.
        with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.UserError"):
            self._call_kw(
                "account.move", "write", invoice.ids, {"workflow_status_id": self.status_disputed.id}
            )
        # Nor a status reserved to other groups.
        with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.UserError"):
            self._call_kw("account.move", "action_set_workflow_status", invoice.ids, self.status_sent.id)
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)

        # Documents in a reserved status are neither listed nor readable.
        found = self._call_kw(
            "account.move", "search_read", [("id", "in", (invoice + hidden).ids)], fields=["name"]
        )
        self.assertEqual([row["id"] for row in found], invoice.ids)
        with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
            self._call_kw("account.move", "read", hidden.ids, ["name"])

        # The one allowed path works, with its comment.
        self._call_kw(
            "account.move",
            "action_set_workflow_status",
            invoice.ids,
            self.status_disputed.id,
            comment="Wrong VAT",
        )
        self.assertEqual(invoice.workflow_status_id, self.status_disputed)

    def test_server_code_routes_anywhere_users_follow_the_rules(self):
        invoice = self._posted_invoice()
        self.status_sent.group_ids = self.env.ref("account.group_account_manager")
        # A user's call is refused a status reserved to other groups...
        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.UserError"):
            self._call_kw(
                "account.move",
                "action_set_workflow_status",
                invoice.ids,
                self.status_sent.id,
                context={"su": True, "sudo": True},
            )
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)
        # ... server code in superuser mode (crons, automated actions) is not.
        invoice.with_user(self.invoice_user).sudo().action_set_workflow_status(self.status_sent)
        self.assertEqual(invoice.workflow_status_id, self.status_sent)

    def test_bad_arguments_answer_a_sentence(self):
        invoice = self._posted_invoice()
        self.authenticate(self.invoice_user.login, self.invoice_user.login)
        for args in (
            ["abc"],
            [{"a": 1}],
            [[1, 2]],
            [True],
            [2**40],
            [self.status_sent.id, ["x"]],
            [self.status_sent.id, {"comment": 1}],
        ):
            with self.subTest(args=args):
                with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.UserError"):
                    self._call_kw("account.move", "action_set_workflow_status", invoice.ids, *args)
        for value in ("abc", [1, 2], 2**40):
            with self.subTest(value=value):
                with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.UserError"):
                    self._call_kw("account.move", "write", invoice.ids, {"workflow_status_id": value})
        self.assertEqual(invoice.workflow_status_id, self.status_in_progress)
