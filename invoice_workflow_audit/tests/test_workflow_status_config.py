# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import datetime, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from ..models.common import STATUS_GROUP_COLORS
from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestWorkflowStatusConfiguration(WorkflowStatusCommon):
    """What the status manager configures."""

    def test_default_statuses_one_per_group_with_transitions(self):
        defaults = self.status_new + self.status_in_progress + self.status_paid + self.status_cancelled
        self.assertEqual(defaults.mapped("group"), ["new", "in_progress", "paid", "cancelled"])
        self.assertEqual(
            self.status_cancelled.previous_status_ids & defaults, self.status_new + self.status_in_progress
        )
        self.assertEqual(self.status_new.next_status_ids, self.status_in_progress + self.status_cancelled)
        fr = self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["invoice_workflow_audit"], [fr.code], overwrite=True)
        self.assertEqual(
            (defaults).with_context(lang="fr_FR").mapped("name"),
            ["Nouveau", "En cours", "Payé", "Annulé"],
        )

    def test_every_view_colours_the_groups_as_defined_once(self):
        decorations = {group: decoration for group, (_index, decoration) in STATUS_GROUP_COLORS.items()}
        self.assertEqual(
            {
                status.group: status.color
                for status in self.status_new | self.status_paid | self.status_cancelled
            },
            {group: STATUS_GROUP_COLORS[group][0] for group in ("new", "paid", "cancelled")},
        )
        views = {
            "invoice_workflow_audit.invoice_workflow_status_view_list": "group",
            "invoice_workflow_audit.view_move_form_inherit_workflow": "workflow_status_group",
            "invoice_workflow_audit.view_invoice_tree_inherit_workflow": "workflow_status_group",
        }
        for xmlid, group_field in views.items():
            arch = etree.fromstring(self.env.ref(xmlid).arch)
            badges = arch.xpath("//field[@widget='badge'][@decoration-info]")
            self.assertTrue(badges, xmlid)
            for badge in badges:
                found = {
                    attribute.removeprefix("decoration-"): value
                    for attribute, value in badge.attrib.items()
                    if attribute.startswith("decoration-")
                }
                expected = {
                    decoration: f"{group_field} == '{group}'" for group, decoration in decorations.items()
                }
                self.assertEqual(found, expected, xmlid)
        kanban = etree.fromstring(
            self.env.ref("invoice_workflow_audit.view_account_move_kanban_workflow").arch
        )
        [progressbar] = kanban.xpath("//progressbar")
        self.assertEqual(json.loads(progressbar.get("colors")), decorations)

    def test_transitions_are_one_relation_seen_from_both_ends(self):
        status = self.env["invoice.workflow.status"].create(
            {
                "name": "🔁 Reminder sent",
                "group": "in_progress",
                "previous_status_ids": [Command.set(self.status_sent.ids)],
                "next_status_ids": [Command.set(self.status_paid.ids)],
            }
        )
        self.assertIn(status, self.status_sent.next_status_ids)
        self.assertIn(status, self.status_paid.previous_status_ids)
        self.assertEqual(status.name, "🔁 Reminder sent")

    def test_previous_statuses_are_read_only_on_an_existing_status(self):
        with self.assertRaisesRegex(UserError, "edited on those statuses"):
            self.status_sent.previous_status_ids = [Command.link(self.status_new.id)]
        self.assertNotIn(self.status_new, self.status_sent.previous_status_ids)
        # The form shows the field read-only once the status exists.
        with Form(self.status_sent) as form, self.assertRaises(AssertionError):
            form.previous_status_ids.add(self.status_new)

    def test_status_cannot_move_to_itself(self):
        with self.assertRaises(ValidationError):
            self.status_sent.next_status_ids = [Command.link(self.status_sent.id)]

    def test_negative_time_limit_is_refused(self):
        with self.assertRaises(ValidationError):
            self.status_sent.time_limit_hours = -1

    def test_status_in_use_cannot_be_deleted(self):
        invoices = self._posted_invoice() + self._posted_invoice()
        invoices.action_set_workflow_status(self.status_sent)
        with self.assertRaisesRegex(UserError, "2 document\\(s\\) are in it"):
            self.status_sent.unlink()
        self.assertTrue(self.status_sent.exists())
        self.assertEqual(self.status_sent.move_count, 2)
        # Archived documents' statuses count too: the check runs as superuser.
        unused = self.env["invoice.workflow.status"].create({"name": "Unused", "group": "in_progress"})
        unused.unlink()
        self.assertFalse(unused.exists())

    def test_group_of_a_status_in_use_cannot_change(self):
        self._posted_invoice().action_set_workflow_status(self.status_sent)
        with self.assertRaisesRegex(UserError, "cannot change while"):
            self.status_sent.group = "paid"
        self.assertEqual(self.status_sent.group, "in_progress")
        self.status_disputed.group = "new"  # unused: free to change

    def test_status_open_documents_action(self):
        invoice = self._posted_invoice()
        action = self.status_in_progress.action_open_moves()
        self.assertIn(invoice, self.env["account.move"].search(action["domain"]))


@tagged("post_install", "-at_install")
class TestWorkflowStatusTimeLimit(WorkflowStatusCommon):
    """Time limit, overdue marker and the responsible's activity."""

    def test_deadline_overdue_filter_and_one_activity(self):
        start = datetime(2026, 3, 2, 9, 0)
        with freeze_time(start):
            invoice = self._posted_invoice()
            invoice.invoice_user_id = self.invoice_user
            invoice.action_set_workflow_status(self.status_sent)
            self.assertEqual(invoice.workflow_status_deadline, start + timedelta(hours=48))
            self.assertFalse(invoice.workflow_status_overdue)
        Move = self.env["account.move"]
        with freeze_time(start + timedelta(hours=47)):
            invoice.invalidate_recordset(["workflow_status_overdue"])
            self.assertFalse(invoice.workflow_status_overdue)
            self.assertNotIn(invoice, Move.search([("workflow_status_overdue", "=", True)]))
            Move._cron_notify_workflow_status_overdue()
            self.assertFalse(invoice.activity_ids)
        with freeze_time(start + timedelta(hours=49)):
            invoice.invalidate_recordset(["workflow_status_overdue"])
            self.assertTrue(invoice.workflow_status_overdue)
            self.assertIn(invoice, Move.search([("workflow_status_overdue", "=", True)]))
            self.assertNotIn(invoice, Move.search([("workflow_status_overdue", "=", False)]))
            self.env.ref("invoice_workflow_audit.ir_cron_workflow_status_overdue").method_direct_trigger()
            self.assertEqual(len(invoice.activity_ids), 1)
            self.assertEqual(invoice.activity_ids.user_id, self.invoice_user)
            self.assertIn("Sent", invoice.activity_ids.summary)
            # Once: the next run leaves it alone.
            Move._cron_notify_workflow_status_overdue()
            self.assertEqual(len(invoice.activity_ids), 1)
            # A new status restarts the clock.
            invoice.action_set_workflow_status(self.status_disputed, comment="Late")
            self.assertFalse(invoice.workflow_status_deadline)
            self.assertFalse(invoice.workflow_status_overdue)
            self.assertFalse(invoice.workflow_overdue_notified)

    def test_time_limit_change_moves_deadlines(self):
        with freeze_time("2026-03-02 09:00:00"):
            invoice = self._posted_invoice()
            invoice.action_set_workflow_status(self.status_sent)
            self.status_sent.time_limit_hours = 2
            self.assertEqual(invoice.workflow_status_deadline, datetime(2026, 3, 2, 11, 0))
            self.status_sent.time_limit_hours = 0
            self.assertFalse(invoice.workflow_status_deadline)
