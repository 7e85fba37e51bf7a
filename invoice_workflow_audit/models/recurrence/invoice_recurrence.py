# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date, groupby

from ..common import check_integer_values
from .account_move import ODOO_RECURRING_AUTO_POST

# Before it, a start date is a typing error (0001-01-01 for 2001-01-01).
EARLIEST_START = date(1900, 1, 1)
# Missing periods listed by date; beyond, their count says how many.
MISSING_DATES_LISTED = 24


class InvoiceRecurrence(models.Model):
    """Generates documents from a base invoice or bill on a schedule.

    This file holds the recurrence itself: fields, computes, constraints,
    creation and changes. Its schedule (period dates, end rules, due periods)
    is ``invoice.recurrence.schedule.mixin`` (invoice_recurrence_schedule.py),
    the generation of documents by the scheduler is in
    invoice_recurrence_generation.py, stopping, ending and resuming in
    invoice_recurrence_resume.py.
    """

    _name = "invoice.recurrence"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "invoice.activity.log.mixin",
        "invoice.recurrence.schedule.mixin",
        "invoice.protected.fields.mixin",
    ]
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
    # A start date long past generates a document for every past period at
    # once: the user says so knowingly (the form asks, RPC sends the flag).
    confirm_past_start = fields.Boolean(
        string="Start in the Past Confirmed",
        copy=False,
        help="The start date is more than a year ago: the first run generates a document for every "
        "period since then.",
    )
    past_start = fields.Boolean(compute="_compute_past_start")
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
    # The scheduler's rotation: the recurrences served longest ago come first.
    date_last_served = fields.Datetime(
        string="Last Generated On",
        readonly=True,
        copy=False,
        help="When the scheduler last generated documents of this recurrence.",
    )
    period_count = fields.Integer(
        string="Generated Periods",
        readonly=True,
        copy=False,
        help="Periods generated so far (a deleted document still counts).",
    )

    # Not named auto_post: account.move.auto_post is Odoo's own recurring
    # entries (monthly, quarterly, yearly), another scheduler altogether.
    post_generated = fields.Boolean(
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
            stopped = recurrence.state == "stopped"
            recurrence.missing_count = recurrence._due_period_count(today) if stopped else 0
            recurrence.missing_dates = recurrence._missing_dates_text(today) if stopped else False

    @api.depends("state", "date_start", "date_next", "interval_number", "interval_type", "end_type")
    @api.depends_context("date")
    def _compute_backlog_count(self):
        today = fields.Date.context_today(self)
        for recurrence in self:
            running = (
                recurrence.state == "running" and recurrence.date_start and recurrence.interval_number > 0
            )
            if running and (recurrence.date_next or recurrence.date_start) < today:
                recurrence.backlog_count = recurrence._due_period_count(today)
            else:
                recurrence.backlog_count = 0

    def _missing_dates_text(self, today):
        """The dates of the periods due up to ``today``, the first ones only
        when there are many (the count says how many)."""
        return self._dates_text(self._missing_dates(today))

    def _missing_dates(self, today):
        """The dates of the periods due up to ``today``, one more than listed."""
        return self._due_period_dates(today, limit=MISSING_DATES_LISTED + 1)

    def _dates_text(self, dates):
        """``dates`` (from _missing_dates) as the user reads them, the first ones only."""
        text = ", ".join(format_date(self.env, day) for day in dates[:MISSING_DATES_LISTED])
        return f"{text}, …" if len(dates) > MISSING_DATES_LISTED else text

    @api.depends("date_start")
    @api.depends_context("date")
    def _compute_past_start(self):
        for recurrence in self:
            recurrence.past_start = recurrence._starts_long_ago(recurrence.date_start)

    @api.onchange("date_start")
    def _onchange_date_start_confirm(self):
        # Each start date in the past is confirmed for itself.
        self.confirm_past_start = False

    @api.model
    def _starts_long_ago(self, date_start):
        """Whether ``date_start`` lies more than a year before today."""
        today = fields.Date.context_today(self)
        return bool(date_start) and fields.Date.to_date(date_start) < today - relativedelta(years=1)

    @api.model
    def _check_past_start(self, vals):
        """Refuse a start date more than a year ago unless ``vals`` confirms it."""
        if "date_start" not in vals or not self._starts_long_ago(vals["date_start"]):
            return
        if fields.Date.to_date(vals["date_start"]) < EARLIEST_START:
            return  # refused whatever the confirmation: _check_end says why
        if not vals.get("confirm_past_start"):
            raise UserError(
                self.env._(
                    "The start date %(date)s is more than a year ago: the first run would generate a "
                    "document for every period since then. Confirm the start date in the past "
                    "(Start in the Past Confirmed) or choose a later date.",
                    date=format_date(self.env, fields.Date.to_date(vals["date_start"])),
                )
            )

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
            if move.auto_post in ODOO_RECURRING_AUTO_POST:
                raise ValidationError(
                    self.env._(
                        "%(document)s is one of Odoo's recurring entries (Auto-post: %(frequency)s): Odoo "
                        "already creates its next documents. Set its Auto-post to No before making it the "
                        "base of a recurrence, or keep Odoo's recurring entries for it.",
                        document=move.display_name,
                        frequency=dict(move._fields["auto_post"]._description_selection(self.env))[
                            move.auto_post
                        ],
                    )
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
            if recurrence.date_start < EARLIEST_START:
                raise ValidationError(
                    self.env._(
                        "The start date of a recurrence cannot be before %(date)s.",
                        date=format_date(self.env, EARLIEST_START),
                    )
                )
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

    @api.constrains("auto_send", "post_generated", "mail_template_id")
    def _check_auto_send(self):
        for recurrence in self:
            if recurrence.auto_send and not recurrence.post_generated:
                raise ValidationError(
                    self.env._("Only posted documents are sent: also post them automatically.")
                )
            if recurrence.auto_send and not recurrence.mail_template_id:
                raise ValidationError(self.env._("Choose the e-mail template of the automatic sending."))

    # ------------------------------------------------------------------
    # CRUD, each change logged
    # ------------------------------------------------------------------

    @api.model
    def _protected_fields(self):
        # Kept by the schedule, the generation and the three ways to resume
        # (invoice_recurrence_resume.py), or computed from the base document.
        return (
            *super()._protected_fields(),
            "name",
            "state",
            "state_sequence",
            "date_next",
            "period_count",
            "date_last_served",
            "error_message",
            "date_stopped",
            "move_type",
            "partner_id",
            "journal_id",
        )

    @api.model_create_multi
    def create(self, vals_list):
        # What the caller sent is checked here; the reference and the first
        # date are the recurrence's own, written through the private path.
        self._check_protected_fields(vals_list)
        check_integer_values(self, vals_list)
        vals_list = [dict(vals) for vals in vals_list]
        for vals in vals_list:
            if not vals.get("template_move_id"):
                raise UserError(self.env._("A recurrence needs a base document."))
            self._check_past_start(vals)
            self._check_template_readable(vals["template_move_id"])
            vals["name"] = self.env["ir.sequence"].next_by_code("invoice.recurrence") or "/"
            vals["date_next"] = vals.get("date_start") or fields.Date.context_today(self)
        return super(InvoiceRecurrence, self._as_protected_writer()).create(vals_list).with_env(self.env)

    def write(self, vals):
        if "template_move_id" in vals and self.filtered("period_count"):
            raise UserError(
                self.env._("The base document of a recurrence that generated documents cannot change.")
            )
        check_integer_values(self, [vals])
        self._check_past_start(vals)
        if vals.get("template_move_id"):
            self._check_template_readable(vals["template_move_id"])
        result = super().write(vals)
        if "date_start" in vals:
            # The schedule starts over from the start date until a period is generated.
            fresh = self.filtered(lambda recurrence: not recurrence.period_count)
            for date_start, recurrences in groupby(fresh, key=lambda recurrence: recurrence.date_start):
                self.browse([recurrence.id for recurrence in recurrences])._write_protected(
                    {"date_next": date_start}
                )
        return result

    @api.model
    def _check_template_readable(self, move_id):
        """The user may read the base document it points at: every period is
        a copy of it (partner, lines, amounts). Odoo checks record rules on
        the recurrence written, not on the document its new id designates."""
        if isinstance(move_id, bool) or not isinstance(move_id, int) or not 0 < move_id < 2**31:
            raise UserError(self.env._("Choose the base document of the recurrence."))
        move = self.env["account.move"].browse(move_id)
        if not move.exists():
            raise UserError(self.env._("The chosen base document no longer exists."))
        move.check_access("read")

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

    def action_open_business_doc(self):
        """The recurrence's form: what account's ``x2many_buttons`` widget opens
        from the "Base of recurrence" banner of an invoice."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "views": [(False, "form")],
            "target": "current",
        }

    def action_open_template_move(self):
        self.ensure_one()
        return self.template_move_id._get_records_action()
