# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon

# Everything a client may put in the context to look like module loading or
# to silence mail tracking.
CLIENT_CONTEXT = {
    "tracking_disable": True,
    "mail_notrack": True,
    "mail_create_nolog": True,
    "install_mode": True,
    "module": "invoice_workflow_audit",
    "import_file": True,
}
ADMIN_ACTIONS = (
    "access_right_created",
    "access_right_modified",
    "access_right_deleted",
    "record_rule_created",
    "record_rule_modified",
    "record_rule_deleted",
    "scheduled_action_activated",
    "scheduled_action_deactivated",
    "scheduled_action_modified",
    "scheduled_action_deleted",
)


class AdminChangesCommon(WorkflowStatusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_activity_log()
        cls.company = cls.company_data["company"]
        # An administrator who is not the account owner.
        cls.sysadmin = new_test_user(
            cls.env,
            login="iwa_sysadmin",
            groups="base.group_system",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.history_model = cls.env["ir.model"]._get("invoice.activity.log")
        cls.sealing_cron = cls.env.ref("invoice_workflow_audit.ir_cron_activity_log_seal")

    def _admin_rows(self, action_type=None):
        """The rows about administration changes in the test company."""
        rows = self._log_rows(company_id=self.company.id).filtered(
            lambda row: row.action_type in ADMIN_ACTIONS
        )
        return rows.filtered(lambda row: row.action_type == action_type) if action_type else rows

    def _history_read_access(self):
        return {
            "name": "history for everyone",
            "model_id": self.history_model.id,
            "group_id": self.env.ref("base.group_user").id,
            "perm_read": True,
        }


@tagged("post_install", "-at_install")
class TestActivityLogAdminChanges(AdminChangesCommon):
    """An administrator's way around the owner leaves a row in the history."""

    def test_an_access_right_on_the_history_is_logged(self):
        Access = self.env["ir.model.access"].with_user(self.sysadmin)
        access = Access.create(self._history_read_access())
        created = self._admin_rows("access_right_created")
        self.assertEqual(len(created), 1)
        self.assertEqual(created.user_id, self.sysadmin)
        for text in ("invoice.activity.log", "Internal User", "Read Access: yes", "Write Access: no"):
            self.assertIn(text, created.description)
        # The owner reads it in the history (no superuser needed).
        self.assertEqual(
            self.env["invoice.activity.log"].search([("id", "=", created.id)]).action_type,
            "access_right_created",
        )
        # An access right belongs to no company: every history that is on has it.
        enabled = self.env["res.company"].search([("activity_log_enabled", "=", True)])
        self.assertEqual(
            self._log_rows(action_type="access_right_created").company_id,
            enabled,
        )

        access.write({"perm_write": True})
        modified = self._admin_rows("access_right_modified")
        self.assertEqual(len(modified), 1)
        self.assertIn("Write Access: no → yes", modified.description)
        self.assertNotIn("Read Access", modified.description)
        # Writing what is already there changes nothing, and logs nothing.
        access.write({"perm_write": True, "name": access.name})
        self.assertEqual(len(self._admin_rows("access_right_modified")), 1)

        access.unlink()
        deleted = self._admin_rows("access_right_deleted")
        self.assertEqual(len(deleted), 1)
        self.assertIn("history for everyone", deleted.description)
        self.assertIn("Write Access: yes", deleted.description)

    def test_an_access_right_moved_onto_the_history_is_logged(self):
        Access = self.env["ir.model.access"].with_user(self.sysadmin)
        access = Access.create(
            {**self._history_read_access(), "model_id": self.env["ir.model"]._get_id("res.partner")}
        )
        self.assertFalse(self._admin_rows())
        access.model_id = self.history_model
        modified = self._admin_rows("access_right_modified")
        self.assertEqual(len(modified), 1)
        self.assertIn("Model: res.partner → invoice.activity.log", modified.description)

    def test_an_access_right_on_another_model_is_not_logged(self):
        Access = self.env["ir.model.access"].with_user(self.sysadmin)
        access = Access.create(
            {**self._history_read_access(), "model_id": self.env["ir.model"]._get_id("res.partner")}
        )
        access.perm_write = True
        access.unlink()
        self.assertFalse(self._admin_rows())

    def test_record_rule_changes_are_logged_from_both_sides(self):
        rule = self.env.ref("invoice_workflow_audit.invoice_activity_log_company_rule").with_user(
            self.sysadmin
        )
        rule.domain_force = "[(1, '=', 1)]"
        modified = self._admin_rows("record_rule_modified")
        self.assertEqual(len(modified), 1)
        self.assertIn("[('company_id', 'in', company_ids)] → [(1, '=', 1)]", modified.description)
        # Linking the rule to a group from the group's side never calls ir.rule.write.
        self.env.ref("base.group_user").with_user(self.sysadmin).write(
            {"rule_groups": [Command.link(rule.id)]}
        )
        modified = self._admin_rows("record_rule_modified")
        self.assertEqual(len(modified), 2)
        self.assertIn("everyone → User types / Internal User", modified[-1].description)
        new_rule = (
            self.env["ir.rule"]
            .with_user(self.sysadmin)
            .create({"name": "all rows", "model_id": self.history_model.id, "domain_force": "[]"})
        )
        self.assertEqual(len(self._admin_rows("record_rule_created")), 1)
        new_rule.unlink()
        self.assertEqual(len(self._admin_rows("record_rule_deleted")), 1)
        # A rule of another model is Odoo's business.
        self.env["ir.rule"].with_user(self.sysadmin).create(
            {
                "name": "partners",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "domain_force": "[]",
            }
        ).unlink()
        self.assertEqual(len(self._admin_rows()), 4)

    def test_switching_the_sealing_off_and_on_is_logged(self):
        cron = self.sealing_cron.with_user(self.sysadmin)
        cron.active = False
        off = self._admin_rows("scheduled_action_deactivated")
        self.assertEqual(len(off), 1)
        self.assertEqual(off.user_id, self.sysadmin)
        self.assertIn("Activity history: seal new rows", off.description)
        cron.active = True
        self.assertEqual(len(self._admin_rows("scheduled_action_activated")), 1)
        # Base's try_write (behind ir.cron.toggle) skips ir.cron.write.
        cron.try_write({"active": False})
        self.assertEqual(len(self._admin_rows("scheduled_action_deactivated")), 2)

    def test_rescheduling_and_new_code_are_logged(self):
        recurrence_cron = self.env.ref("invoice_workflow_audit.ir_cron_invoice_recurrence")
        for cron, values, expected in (
            (self.sealing_cron, {"interval_number": 30}, "Interval Number: 1 → 30"),
            (self.sealing_cron, {"nextcall": "2099-01-01 00:00:00"}, "→ 2099-01-01 00:00:00"),
            (recurrence_cron, {"user_id": self.sysadmin.id}, "→ iwa_sysadmin"),
            (recurrence_cron, {"code": "pass"}, "model._cron_generate_recurring_documents() → pass"),
        ):
            with self.subTest(values=values):
                count = len(self._admin_rows())
                cron.with_user(self.sysadmin).write(values)
                rows = self._admin_rows()[count:]
                self.assertEqual(rows.mapped("action_type"), ["scheduled_action_modified"])
                self.assertIn(expected, rows.description)
        # The code written on the server action itself, once.
        recurrence_cron.ir_actions_server_id.with_user(self.sysadmin).code = "model.browse()"
        rows = self._admin_rows("scheduled_action_modified")
        self.assertEqual(len(rows), 5)
        self.assertIn("pass → model.browse()", rows[-1].description)

    def test_odoo_running_the_cron_logs_nothing(self):
        cron = self.sealing_cron
        # "Run Manually" writes lastcall.
        cron.with_user(self.sysadmin).method_direct_trigger()
        # The scheduler's own run of a due job: it seals, then writes
        # lastcall, nextcall and the failure counters.
        self.env.cr.execute(
            SQL(
                "UPDATE ir_cron SET nextcall = %s WHERE id = %s",
                fields.Datetime.now() - timedelta(hours=1),
                cron.id,
            )
        )
        invoice_rows = self._log_rows(self._posted_invoice())
        self.env.invalidate_all()
        self.assertFalse(invoice_rows.link_ids, "rows not sealed yet")
        self.env.flush_all()
        self.registry.enter_test_mode(self.cr)
        try:
            with self.registry.cursor() as cron_cr:
                self.registry["ir.cron"]._process_job(
                    self.registry.db_name,
                    cron_cr,
                    {**cron.read(load=None)[0], "done": 0, "remaining": 0, "timed_out_counter": 0},
                )
        finally:
            self.registry.leave_test_mode()
        self.env.invalidate_all()
        self.assertTrue(invoice_rows.link_ids, "the scheduler sealed the rows")
        self.assertGreater(cron.nextcall, fields.Datetime.now())
        self.assertTrue(cron.lastcall)
        self.assertTrue(cron.active)
        self.assertFalse(self._admin_rows())

    def test_the_context_changes_nothing(self):
        Access = self.env["ir.model.access"].with_user(self.sysadmin).with_context(**CLIENT_CONTEXT)
        Access.create(self._history_read_access())
        self.sealing_cron.with_user(self.sysadmin).with_context(**CLIENT_CONTEXT).active = False
        self.assertEqual(
            self._admin_rows().mapped("action_type"), ["access_right_created", "scheduled_action_deactivated"]
        )

    def test_superuser_changes_are_logged(self):
        self.sealing_cron.with_user(self.sysadmin).sudo().active = False
        self.assertEqual(self._admin_rows("scheduled_action_deactivated").user_id, self.sysadmin)

    def test_module_loading_is_not_logged(self):
        # Odoo loads module data (this addon's own rights, rules and
        # scheduled actions included) while its registry is not ready.
        self.registry.ready = False
        try:
            self.sealing_cron.with_user(self.sysadmin).active = False
            self.env["ir.model.access"].with_user(self.sysadmin).create(self._history_read_access())
        finally:
            self.registry.ready = True
        self.assertFalse(self._admin_rows())


@tagged("post_install", "-at_install")
class TestActivityLogAdminChangesRpc(AdminChangesCommon, AccountTestInvoicingHttpCommon):
    """An administrator talking JSON-RPC to the server."""

    def test_rpc_access_right_and_cron_switch_are_logged(self):
        self.authenticate(self.sysadmin.login, self.sysadmin.login)
        context = dict(CLIENT_CONTEXT, allowed_company_ids=[self.company.id])
        self._call_kw("ir.model.access", "create", self._history_read_access(), context=context)
        self._call_kw("ir.cron", "write", self.sealing_cron.ids, {"active": False}, context=context)
        self._call_kw("ir.cron", "try_write", self.sealing_cron.ids, {"active": True}, context=context)
        self.env.invalidate_all()
        rows = self._admin_rows()
        self.assertEqual(
            rows.mapped("action_type"),
            ["access_right_created", "scheduled_action_deactivated", "scheduled_action_activated"],
        )
        self.assertEqual(rows.user_id, self.sysadmin)
        self.assertEqual(set(rows.mapped("ip_address")), {"127.0.0.1"})
        # The administrator now reads the history: his own grant first of all.
        read = self._call_kw(
            "invoice.activity.log",
            "search_read",
            [("action_type", "=", "access_right_created")],
            ["description"],
            context=context,
        )
        self.assertIn(rows[0].id, [row["id"] for row in read])
