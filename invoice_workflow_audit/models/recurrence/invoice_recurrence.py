# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import threading

from dateutil.relativedelta import relativedelta
from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date, groupby

from ..common import demo_env

_logger = logging.getLogger(__name__)

# A failure that only means "another worker holds or just changed this
# recurrence": it is skipped for this run, never stopped.
CONCURRENCY_ERRORS = (pg_errors.LockNotAvailable, pg_errors.SerializationFailure)


class GenerationError(UserError):
    """A period could not be generated; the message is the cause shown to users."""


class InvoiceRecurrence(models.Model):
    """Generates documents from a base invoice or bill on a schedule.

    The scheduler (``_cron_generate_recurring_documents``) creates one document
    per period, oldest first. A period is generated at most once: the
    recurrence row is locked while it is processed, ``date_next`` moves in the
    same transaction as the document is created, and a unique index on
    (recurrence, period) in account_move refuses a second document for a period.
    When a period fails, the recurrence stops and waits for a user to choose
    how to resume it.
    """

    _name = "invoice.recurrence"
    _inherit = ["mail.thread", "mail.activity.mixin", "invoice.activity.log.mixin"]
    _description = "Recurring Invoice"
    _order = "state_sequence, date_next, id desc"
    _check_company_auto = True

    _activity_log_created = "recurrence_created"
    _activity_log_deleted = "recurrence_deleted"
    _activity_log_modified = "recurrence_modified"
    # Generation, stops and resumptions are logged as actions of their own.
    _activity_log_untracked = ("state", "date_next")

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default=lambda self: self.env._("New")
    )
    active = fields.Boolean(default=True, tracking=True)
    template_move_id = fields.Many2one(
        "account.move",
        string="Base Document",
        required=False,
        index=True,
        ondelete="set null",
        tracking=True,
        check_company=True,
        domain="[('move_type', 'in', ('out_invoice', 'out_refund', 'in_invoice', 'in_refund'))]",
        help="The invoice or bill copied for each period: partner, lines, payment terms, journal.",
    )
    # Kept from the base document: they still tell what the recurrence was
    # about after the base document is deleted.
    move_type = fields.Selection(
        selection=lambda self: self.env["account.move"]._fields["move_type"].selection,
        string="Document Type",
        compute="_compute_from_template",
        store=True,
        readonly=True,
        index=True,
    )
    partner_id = fields.Many2one(
        "res.partner", compute="_compute_from_template", store=True, readonly=True, index=True
    )
    journal_id = fields.Many2one(
        "account.journal", compute="_compute_from_template", store=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        index=True,
    )
    currency_id = fields.Many2one(related="template_move_id.currency_id")
    amount_total = fields.Monetary(related="template_move_id.amount_total", string="Amount")
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
        help="Receives an activity when the recurrence stops.",
    )

    interval_number = fields.Integer(string="Every", default=1, required=True, tracking=True)
    interval_type = fields.Selection(
        [("day", "Days"), ("week", "Weeks"), ("month", "Months"), ("year", "Years")],
        string="Unit",
        default="month",
        required=True,
        tracking=True,
    )
    date_start = fields.Date(
        string="Start Date",
        default=fields.Date.context_today,
        required=True,
        tracking=True,
        help="Date of the first generated document; the following ones are counted from it.",
    )
    date_next = fields.Date(
        string="Next Date",
        readonly=True,
        index=True,
        copy=False,
        tracking=True,
        help="Date of the next document to generate.",
    )
    end_type = fields.Selection(
        [("never", "Never"), ("count", "After a number of documents"), ("date", "On a date")],
        string="Ends",
        default="never",
        required=True,
        tracking=True,
    )
    recurring_count = fields.Integer(
        string="Number of Documents", default=12, tracking=True, help="How many documents in all."
    )
    date_end = fields.Date(string="End Date", tracking=True, help="No document is dated after this day.")
    period_count = fields.Integer(
        string="Generated Periods",
        readonly=True,
        copy=False,
        help="Periods generated so far (a deleted document still counts).",
    )

    auto_post = fields.Boolean(
        string="Post Automatically", default=True, tracking=True, help="Generated documents are posted."
    )
    auto_send = fields.Boolean(
        string="Send Automatically",
        tracking=True,
        help="Generated documents are posted and sent by e-mail to the partner.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        domain="[('model', '=', 'account.move')]",
        default=lambda self: self.env.ref("account.email_template_edi_invoice", raise_if_not_found=False),
        tracking=True,
    )

    state = fields.Selection(
        [("running", "Running"), ("stopped", "Stopped"), ("ended", "Ended")],
        default="running",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    # Stopped recurrences first in lists.
    state_sequence = fields.Integer(compute="_compute_state_sequence", store=True)
    error_message = fields.Text(string="Cause", readonly=True, copy=False)
    date_stopped = fields.Datetime(string="Stopped On", readonly=True, copy=False)
    missing_count = fields.Integer(
        string="Missing Documents",
        compute="_compute_missing_periods",
        help="Periods due up to today that have no document.",
    )
    missing_dates = fields.Char(string="Missing Periods", compute="_compute_missing_periods")
    backlog_count = fields.Integer(
        string="Documents Due at Once",
        compute="_compute_backlog_count",
        help="Documents the next run generates at once because their dates are past.",
    )

    move_ids = fields.One2many("account.move", "recurrence_id", string="Generated Documents", readonly=True)
    move_count = fields.Integer(string="Documents", compute="_compute_move_count")

    _sql_constraints = [
        ("interval_number_positive", "CHECK(interval_number > 0)", "The interval must be at least 1."),
    ]

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------

    @api.depends("template_move_id")
    def _compute_from_template(self):
        for recurrence in self:
            move = recurrence.template_move_id
            recurrence.move_type = move.move_type or recurrence.move_type
            recurrence.partner_id = move.partner_id or recurrence.partner_id
            recurrence.journal_id = move.journal_id or recurrence.journal_id

    @api.depends("template_move_id")
    def _compute_company_id(self):
        for recurrence in self:
            recurrence.company_id = (
                recurrence.template_move_id.company_id or recurrence.company_id or self.env.company
            )

    @api.depends("state")
    def _compute_state_sequence(self):
        order = {"stopped": 0, "running": 1, "ended": 2}
        for recurrence in self:
            recurrence.state_sequence = order[recurrence.state]

    @api.depends("state", "date_next", "end_type", "date_end", "recurring_count", "period_count")
    @api.depends_context("date")
    def _compute_missing_periods(self):
        today = fields.Date.context_today(self)
        for recurrence in self:
            dates = recurrence._due_period_dates(today) if recurrence.state == "stopped" else []
            recurrence.missing_count = len(dates)
            recurrence.missing_dates = ", ".join(format_date(self.env, day) for day in dates)

    @api.depends("state", "date_start", "date_next", "interval_number", "interval_type", "end_type")
    @api.depends_context("date")
    def _compute_backlog_count(self):
        today = fields.Date.context_today(self)
        for recurrence in self:
            running = (
                recurrence.state == "running" and recurrence.date_start and recurrence.interval_number > 0
            )
            if running and (recurrence.date_next or recurrence.date_start) < today:
                recurrence.backlog_count = len(recurrence._due_period_dates(today, limit=1000))
            else:
                recurrence.backlog_count = 0

    def _compute_move_count(self):
        counts = dict(
            self.env["account.move"]._read_group(
                [("recurrence_id", "in", self.ids)], ["recurrence_id"], ["__count"]
            )
        )
        for recurrence in self:
            recurrence.move_count = counts.get(recurrence, 0)

    @api.constrains("template_move_id")
    def _check_template_move(self):
        for recurrence in self:
            move = recurrence.template_move_id
            if move and not move.is_invoice():
                raise ValidationError(
                    self.env._("Only invoices, bills and credit notes can be made recurring.")
                )
            if move.recurrence_id:
                raise ValidationError(
                    self.env._(
                        "%(document)s was generated by the recurrence %(recurrence)s: "
                        "make its base document recurring instead.",
                        document=move.display_name,
                        recurrence=move.recurrence_id.name,
                    )
                )

    @api.constrains("end_type", "recurring_count", "date_end", "date_start")
    def _check_end(self):
        for recurrence in self:
            if recurrence.end_type == "count" and recurrence.recurring_count < 1:
                raise ValidationError(
                    self.env._("A recurrence ending after a number of documents needs at least one.")
                )
            if recurrence.end_type == "date" and not recurrence.date_end:
                raise ValidationError(self.env._("Set the end date of the recurrence."))
            if recurrence.end_type == "date" and recurrence.date_end < recurrence.date_start:
                raise ValidationError(
                    self.env._("The end date of a recurrence cannot be before its start date.")
                )

    @api.constrains("auto_send", "auto_post", "mail_template_id")
    def _check_auto_send(self):
        for recurrence in self:
            if recurrence.auto_send and not recurrence.auto_post:
                raise ValidationError(
                    self.env._("Only posted documents are sent: also post them automatically.")
                )
            if recurrence.auto_send and not recurrence.mail_template_id:
                raise ValidationError(self.env._("Choose the e-mail template of the automatic sending."))

    # ------------------------------------------------------------------
    # CRUD, each change logged
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("template_move_id"):
                raise UserError(self.env._("A recurrence needs a base document."))
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("invoice.recurrence") or "/"
            vals["date_next"] = vals.get("date_start") or fields.Date.context_today(self)
        return super().create(vals_list)

    def write(self, vals):
        if "template_move_id" in vals and self.filtered("period_count"):
            raise UserError(
                self.env._("The base document of a recurrence that generated documents cannot change.")
            )
        result = super().write(vals)
        if "date_start" in vals:
            # The schedule starts over from the start date until a period is generated.
            for recurrence in self.filtered(lambda recurrence: not recurrence.period_count):
                recurrence.date_next = recurrence.date_start
        return result

    def _activity_log_describes_creation(self):
        return True

    def _activity_log_creation_description(self):
        return self._schedule_description()

    def _schedule_description(self):
        self.ensure_one()
        unit = dict(self._fields["interval_type"]._description_selection(self.env))[self.interval_type]
        return self.env._(
            "Every %(number)s %(unit)s from %(start)s, based on %(document)s",
            number=self.interval_number,
            unit=unit.lower(),
            start=format_date(self.env, self.date_start),
            document=self.template_move_id.display_name,
        )

    # ------------------------------------------------------------------
    # The schedule
    # ------------------------------------------------------------------

    def _period_date(self, index):
        """Date of period number ``index`` (0 = the start date).

        Counted from the start date, never from the previous period, so that a
        recurrence starting on the 31st comes back to the 31st after February.
        """
        self.ensure_one()
        step = self.interval_number * index
        return self.date_start + relativedelta(**{f"{self.interval_type}s": step})

    def _next_period_date(self, after):
        """The first period date strictly after ``after``."""
        self.ensure_one()
        start = self.date_start
        if after < start:
            return start
        # Start a little before the answer, then step forward.
        if self.interval_type in ("day", "week"):
            days = 1 if self.interval_type == "day" else 7
            index = (after - start).days // (days * self.interval_number)
        elif self.interval_type == "month":
            index = ((after.year - start.year) * 12 + after.month - start.month) // self.interval_number
        else:
            index = (after.year - start.year) // self.interval_number
        index = max(index - 1, 0)
        while self._period_date(index) <= after:
            index += 1
        return self._period_date(index)

    def _is_within_end(self, day, period_count):
        """Whether a document for ``day`` may still be generated after ``period_count`` periods."""
        self.ensure_one()
        if self.end_type == "count":
            return period_count < self.recurring_count
        if self.end_type == "date":
            return day <= self.date_end
        return True

    def _due_period_dates(self, today, limit=None):
        """The period dates from ``date_next`` up to ``today`` that the end allows."""
        self.ensure_one()
        dates, day, count = [], self.date_next or self.date_start, self.period_count
        while day and day <= today and self._is_within_end(day, count) and len(dates) != limit:
            dates.append(day)
            day, count = self._next_period_date(day), count + 1
        return dates

    # ------------------------------------------------------------------
    # The scheduler
    # ------------------------------------------------------------------

    @api.model
    def _cron_generate_recurring_documents(self, batch_size=50):
        """Generate the due documents of running recurrences, a batch of
        recurrences per transaction, and report progress to the cron (which
        calls again at once while recurrences are left)."""
        today = fields.Date.context_today(self)
        due = self.search([("state", "=", "running"), ("date_next", "<=", today)], order="date_next, id")
        batch = due[:batch_size]
        batch._generate_batch(today)
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=len(due) - len(batch))
        if not getattr(threading.current_thread(), "testing", False):
            # Never lose a committed batch to a later failure of the run.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return len(batch)

    def _generate_batch(self, today):
        """Generate the due periods of these recurrences together: one create
        and one posting for all their documents, as the work of one
        transaction. If any of them fails, nothing of the batch is kept and
        each recurrence is generated on its own instead (its own savepoint),
        so that only the failing one stops and the others go on.
        """
        locked = self._lock_for_generation()
        if locked is None:
            return self._generate_one_by_one(today)
        plan = [(recurrence, day) for recurrence in locked for day in recurrence._due_period_dates(today)]
        if not plan:
            return self.env["account.move"]
        try:
            with self.env.cr.savepoint():
                moves = self._generate_plan(plan)
                for recurrence in locked:
                    recurrence._end_if_finished()
                return moves
        except CONCURRENCY_ERRORS as error:
            _logger.info("Recurrences %s skipped: %s", locked.ids, error)
            return self.env["account.move"]
        except Exception as error:
            # The one-by-one pass finds the culprit and stops it alone.
            _logger.info("Batch of recurrences %s generated one by one: %s", locked.ids, error)
        return locked._generate_one_by_one(today)

    def _generate_one_by_one(self, today):
        moves = self.env["account.move"]
        for recurrence in self:
            moves |= recurrence._generate_due_documents(today)
        return moves

    def _lock_for_generation(self):
        """Lock these running recurrences for the transaction; the ones another
        worker holds are left out (that worker generates them). None when one
        of them changed and was committed since the transaction began: lock
        them one by one (for a single recurrence: skip it, the next run sees
        that work)."""
        if not self:
            return self
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM invoice_recurrence WHERE id IN %s AND state = 'running'"
                        " ORDER BY id FOR NO KEY UPDATE SKIP LOCKED",
                        tuple(self.ids),
                    ),
                    log_exceptions=False,
                )
                ids = {row[0] for row in self.env.cr.fetchall()}
        except pg_errors.SerializationFailure:
            return None
        self.invalidate_recordset()
        return self.filtered(lambda recurrence: recurrence.id in ids)

    def _generate_plan(self, plan):
        """Create, post and send the documents of ``plan`` [(recurrence, period date)]."""
        for recurrence, _day in plan:
            recurrence._check_can_generate()
        generated = []  # (recurrence, period date, document), in the order of the plan
        for company, company_plan in groupby(plan, key=lambda item: item[0].company_id):
            created = (
                self.env["account.move"]
                .with_company(company)
                .create(
                    [
                        recurrence.template_move_id.copy_data(recurrence._period_values(day))[0]
                        for recurrence, day in company_plan
                    ]
                )
            )
            generated += [
                (recurrence, day, move) for (recurrence, day), move in zip(company_plan, created, strict=True)
            ]
        generated.sort(key=lambda item: (item[0].id, item[1]))
        moves = self.env["account.move"].union(*(move for _recurrence, _day, move in generated))
        if to_post := moves.filtered("recurrence_id.auto_post"):
            to_post.action_post()
        for recurrence, day, move in generated:
            recurrence._after_period_generated(move, day)
        return moves

    def _generate_due_documents(self, today):
        """Generate every due period of this recurrence, oldest first.

        Returns the generated documents. A failing period stops the recurrence
        and keeps the documents of the periods before it.
        """
        self.ensure_one()
        if not self._lock_for_generation():
            return self.env["account.move"]
        recurrence = self.with_company(self.company_id)
        moves = self.env["account.move"]
        for period_date in recurrence._due_period_dates(today):
            try:
                with self.env.cr.savepoint():
                    moves |= recurrence._generate_period(period_date)
            except CONCURRENCY_ERRORS as error:
                # Another worker changed it meanwhile: the next run sees its work.
                _logger.info("Recurrence %s skipped on %s: %s", recurrence.name, period_date, error)
                return moves
            except pg_errors.UniqueViolation:
                recurrence._stop(
                    self.env._(
                        "A document already exists for the period of %(date)s.",
                        date=format_date(self.env, period_date),
                    )
                )
                break
            except Exception as error:
                _logger.info("Recurrence %s stopped on %s: %s", recurrence.name, period_date, error)
                recurrence._stop(self._error_text(error))
                break
        recurrence._end_if_finished()
        return moves

    @staticmethod
    def _error_text(error):
        if isinstance(error, UserError | ValidationError):
            return error.args[0]
        return str(error) or error.__class__.__name__

    def _generate_period(self, period_date):
        """Create (and post, and send) the document of one period."""
        self.ensure_one()
        self._check_can_generate()
        template = self.template_move_id
        values = template.copy_data(self._period_values(period_date))[0]
        move = self.env["account.move"].create(values)
        if self.auto_post:
            move.action_post()
        self._after_period_generated(move, period_date)
        return move

    def _after_period_generated(self, move, period_date):
        """Tell both sides, move the schedule, and send when configured."""
        body = Markup("%s") % self.env._(
            "Generated by the recurrence %(recurrence)s for the period of %(date)s.",
            recurrence=self._get_html_link(),
            date=format_date(self.env, period_date),
        )
        move._message_log(body=body)
        self.write({"period_count": self.period_count + 1, "date_next": self._next_period_date(period_date)})
        detail = self.env._(
            "%(document)s for the period of %(date)s",
            document=move.display_name,
            date=format_date(self.env, period_date),
        )
        self.env["invoice.activity.log"]._log_action(
            self,
            "recurring_document_created",
            detail,
            chatter_body=Markup("<p>%s</p>")
            % self.env._("Document created: %(document)s", document=move._get_html_link()),
        )
        if self.auto_send:
            self._send_document(move)

    def _end_if_finished(self):
        if self.state == "running" and not self._is_within_end(self.date_next, self.period_count):
            self._end(self.env._("The recurrence reached its end."))

    def _period_values(self, period_date):
        template = self.template_move_id
        values = {
            "date": period_date,
            "invoice_date": period_date,
            "recurrence_id": self.id,
            "recurrence_period_date": period_date,
            "invoice_user_id": template.invoice_user_id.id,
            "ref": template.ref,
        }
        if not template.invoice_payment_term_id and template.invoice_date_due and template.invoice_date:
            # No payment terms: keep the delay of the base document.
            values["invoice_date_due"] = period_date + (template.invoice_date_due - template.invoice_date)
        return values

    def _check_can_generate(self):
        """Raise the cause, in words a user acts on, why no document can be generated."""
        template = self.template_move_id
        if not template:
            raise GenerationError(self.env._("The base document was deleted."))
        if template.partner_id and not template.partner_id.active:
            raise GenerationError(
                self.env._("The partner %(partner)s is archived.", partner=template.partner_id.display_name)
            )
        archived = template.invoice_line_ids.product_id.filtered(lambda product: not product.active)
        if archived:
            raise GenerationError(
                self.env._(
                    "The product %(product)s is archived.",
                    product=", ".join(archived.mapped("display_name")),
                )
            )
        if self.auto_send and not template.partner_id.email:
            raise GenerationError(
                self.env._(
                    "No e-mail address for partner %(partner)s.",
                    partner=template.partner_id.display_name or "-",
                )
            )

    def _send_document(self, move):
        self.env["account.move.send"]._generate_and_send_invoices(
            move,
            sending_methods={"email"},
            mail_template=self.mail_template_id,
            allow_fallback_pdf=False,
        )
        if move.sending_data and move.sending_data.get("error"):
            raise GenerationError(self.env._("%(document)s could not be sent.", document=move.display_name))
        detail = self.env._(
            "%(document)s sent to %(recipient)s",
            document=move.display_name,
            recipient=move.partner_id.email_formatted,
        )
        self.env["invoice.activity.log"]._log_action(
            self, "recurring_document_sent", detail, chatter_body=Markup("<p>%s</p>") % detail
        )

    # ------------------------------------------------------------------
    # Stop, end, resume
    # ------------------------------------------------------------------

    def _stop(self, cause):
        """Stop after a failed period: cause shown, logged, responsible told."""
        self.ensure_one()
        self.write({"state": "stopped", "error_message": cause, "date_stopped": fields.Datetime.now()})
        missing = ", ".join(
            format_date(self.env, day) for day in self._due_period_dates(fields.Date.context_today(self))
        )
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
        self.ensure_one()
        self.write({"state": "ended"})
        self.env["invoice.activity.log"]._log_action(
            self, "recurrence_ended", reason, chatter_body=Markup("<p>%s</p>") % reason
        )

    def _reactivate(self, detail):
        self.write({"state": "running", "error_message": False, "date_stopped": False})
        self.activity_feedback(["invoice_workflow_audit.mail_activity_recurrence_stopped"], feedback=detail)
        self.env["invoice.activity.log"]._log_action(
            self, "recurrence_reactivated", detail, chatter_body=Markup("<p>%s</p>") % detail
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
        for recurrence in self:
            skipped = recurrence._due_period_dates(today)
            next_date = recurrence._next_period_date(today)
            recurrence.date_next = next_date
            detail = self.env._(
                "Reactivated; missing documents skipped: %(dates)s. Next document on %(next)s.",
                dates=", ".join(format_date(self.env, day) for day in skipped) or "-",
                next=format_date(self.env, next_date),
            )
            recurrence._reactivate(detail)
            if not recurrence._is_within_end(next_date, recurrence.period_count):
                recurrence._end(self.env._("The recurrence reached its end."))
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
        for recurrence in self:
            if recurrence.state == "stopped":
                recurrence.activity_feedback(
                    ["invoice_workflow_audit.mail_activity_recurrence_stopped"],
                    feedback=self.env._("Recurrence ended."),
                )
            recurrence._end(self.env._("Ended by %(user)s.", user=self.env.user.name))
        return True

    def action_reactivate_create_missing(self):
        """Create the one missing document, then resume."""
        self._check_stopped()
        today = fields.Date.context_today(self)
        for recurrence in self:
            missing = recurrence._due_period_dates(today)
            if len(missing) != 1:
                raise UserError(
                    self.env._(
                        "%(recurrence)s misses %(count)s documents: the missing document can be created "
                        "only when exactly one is missing. Reactivate it skipping the missing documents, "
                        "or end it.",
                        recurrence=recurrence.name,
                        count=len(missing),
                    )
                )
            try:
                with self.env.cr.savepoint():
                    move = recurrence.with_company(recurrence.company_id)._generate_period(missing[0])
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
                self.env._("Reactivated; missing document created: %(document)s.", document=move.display_name)
            )
            if not recurrence._is_within_end(recurrence.date_next, recurrence.period_count):
                recurrence._end(self.env._("The recurrence reached its end."))
        return True

    # ------------------------------------------------------------------
    # Navigation
    # ------------------------------------------------------------------

    def action_open_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_in_invoice_type"
            if self.move_type in ("in_invoice", "in_refund")
            else "account.action_move_out_invoice_type"
        )
        action.update(
            {
                "domain": [("recurrence_id", "=", self.id)],
                "context": {"create": False},
                "name": self.env._("Documents of %(recurrence)s", recurrence=self.name),
            }
        )
        return action

    def action_open_template_move(self):
        self.ensure_one()
        return self.template_move_id._get_records_action()

    # ------------------------------------------------------------------
    # Demo data
    # ------------------------------------------------------------------

    @api.model
    def _iwa_demo_recurrences(self):
        """Demo data: monthly recurrences of the main company generated for the
        past months (web hosting invoiced, office rent billed), and a third one
        stopped because its product was archived since its last document:
        highlighted, its cause shown, an alert on the Invoicing dashboard."""
        env = demo_env(self.env)
        if self.with_env(env).search_count([], limit=1):
            return self  # loaded already (demo data is loaded again on -i)
        today = fields.Date.context_today(self)
        start = today.replace(day=1) - relativedelta(months=3)
        lines = {
            "hosting": {"product_id": env.ref("invoice_workflow_audit.product_demo_hosting").id},
            "rent": {"name": env._("Office rent"), "quantity": 1, "price_unit": 1200.0},
            "legacy": {"product_id": env.ref("invoice_workflow_audit.product_demo_legacy_support").id},
        }
        bases = env["account.move"].create(
            [
                {
                    "move_type": move_type,
                    "partner_id": env.ref(partner).id,
                    "invoice_date": start,
                    "invoice_line_ids": [Command.create(lines[line])],
                }
                for move_type, partner, line in (
                    ("out_invoice", "base.res_partner_2", "hosting"),
                    ("in_invoice", "base.res_partner_12", "rent"),
                    ("out_invoice", "base.res_partner_4", "legacy"),
                )
            ]
        )
        bases.action_post()
        recurrences = self.with_env(env).create(
            [{"template_move_id": base.id, "date_start": start + relativedelta(months=1)} for base in bases]
        )
        recurrences._generate_batch(today - relativedelta(months=1))
        # The legacy support plan is discontinued: the next period cannot be generated.
        bases[2].invoice_line_ids.product_id.action_archive()
        recurrences._generate_batch(today)
        return recurrences
