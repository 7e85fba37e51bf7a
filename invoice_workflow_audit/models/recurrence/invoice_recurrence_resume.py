# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date, groupby

from .invoice_recurrence_generation import CONCURRENCY_ERRORS


class InvoiceRecurrence(models.Model):
    """A recurrence whose generation failed stops (cause shown, responsible
    told by an activity, journal dashboard alert) until a user chooses: resume
    skipping the missed documents, end it, or resume creating the one missing
    document. A recurrence also ends by itself when its end rule is reached."""

    _inherit = "invoice.recurrence"

    # ------------------------------------------------------------------
    # Stop, end, resume
    # ------------------------------------------------------------------

    def _stop(self, cause):
        """Stop after a failed period: cause shown, logged, responsible told."""
        self.ensure_one()
        self._write_protected(
            {"state": "stopped", "error_message": cause, "date_stopped": fields.Datetime.now()}
        )
        missing = self._missing_dates_text(fields.Date.context_today(self))
        detail = self.env._("Cause: %(cause)s Periods not generated: %(dates)s", cause=cause, dates=missing)
        self.env["invoice.activity.log"]._log_action(
            self, "recurrence_stopped", detail, chatter_body=Markup("<p>%s</p>") % detail
        )
        self.activity_schedule(
            "invoice_workflow_audit.mail_activity_recurrence_stopped",
            user_id=(self.user_id or self.env.user).id,
            summary=self.env._("Recurrence stopped: choose how to resume it"),
            note=cause,
        )

    def _end(self, reason):
        """End these recurrences for ``reason``: no more documents."""
        self._write_protected({"state": "ended"})
        self.env["invoice.activity.log"]._log_action(
            self, "recurrence_ended", reason, chatter_body=Markup("<p>%s</p>") % reason
        )

    def _reactivate(self, details):
        """Resume these recurrences; ``details`` {recurrence id: text} says how."""
        self._write_protected({"state": "running", "error_message": False, "date_stopped": False})
        for recurrence in self:
            recurrence.activity_feedback(
                ["invoice_workflow_audit.mail_activity_recurrence_stopped"], feedback=details[recurrence.id]
            )
        self.env["invoice.activity.log"]._log_action(
            self,
            "recurrence_reactivated",
            details,
            chatter_body={rid: Markup("<p>%s</p>") % detail for rid, detail in details.items()},
        )

    def _check_stopped(self):
        not_stopped = self.filtered(lambda recurrence: recurrence.state != "stopped")
        if not_stopped:
            raise UserError(
                self.env._(
                    "Only stopped recurrences can be resumed: %(names)s.",
                    names=", ".join(not_stopped.mapped("name")),
                )
            )

    def action_reactivate_skip(self):
        """Resume at the next future period; the missed periods get no document."""
        self._check_stopped()
        today = fields.Date.context_today(self)
        details, next_dates = {}, {}
        for recurrence in self:
            skipped = recurrence._missing_dates_text(today)
            next_dates[recurrence.id] = next_date = recurrence._next_period_date(today)
            details[recurrence.id] = self.env._(
                "Reactivated; missing documents skipped: %(dates)s. Next document on %(next)s.",
                dates=skipped or "-",
                next=format_date(self.env, next_date),
            )
        for next_date, items in groupby(next_dates.items(), key=lambda item: item[1]):
            self.browse([rid for rid, _day in items])._write_protected({"date_next": next_date})
        self._reactivate(details)
        self._end_if_finished()
        return True

    def action_end(self):
        """End the recurrence: no more documents."""
        finished = self.filtered(lambda recurrence: recurrence.state == "ended")
        if finished:
            raise UserError(
                self.env._(
                    "These recurrences already ended: %(names)s.", names=", ".join(finished.mapped("name"))
                )
            )
        if stopped := self.filtered(lambda recurrence: recurrence.state == "stopped"):
            stopped.activity_feedback(
                ["invoice_workflow_audit.mail_activity_recurrence_stopped"],
                feedback=self.env._("Recurrence ended."),
            )
        self._end(self.env._("Ended by %(user)s.", user=self.env.user.name))
        return True

    def action_reactivate_create_missing(self):
        """Create the one missing document, then resume."""
        self._check_stopped()
        today = fields.Date.context_today(self)
        for recurrence in self:
            missing = recurrence._due_period_dates(today, limit=2)
            if len(missing) != 1:
                raise UserError(
                    self.env._(
                        "%(recurrence)s misses %(count)s documents: the missing document can be created "
                        "only when exactly one is missing. Reactivate it skipping the missing documents, "
                        "or end it.",
                        recurrence=recurrence.name,
                        count=recurrence._due_period_count(today),
                    )
                )
            try:
                # The same path as the scheduler's, for a batch of one period.
                with self.env.cr.savepoint():
                    move = recurrence._generate_plan([(recurrence, missing[0])])
            except CONCURRENCY_ERRORS:
                raise
            except Exception as error:
                raise UserError(
                    self.env._(
                        "The missing document still cannot be created: %(cause)s",
                        cause=self._error_text(error),
                    )
                ) from error
            recurrence._reactivate(
                {
                    recurrence.id: self.env._(
                        "Reactivated; missing document created: %(document)s.", document=move.display_name
                    )
                }
            )
            recurrence._end_if_finished()
        return True
