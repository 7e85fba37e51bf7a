# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import JsonRpcException, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon

PROFILE = "invoice_workflow_audit.group_profile_%s"
CUSTOMER_TYPES = ("out_invoice", "out_refund")
VENDOR_TYPES = ("in_invoice", "in_refund")
# The fields of a form the web client reads (not those of its sub-views).
TOP_LEVEL_FIELDS = "//field[not(ancestor::field)]"


class UserProfilesCommon(WorkflowStatusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company_data["company"]
        cls.profile_users = {
            profile: new_test_user(
                cls.env,
                login=f"iwa_profile_{profile}",
                groups=PROFILE % profile,
                company_id=company.id,
                company_ids=[company.id],
            )
            for profile in ("sales_admin", "sales_rep", "purchasing")
        }
        cls.sales_admin = cls.profile_users["sales_admin"]
        cls.sales_rep = cls.profile_users["sales_rep"]
        cls.purchasing = cls.profile_users["purchasing"]
        # One posted and one draft document of each type.
        cls.documents = {}
        for move_type in CUSTOMER_TYPES + VENDOR_TYPES:
            cls.documents[move_type, "posted"] = cls.init_invoice(
                move_type, products=cls.product_a, post=True
            )
            cls.documents[move_type, "draft"] = cls.init_invoice(move_type, products=cls.product_a)

    def _all_documents(self):
        return self.env["account.move"].union(*self.documents.values())

    def _side(self, move_types):
        return self.env["account.move"].union(
            *(move for (move_type, _state), move in self.documents.items() if move_type in move_types)
        )

    def _draft_values(self, move_type):
        return {
            "move_type": move_type,
            "partner_id": self.partner_a.id,
            "invoice_date": "2019-01-01",
            "invoice_line_ids": [Command.create({"product_id": self.product_a.id, "price_unit": 100.0})],
        }

    def _payment_values(self, partner_type):
        return {
            "payment_type": "inbound" if partner_type == "customer" else "outbound",
            "partner_type": partner_type,
            "partner_id": self.partner_a.id,
            "amount": 10.0,
            "journal_id": self.company_data["default_journal_bank"].id,
        }


@tagged("post_install", "-at_install")
class TestUserProfiles(UserProfilesCommon):
    """Each profile sees and does exactly its side of invoicing, through the ORM
    as that user."""

    def test_profiles_and_their_odoo_groups(self):
        invoicing = self.env.ref("account.group_account_invoice")
        readonly = self.env.ref("account.group_account_readonly")
        self.assertIn(invoicing, self.sales_admin.groups_id)
        for user in (self.sales_rep, self.purchasing):
            with self.subTest(user=user.login):
                self.assertIn(self.env.ref("base.group_user"), user.groups_id)
                self.assertNotIn(invoicing, user.groups_id, "invoicing would give every document")
                self.assertNotIn(readonly, user.groups_id, "read-only accounting would show every document")
                self.assertTrue(user._has_limited_invoicing_profile())
        self.assertFalse(self.sales_admin._has_limited_invoicing_profile())
        # A limited profile given to an invoicing user limits nothing.
        billing_rep = new_test_user(
            self.env, login="iwa_billing_rep", groups=f"account.group_account_invoice,{PROFILE % 'sales_rep'}"
        )
        self.assertFalse(billing_rep._has_limited_invoicing_profile())

    def test_time_in_status_report_is_not_for_limited_profiles(self):
        # The report lists documents of both sides with their partners: the
        # representative and purchasing profiles have no access to it.
        Report = self.env["invoice.workflow.status.time.report"]
        for user in (self.sales_rep, self.purchasing):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    Report.with_user(user).search_read([], ["move_id", "partner_id"])
                with self.assertRaises(AccessError):
                    Report.with_user(user).read_group([], ["hours:avg"], ["status_id"])
        self.assertTrue(Report.with_user(self.sales_admin).search_count([]))

    def test_each_profile_sees_its_side_only(self):
        expected = {
            "sales_admin": self._all_documents(),
            "sales_rep": self._side(CUSTOMER_TYPES),
            "purchasing": self._side(VENDOR_TYPES),
        }
        everything = self._all_documents()
        for profile, visible in expected.items():
            user = self.profile_users[profile]
            with self.subTest(profile=profile):
                Move = self.env["account.move"].with_user(user)
                self.assertEqual(Move.search([("id", "in", everything.ids)]), visible)
                # The form opens as the web client reads it, lines included.
                arch = Move.get_views([(False, "form")])["views"]["form"]["arch"]
                form = {node.get("name") for node in etree.fromstring(arch).xpath(TOP_LEVEL_FIELDS)}
                for move in visible:
                    move.with_user(user).web_read({fname: {} for fname in form})
                    move.line_ids.with_user(user).read(["balance", "account_id"])
                for move in everything - visible:
                    with self.assertRaises(AccessError):
                        move.with_user(user).read(["name"])
                    with self.assertRaises(AccessError):
                        move.line_ids.with_user(user).read(["balance"])
                    with self.assertRaises(AccessError):
                        move.with_user(user).write({"ref": "Not mine"})
                    self.assertNotEqual(move.ref, "Not mine")
                self.assertEqual(
                    self.env["account.move.line"]
                    .with_user(user)
                    .search([("move_id", "in", everything.ids)])
                    .move_id,
                    visible,
                )

    def test_limited_profiles_create_and_edit_drafts_of_their_side(self):
        for user, own, other in (
            (self.sales_rep, CUSTOMER_TYPES, VENDOR_TYPES),
            (self.purchasing, VENDOR_TYPES, CUSTOMER_TYPES),
        ):
            Move = self.env["account.move"].with_user(user)
            for move_type in own:
                with self.subTest(user=user.login, move_type=move_type):
                    move = Move.create(self._draft_values(move_type))
                    self.assertEqual((move.state, move.move_type), ("draft", move_type))
                    self.assertEqual(move.amount_untaxed, 100.0)
                    move.write(
                        {"invoice_line_ids": [Command.update(move.invoice_line_ids.id, {"quantity": 2})]}
                    )
                    self.assertEqual(move.amount_untaxed, 200.0)
                    self.documents[move_type, "draft"].with_user(user).write({"ref": "Edited"})
                    self.assertEqual(self.documents[move_type, "draft"].ref, "Edited")
            for move_type in other:
                with self.subTest(user=user.login, move_type=move_type):
                    count = self.env["account.move"].search_count([])
                    with self.assertRaises(AccessError):
                        Move.create(self._draft_values(move_type))
                    self.assertEqual(self.env["account.move"].search_count([]), count)

    def test_limited_profiles_never_post(self):
        for user, own in ((self.sales_rep, CUSTOMER_TYPES), (self.purchasing, VENDOR_TYPES)):
            for move_type in own:
                draft = self.documents[move_type, "draft"]
                with self.subTest(user=user.login, move_type=move_type):
                    with self.assertRaises(AccessError):
                        draft.with_user(user).action_post()
                    self.assertEqual(draft.state, "draft")
                    # Nor through the lower level.
                    with self.assertRaises(AccessError):
                        draft.with_user(user)._post(soft=False)
                    self.assertEqual(draft.state, "draft")
                    # Nor through the statuses: In progress posts (the refusal
                    # comes back as the status change's UserError).
                    with self.assertRaisesRegex(UserError, "does not allow you to post"):
                        draft.with_user(user).action_set_workflow_status(self.status_in_progress)
                    self.assertEqual((draft.state, draft.workflow_status_id), ("draft", self.status_new))
            # A document the user created: still refused.
            move = self.env["account.move"].with_user(user).create(self._draft_values(own[0]))
            with self.assertRaises(AccessError):
                move.action_post()
            self.assertEqual(move.state, "draft")

    def test_limited_profiles_never_pay(self):
        Payment = self.env["account.payment"]
        for user, move_type, partner_type in (
            (self.sales_rep, "out_invoice", "customer"),
            (self.purchasing, "in_invoice", "supplier"),
        ):
            posted = self.documents[move_type, "posted"]
            with self.subTest(user=user.login):
                count = Payment.search_count([])
                with self.assertRaises(AccessError):
                    Payment.with_user(user).create(self._payment_values(partner_type))
                with self.assertRaises(AccessError):
                    self.env["account.payment.register"].with_user(user).with_context(
                        active_model="account.move", active_ids=posted.ids
                    ).create({})
                self.assertEqual(Payment.search_count([]), count)
                self.assertEqual(posted.payment_state, "not_paid")

    def test_limited_profiles_delete_drafts_only(self):
        for user, own in ((self.sales_rep, CUSTOMER_TYPES), (self.purchasing, VENDOR_TYPES)):
            for move_type in own:
                with self.subTest(user=user.login, move_type=move_type):
                    posted = self.documents[move_type, "posted"]
                    with self.assertRaises(AccessError):
                        posted.with_user(user).unlink()
                    self.assertTrue(posted.exists())
                    with self.assertRaises(AccessError):
                        posted.line_ids.with_user(user).unlink()
                    self.assertEqual(len(posted.line_ids.exists()), len(posted.line_ids))
                    draft = self.documents[move_type, "draft"]
                    draft.with_user(user).unlink()
                    self.assertFalse(draft.exists())

    def test_server_code_is_trusted(self):
        """Superuser mode is the server's own code acting for the user (point
        of sale invoicing and closing, stock valuation), as Odoo's own group
        checks read it: the profiles refuse the user, not the server."""
        for user, move_type, partner_type in (
            (self.sales_rep, "out_invoice", "customer"),
            (self.purchasing, "in_invoice", "supplier"),
        ):
            with self.subTest(user=user.login):
                draft = self.documents[move_type, "draft"]
                draft.with_user(user).sudo()._post(soft=False)
                self.assertEqual(draft.state, "posted")
                payment = (
                    self.env["account.payment"]
                    .with_user(user)
                    .sudo()
                    .create(self._payment_values(partner_type))
                )
                self.assertEqual(payment.create_uid, user)

    def _entry_values(self):
        return {
            "move_type": "entry",
            "date": "2019-01-01",
            "journal_id": self.company_data["default_journal_misc"].id,
            "line_ids": [
                Command.create(
                    {
                        "name": "Debit",
                        "account_id": self.company_data["default_account_revenue"].id,
                        "debit": 10.0,
                    }
                ),
                Command.create(
                    {
                        "name": "Credit",
                        "account_id": self.company_data["default_account_expense"].id,
                        "credit": 10.0,
                    }
                ),
            ],
        }

    def test_journal_entries_are_none_of_the_profiles_business(self):
        """What the profiles promise is about invoices, credit notes, bills,
        refunds and receipts: a journal entry posted for the user, or reset
        and cancelled by a user another addon lets work on entries, is left
        alone (./dev check runs the real flows: a goods receipt with real-time
        valuation, a point of sale session closing)."""
        groups = self.env.ref(PROFILE % "sales_rep") | self.env.ref(PROFILE % "purchasing")
        self.env["ir.rule"].create(
            [
                {
                    "name": "Journal entries for the profiles (another addon)",
                    "model_id": self.env["ir.model"]._get_id(model),
                    "groups": [Command.set(groups.ids)],
                    "domain_force": repr([(path, "=", "entry")]),
                }
                for model, path in (("account.move", "move_type"), ("account.move.line", "move_id.move_type"))
            ]
        )
        for user in (self.sales_rep, self.purchasing):
            with self.subTest(user=user.login):
                # Posted by server code on their behalf, as stock and point of
                # sale do (Odoo itself lets only invoicing users post otherwise).
                entry = self.env["account.move"].with_user(user).sudo().create(self._entry_values())
                entry._post(soft=False)
                self.assertEqual(entry.state, "posted")
                entry = entry.sudo(False)
                entry.button_set_checked()
                self.assertTrue(entry.checked)
                entry.button_draft()
                self.assertEqual(entry.state, "draft")
                entry.write({"checked": False, "auto_post": "at_date"})
                entry.button_cancel()
                self.assertEqual(entry.state, "cancel")

    def test_sales_admin_does_everything_invoicing_does(self):
        user = self.sales_admin
        for move_type in CUSTOMER_TYPES + VENDOR_TYPES:
            with self.subTest(move_type=move_type):
                move = self.env["account.move"].with_user(user).create(self._draft_values(move_type))
                move.action_post()
                self.assertEqual(move.state, "posted")
        invoice = self.documents["out_invoice", "posted"]
        self.env["account.payment.register"].with_user(user).with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.documents["in_invoice", "draft"].with_user(user).unlink()
        self.assertFalse(self.documents["in_invoice", "draft"].exists())

    def test_status_available_to_purchasing(self):
        purchasing_group = self.env.ref(PROFILE % "purchasing")
        reserved = self.env["invoice.workflow.status"].create(
            {
                "name": "Awaiting goods receipt",
                "group": "in_progress",
                "sequence": 40,
                "group_ids": [
                    Command.set((purchasing_group | self.env.ref("account.group_account_manager")).ids)
                ],
            }
        )
        self.status_in_progress.next_status_ids = [Command.link(reserved.id)]
        bill = self.documents["in_invoice", "posted"]
        invoice = self.documents["out_invoice", "posted"]
        (bill + invoice).action_set_workflow_status(reserved)
        self.assertTrue(reserved._is_available_to_user(self.purchasing))
        self.assertFalse(reserved._is_available_to_user(self.sales_rep))
        Status = self.env["invoice.workflow.status"]
        self.assertNotIn(reserved.id, Status.with_user(self.purchasing)._get_hidden_status_ids())
        self.assertIn(reserved.id, Status.with_user(self.sales_rep)._get_hidden_status_ids())
        # The purchasing user sees the bill in it; the representative does
        # not see the customer invoice in it, and still sees the others.
        self.assertEqual(
            bill.with_user(self.purchasing).read(["workflow_status_id"])[0]["workflow_status_id"][0],
            reserved.id,
        )
        Move = self.env["account.move"]
        self.assertEqual(
            Move.with_user(self.purchasing).search([("workflow_status_id", "=", reserved.id)]), bill
        )
        with self.assertRaises(AccessError):
            invoice.with_user(self.sales_rep).read(["name"])
        self.assertEqual(
            Move.with_user(self.sales_rep).search([("id", "in", self._side(CUSTOMER_TYPES).ids)]),
            self._side(CUSTOMER_TYPES) - invoice,
        )


@tagged("post_install", "-at_install")
class TestUserProfilesRpc(UserProfilesCommon, AccountTestInvoicingHttpCommon):
    """The limits hold for a client talking JSON-RPC to the server."""

    def test_rpc_limited_profiles(self):
        for user, own, other, partner_type in (
            (self.sales_rep, "out_invoice", "in_invoice", "customer"),
            (self.purchasing, "in_invoice", "out_invoice", "supplier"),
        ):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                draft = self.documents[own, "draft"]
                with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
                    self._call_kw("account.move", "action_post", draft.ids)
                draft.invalidate_recordset()
                self.assertEqual(draft.state, "draft")
                count = self.env["account.payment"].search_count([])
                with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
                    self._call_kw("account.payment", "create", self._payment_values(partner_type))
                self.assertEqual(self.env["account.payment"].search_count([]), count)
                with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
                    self._call_kw("account.move", "read", self.documents[other, "posted"].ids, ["name"])
                found = self._call_kw(
                    "account.move",
                    "search_read",
                    [("id", "in", self._all_documents().ids)],
                    fields=["move_type"],
                )
                self.assertEqual({row["move_type"] for row in found}, {own, own.replace("invoice", "refund")})
                posted = self.documents[own, "posted"]
                with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
                    self._call_kw("account.move", "unlink", posted.ids)
                self.assertTrue(posted.exists())
                created = self._call_kw("account.move", "create", self._draft_values(own))
                self.assertEqual(self.env["account.move"].browse(created).state, "draft")


@tagged("post_install", "-at_install")
class TestUserProfilesAccountingRpc(UserProfilesCommon, AccountTestInvoicingHttpCommon):
    """Posting, reset, cancellation and review stay with invoicing users on
    every door a client reaches over JSON-RPC, with Analytic Accounting on
    (Odoo then gives its group, and the analytic lines that reset and
    cancellation delete, to every internal user)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # What the Analytic Accounting checkbox of the settings does.
        cls.env.ref("base.group_user").implied_ids |= cls.env.ref("analytic.group_analytic_accounting")
        cls.sides = (
            (cls.sales_rep, (*CUSTOMER_TYPES, "out_receipt")),
            (cls.purchasing, (*VENDOR_TYPES, "in_receipt")),
        )
        for move_type in ("out_receipt", "in_receipt"):
            cls.documents[move_type, "posted"] = cls.init_invoice(
                move_type, products=cls.product_a, post=True
            )
            cls.documents[move_type, "draft"] = cls.init_invoice(move_type, products=cls.product_a)

    def _state(self, move):
        move.invalidate_recordset()
        return (
            move.state,
            move.name,
            move.workflow_status_id,
            move.amount_total,
            move.checked,
            move.auto_post,
        )

    def _assert_refused(self, move, method, *args, exception="AccessError", **kwargs):
        before = self._state(move)
        with self.assertRaisesRegex(JsonRpcException, f"odoo.exceptions.{exception}"):
            self._call_kw("account.move", method, move.ids, *args, **kwargs)
        self.assertEqual(self._state(move), before, f"{method}{args} changed {move.display_name}")

    def test_analytic_accounting_is_on(self):
        analytic = self.env.ref("analytic.group_analytic_accounting")
        for user, _own in self.sides:
            self.assertIn(analytic, user.groups_id)

    def test_rpc_state_checked_and_auto_post_refused(self):
        for user, own in self.sides:
            self.authenticate(user.login, user.login)
            for move_type in own:
                draft = self.documents[move_type, "draft"]
                posted = self.documents[move_type, "posted"]
                with self.subTest(user=user.login, move_type=move_type):
                    for state in ("posted", "cancel"):
                        self._assert_refused(draft, "write", {"state": state})
                    for state in ("draft", "cancel"):
                        self._assert_refused(posted, "write", {"state": state})
                    self._assert_refused(posted, "write", {"checked": not posted.checked})
                    self._assert_refused(draft, "write", {"checked": True})
                    # A draft scheduled for posting: the cron would post it.
                    self._assert_refused(draft, "write", {"auto_post": "at_date", "date": "2019-01-01"})
                    self._assert_refused(posted, "write", {"ref": "Edited after posting"})
                    count = self.env["account.move"].search_count([])
                    for values in ({"state": "posted"}, {"state": "cancel"}, {"auto_post": "at_date"}):
                        with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
                            self._call_kw(
                                "account.move", "create", {**self._draft_values(move_type), **values}
                            )
                    self.assertEqual(self.env["account.move"].search_count([]), count)

    def test_rpc_buttons_refused(self):
        for user, own in self.sides:
            self.authenticate(user.login, user.login)
            for move_type in own:
                draft = self.documents[move_type, "draft"]
                posted = self.documents[move_type, "posted"]
                with self.subTest(user=user.login, move_type=move_type):
                    self._assert_refused(posted, "button_draft")
                    self._assert_refused(posted, "button_cancel")
                    self._assert_refused(posted, "button_set_checked")
                    self._assert_refused(draft, "button_cancel")
                    self._assert_refused(draft, "button_set_checked")
                    self._assert_refused(draft, "action_post")
                    self._assert_refused(posted, "unlink")
                    self.assertTrue(posted.exists())

    def test_rpc_status_changes_with_an_accounting_action_refused(self):
        # Receipts have no status.
        for user, own in ((self.sales_rep, CUSTOMER_TYPES), (self.purchasing, VENDOR_TYPES)):
            self.authenticate(user.login, user.login)
            for move_type in own:
                draft = self.documents[move_type, "draft"]
                posted = self.documents[move_type, "posted"]
                with self.subTest(user=user.login, move_type=move_type):
                    for move, status in (
                        (draft, self.status_in_progress),
                        (draft, self.status_cancelled),
                        (posted, self.status_new),
                        (posted, self.status_cancelled),
                    ):
                        self._assert_refused(
                            move, "action_set_workflow_status", status.id, exception="UserError"
                        )
                    # The kanban board moves cards by writing the status.
                    for move, status in ((draft, self.status_in_progress), (posted, self.status_new)):
                        values = {"workflow_status_id": status.id}
                        self._assert_refused(move, "write", values, exception="UserError")

    def test_rpc_drafts_of_their_side_still_prepared(self):
        # A status of the New group: moving a draft into it posts nothing.
        prepared = self.env["invoice.workflow.status"].create(
            {"name": "Prepared", "group": "new", "sequence": 11}
        )
        self.status_new.next_status_ids |= prepared
        for user, own in self.sides:
            self.authenticate(user.login, user.login)
            for move_type in own:
                with self.subTest(user=user.login, move_type=move_type):
                    # What the web client sends for a new document: the
                    # defaults of the form, state and review included.
                    values = {**self._draft_values(move_type), "state": "draft", "checked": False}
                    move = self.env["account.move"].browse(self._call_kw("account.move", "create", values))
                    self.assertEqual((move.state, move.move_type), ("draft", move_type))
                    line = move.invoice_line_ids
                    self._call_kw(
                        "account.move",
                        "write",
                        move.ids,
                        {
                            "ref": "Prepared",
                            "invoice_line_ids": [Command.update(line.id, {"price_unit": 300.0})],
                        },
                    )
                    move.invalidate_recordset()
                    self.assertEqual((move.ref, move.amount_untaxed), ("Prepared", 300.0))
                    # A copy of a posted document is a draft (its review flag is copied).
                    copy_id = self._call_kw("account.move", "copy", self.documents[move_type, "posted"].ids)[
                        0
                    ]
                    self.assertEqual(self.env["account.move"].browse(copy_id).state, "draft")
                    self._call_kw("account.move", "unlink", [move.id, copy_id])
                    self.assertFalse(move.exists())
                    draft = self.documents[move_type, "draft"]
                    if draft.is_invoice():  # receipts have no status
                        self._call_kw("account.move", "action_set_workflow_status", draft.ids, prepared.id)
                        draft.invalidate_recordset()
                        self.assertEqual(draft.workflow_status_id, prepared)
