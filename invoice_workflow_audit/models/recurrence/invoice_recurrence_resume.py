# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date, groupby


class GenerationError(UserError):
    """A period could not be generated; the message is the cause shown to users."""


class InvoiceRecurrence(models.Model):
    """The life of a recurrence: a recurrence whose generation failed stops
    (cause shown, responsible told by an activity, journal dashboard alert)
    until a user chooses: resume skipping the missed documents, end it, or
    resume creating the one missing document (that one makes a document: it
    is in invoice_recurrence_generation.py). A recurrence also ends by itself
    when its end rule is reached.

    Calls go one way: the generation calls this file (stop, end, the cause of
    a failure), this file never calls the generation."""

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
        today = fields.Date.context_today(self)

        def describe(env):
            # The cause is the error's own text; the rest in the language of ``env``.
            return env._(
                "Cause: %(cause)s Periods not generated: %(dates)s",
                cause=cause,
                dates=self.with_env(env)._missing_dates_text(today),
            )

        # The row in the company's language, the chatter in the user's.
        self.env["invoice.activity.log"]._log_action(
            self, "recurrence_stopped", describe, chatter_body=Markup("<p>%s</p>") % describe(self.env)
        )
        self.activity_schedule(
            "invoice_workflow_audit.mail_activity_recurrence_stopped",
            user_id=(self.user_id or self.env.user).id,
            summary=self.env._("Recurrence stopped: choose how to resume it"),
            note=cause,
        )

    def _end(self, reason):
        """End these recurrences for ``reason``, a function of an environment
        giving the text in its language: no more documents."""
        self._write_protected({"state": "ended"})
        # The row in the company's language, the chatter in the user's.
        self.env["invoice.activity.log"]._log_action(
            self, "recurrence_ended", reason, chatter_body=Markup("<p>%s</p>") % reason(self.env)
        )

    def _reactivate(self, details):
        """Resume these recurrences; ``details``, a function of an environment
        giving {recurrence id: text} in its language, says how."""
        self._write_protected({"state": "running", "error_message": False, "date_stopped": False})
        texts = details(self.env)
        for recurrence in self:
            recurrence.activity_feedback(
                ["invoice_workflow_audit.mail_activity_recurrence_stopped"], feedback=texts[recurrence.id]
            )
        # The row in the company's language, the chatter in the user's.
        self.env["invoice.activity.log"]._log_action(
            self,
            "recurrence_reactivated",
            details,
            chatter_body={rid: Markup("<p>%s</p>") % detail for rid, detail in texts.items()},
        )

    def _end_if_finished(self):
        """End the running recurrences whose next period is past their end."""
        finished = self.filtered(
            lambda recurrence: (
                recurrence.state == "running"
                and not recurrence._is_within_end(recurrence.date_next, recurrence.period_count)
            )
        )
        if finished:
            finished._end(lambda env: env._("The recurrence reached its end."))

    def _stop_cause(self, error, day):
        if isinstance(error, pg_errors.UniqueViolation):
            return self.env._(
                "A document already exists for the period of %(date)s.", date=format_date(self.env, day)
            )
        return self._error_text(error)

    @staticmethod
    def _error_text(error):
        if isinstance(error, UserError | ValidationError):
            return error.args[0]
        return str(error) or error.__class__.__name__

    def _check_can_generate(self):
        """Raise the cause, in words a user acts on, why no document can be
        generated for one of these recurrences."""
        for recurrence in self:
            template = recurrence.template_move_id
            if not template:
                raise GenerationError(self.env._("The base document was deleted."))
            # The scheduler runs as superuser: a base document its responsible
            # may not read (a restricted status) is not copied into documents
            # that the responsible, and others, would read.
            responsible = recurrence.user_id
            if responsible and not template.with_user(responsible).has_access("read"):
                raise GenerationError(
                    self.env._(
                        "The responsible %(user)s may not see the base document %(document)s (status "
                        "%(status)s, company %(company)s): choose a responsible who may, or move the "
                        "document to a status they see.",
                        user=responsible.name,
                        document=template.name,
                        status=template.workflow_status_id.name,
                        company=template.company_id.name,
                    )
                )
            if template.partner_id and not template.partner_id.active:
                raise GenerationError(
                    self.env._(
                        "The partner %(partner)s is archived.", partner=template.partner_id.display_name
                    )
                )
            archived = template.invoice_line_ids.product_id.filtered(lambda product: not product.active)
            if archived:
                raise GenerationError(
                    self.env._(
                        "The product %(product)s is archived.",
                        product=", ".join(archived.mapped("display_name")),
                    )
                )
            if recurrence.auto_send and not template.partner_id.email:
                raise GenerationError(
                    self.env._(
                        "No e-mail address for partner %(partner)s.",
                        partner=template.partner_id.display_name or "-",
                    )
                )

    def _check_cause_fixed(self):
        """Refuse to resume a recurrence whose cause is still there: it would
        stop again at the next run, a day later, for the same cause."""
        for recurrence in self:
            try:
                recurrence._check_can_generate()
            except GenerationError as error:
                raise UserError(
                    self.env._(
                        "%(recurrence)s would stop again: %(cause)s "
                        "Fix the cause first, or end the recurrence.",
                        recurrence=recurrence.name,
                        cause=error.args[0],
                    )
                ) from error

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
        self._check_cause_fixed()
        today = fields.Date.context_today(self)
        # Taken before the next dates move; written in each language below.
        skipped = {recurrence.id: recurrence._missing_dates(today) for recurrence in self}
        next_dates = {recurrence.id: recurrence._next_period_date(today) for recurrence in self}

        def details(env):
            return {
                recurrence.id: env._(
                    "Reactivated; missing documents skipped: %(dates)s. Next document on %(next)s.",
                    dates=self.with_env(env)._dates_text(skipped[recurrence.id]) or "-",
                    next=format_date(env, next_dates[recurrence.id]),
                )
                for recurrence in self
            }

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
        user = self.env.user.name
        self._end(lambda env: env._("Ended by %(user)s.", user=user))
        return True
