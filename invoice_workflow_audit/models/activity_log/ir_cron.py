# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools import SQL

from .invoice_activity_log_admin_mixin import MODULE


class IrCron(models.Model):
    """The addon's scheduled actions (the sealer, the daily seal, recurring
    invoices, overdue statuses) log being switched off or on, rescheduled,
    given other code or another user, and deleted: an administrator who stops
    the sealing leaves a row in the history.

    Odoo's scheduler writes ``lastcall``, ``nextcall`` and the failure counters
    in SQL at each run (``_reschedule_later``, ``_update_failure_count``) and
    "Run Manually" writes ``lastcall`` only: none of them is logged. Base's
    ``try_write`` (behind ``toggle``) skips ``ir.cron.write`` but not this
    mixin, which sits below it.
    """

    _name = "ir.cron"
    _inherit = ["ir.cron", "invoice.activity.log.admin.mixin"]

    # The code and the model are the server action's (written through it,
    # see ir.actions.server); a far nextcall stops a job as surely as
    # active = False.
    _activity_log_admin_fields = (
        "active",
        "interval_number",
        "interval_type",
        "nextcall",
        "user_id",
        "ir_actions_server_id",
        "state",
        "model_id",
        "code",
    )
    _activity_log_admin_actions = (None, "scheduled_action_modified", "scheduled_action_deleted")

    def _activity_log_admin_watched(self):
        return self.sudo().with_context(active_test=False) & self._activity_log_admin_crons()

    def _activity_log_admin_crons(self):
        """The addon's scheduled actions: those of its xml ids."""
        self.env.cr.execute(
            SQL("SELECT res_id FROM ir_model_data WHERE module = %s AND model = 'ir.cron'", MODULE)
        )
        cron_ids = [res_id for (res_id,) in self.env.cr.fetchall()]
        return self.sudo().with_context(active_test=False).browse(cron_ids)

    def _activity_log_admin_label(self):
        self.ensure_one()
        return self.env._("Scheduled action %(name)s", name=self.name)

    def _activity_log_admin_action(self, old, new):
        if old is not None and new is not None and old["active"] != new["active"]:
            # Compared as texts: both snapshots are taken in the same language.
            active = self.sudo().with_context(active_test=False).active
            return "scheduled_action_activated" if active else "scheduled_action_deactivated"
        return super()._activity_log_admin_action(old, new)
