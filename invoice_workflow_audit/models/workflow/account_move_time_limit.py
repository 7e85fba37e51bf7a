# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from .invoice_workflow_status import NO_STATUS


class AccountMove(models.Model):
    """The time limits of the statuses: when the current status expires, the
    overdue marker and the to-do of the responsible, and the escalation to the
    status managers after a further delay."""

    _inherit = "account.move"

    workflow_status_deadline = fields.Datetime(
        string="Status Period",
        compute="_compute_workflow_status_deadline",
        store=True,
        index="btree_not_null",
        copy=False,
        help="When the time limit of the current status expires.",
    )
    workflow_status_overdue = fields.Boolean(
        string="Status Overdue",
        compute="_compute_workflow_status_overdue",
        search="_search_workflow_status_overdue",
        help="The document stayed in its status longer than the status allows.",
    )
    workflow_overdue_notice_date = fields.Datetime(
        string="Overdue Notice On",
        readonly=True,
        copy=False,
        help="When the responsible last got the to-do activity of an overdue status.",
    )
    workflow_overdue_notified = fields.Boolean(
        compute="_compute_workflow_notified",
        store=True,
        copy=False,
        help="Technical: the responsible got the to-do activity for the current overdue status.",
    )
    workflow_escalation_deadline = fields.Datetime(
        string="Escalation On",
        compute="_compute_workflow_status_deadline",
        store=True,
        index="btree_not_null",
        copy=False,
        help="When the document escalates to the status managers if it is still in its status.",
    )
    workflow_status_escalated = fields.Boolean(
        string="Escalated",
        compute="_compute_workflow_status_overdue",
        search="_search_workflow_status_escalated",
        help="Overdue beyond the escalation delay of its status: the status managers were told.",
    )
    workflow_escalation_notice_date = fields.Datetime(
        string="Escalation Notice On",
        readonly=True,
        copy=False,
        help="When the status managers last got the activity of an escalation.",
    )
    workflow_escalation_notified = fields.Boolean(
        compute="_compute_workflow_notified",
        store=True,
        copy=False,
        help="Technical: the status managers got the activity for the current escalation.",
    )

    @api.depends(
        "workflow_status_date", "workflow_status_id.time_limit_hours", "workflow_status_id.escalation_hours"
    )
    def _compute_workflow_status_deadline(self):
        # The time limits come from the registry's cache of the statuses: this
        # runs at every change of status, posting included.
        facts = self.env["invoice.workflow.status"]._status_facts()
        for move in self:
            status = facts.get(move.workflow_status_id.id, NO_STATUS)
            if status.time_limit_hours and move.workflow_status_date:
                deadline = move.workflow_status_date + timedelta(hours=status.time_limit_hours)
                move.workflow_status_deadline = deadline
                move.workflow_escalation_deadline = (
                    deadline + timedelta(hours=status.escalation_hours) if status.escalation_hours else False
                )
            else:
                move.workflow_status_deadline = False
                move.workflow_escalation_deadline = False

    @api.depends("workflow_status_date", "workflow_overdue_notice_date", "workflow_escalation_notice_date")
    def _compute_workflow_notified(self):
        """A notice counts for the status the document is in: one sent before
        the document entered it (its status date) was about an earlier stay,
        so entering a status, by whatever path, makes its notices due anew."""
        for move in self:
            since = move.workflow_status_date
            overdue = move.workflow_overdue_notice_date
            escalation = move.workflow_escalation_notice_date
            move.workflow_overdue_notified = bool(overdue) and (not since or overdue > since)
            move.workflow_escalation_notified = bool(escalation) and (not since or escalation > since)

    @api.depends("workflow_status_deadline", "workflow_escalation_deadline")
    def _compute_workflow_status_overdue(self):
        now = fields.Datetime.now()
        for move in self:
            move.workflow_status_overdue = (
                bool(move.workflow_status_deadline) and move.workflow_status_deadline < now
            )
            move.workflow_status_escalated = (
                bool(move.workflow_escalation_deadline) and move.workflow_escalation_deadline < now
            )

    def _search_past(self, fname, label, operator, value):
        if operator not in ("=", "!="):
            raise UserError(
                self.env._("Unsupported search on %(field)s: %(operator)s", field=label, operator=operator)
            )
        now = fields.Datetime.now()
        if (operator == "=") == bool(value):
            return [(fname, "<", now)]
        return ["|", (fname, "=", False), (fname, ">=", now)]

    def _search_workflow_status_overdue(self, operator, value):
        return self._search_past("workflow_status_deadline", self.env._("Status Overdue"), operator, value)

    def _search_workflow_status_escalated(self, operator, value):
        return self._search_past("workflow_escalation_deadline", self.env._("Escalated"), operator, value)

    # ------------------------------------------------------------------
    # Scheduler: the to-do when overdue, the escalation after
    # ------------------------------------------------------------------

    @api.model
    def _cron_notify_workflow_status_overdue(self, batch_size=500):
        """Give the responsible of each newly overdue document one to-do
        activity, and the status managers of each newly escalated one theirs."""
        overdue = [("workflow_status_overdue", "=", True), ("workflow_overdue_notified", "=", False)]
        escalated = [("workflow_status_escalated", "=", True), ("workflow_escalation_notified", "=", False)]
        moves = self.search(overdue, limit=batch_size)
        for move in moves:
            status = move.workflow_status_id
            move.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Status %(status)s overdue", status=status.display_name),
                note=self.env._(
                    "This document stayed in status %(status)s longer than its time limit "
                    "(%(hours)s hours). Move it on or take action.",
                    status=status.display_name,
                    hours=status.time_limit_hours,
                ),
                user_id=(move.invoice_user_id or move.create_uid).id,
            )
        now = fields.Datetime.now()
        moves._write_protected({"workflow_overdue_notice_date": now})
        to_escalate = self.search(escalated, limit=batch_size)
        to_escalate._escalate_workflow_status()
        to_escalate._write_protected({"workflow_escalation_notice_date": now})
        remaining = self.search_count(overdue) + self.search_count(escalated)
        self.env["ir.cron"]._notify_progress(done=len(moves) + len(to_escalate), remaining=remaining)

    def _escalate_workflow_status(self):
        """One activity per status manager of the document's company."""
        managers = self.env.ref("invoice_workflow_audit.group_invoice_workflow_manager").users.filtered(
            lambda user: not user.share
        )
        for move in self:
            status = move.workflow_status_id
            for manager in managers.filtered(lambda user, move=move: move.company_id in user.company_ids):
                move.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Escalated: %(status)s", status=status.display_name),
                    note=self.env._(
                        "This document is still in status %(status)s %(hours)s hours after its time "
                        "limit expired. Its responsible was told; please step in.",
                        status=status.display_name,
                        hours=status.escalation_hours,
                    ),
                    user_id=manager.id,
                )
            self.env["invoice.activity.log"]._log_action(
                move,
                "status_escalated",
                lambda env, status=status: env._(
                    "Escalated to the status managers: %(status)s", status=status.with_env(env).display_name
                ),
            )
