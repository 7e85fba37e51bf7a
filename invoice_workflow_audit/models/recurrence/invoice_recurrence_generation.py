# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import copy
import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL, create_index, format_date, groupby

from .invoice_recurrence_resume import GenerationError

_logger = logging.getLogger(__name__)

# A failure that only means "another worker holds or just changed this
# recurrence": it is skipped for this run, never stopped.
CONCURRENCY_ERRORS = (pg_errors.LockNotAvailable, pg_errors.SerializationFailure)

# Documents one call of the scheduler generates at most (one transaction),
# shared among the recurrences of the call.
MAX_PERIODS_PER_CALL = 200
# The scheduler's rotation: the recurrences served longest ago first.
SCHEDULER_ORDER = "date_last_served ASC NULLS FIRST, date_next, id"
# Due recurrences a call counts beyond its batch, at most: enough for the
# runner to call again and for the operator to see the size of a backlog,
# without reading every due row on every call.
REMAINING_COUNTED = 10 * MAX_PERIODS_PER_CALL


class InvoiceRecurrence(models.Model):
    """Generation of the documents, in the shape of OCA contract: the cron
    entry point searches ``_get_due_recurrences_domain`` and hands a batch of
    recurrences to the one generation path, ``_generate_batch``.

    A period is generated at most once: the recurrence rows are locked while
    they are processed (FOR NO KEY UPDATE SKIP LOCKED), ``date_next`` moves in
    the same transaction as the documents are created, and a unique index on
    (recurrence, period) in account_move refuses a second document for a
    period. When a period fails, its recurrence stops, alone, and waits for a
    user to choose how to resume it.
    """

    _inherit = "invoice.recurrence"

    # ------------------------------------------------------------------
    # The scheduler
    # ------------------------------------------------------------------

    def init(self):
        result = super().init()
        # The rotation's order, running recurrences only: a call reads its
        # batch from the head of it instead of sorting every due recurrence.
        create_index(
            self.env.cr,
            "invoice_recurrence_rotation_index",
            self._table,
            ["date_last_served NULLS FIRST", "date_next", "id"],
            where="state = 'running'",
        )
        return result

    @api.model
    def _get_due_recurrences_domain(self, date_ref=None):
        """The recurrences the scheduler generates documents for on
        ``date_ref`` (today by default). Extend it to narrow or widen the
        scheduler's choice; only running recurrences are ever generated."""
        date_ref = date_ref or fields.Date.context_today(self)
        return [("state", "=", "running"), ("date_next", "<=", date_ref)]

    @api.model
    def _company_today(self, company):
        """Today where the company is (its address's time zone), not in the
        scheduler user's UTC: a recurrence of the 1st is due on the company's 1st."""
        tz = company.partner_id.tz or self.env.user.tz or "UTC"
        return fields.Date.context_today(self.with_context(tz=tz))

    # A batch holds as many recurrences as a call may make documents: a
    # backlog of single periods goes through in calls of one create and one
    # posting of 200 documents each (bench_invoice_recurrence: batches of 50
    # made four times the calls and cost 1.45 times plain Odoo's creation).
    @api.model
    def _cron_generate_recurring_documents(
        self, batch_size=MAX_PERIODS_PER_CALL, max_periods=MAX_PERIODS_PER_CALL
    ):
        """Generate the due documents of a batch of recurrences and report
        progress to the cron.

        A call costs what its batch costs, whatever the backlog: it selects
        and locks the ``batch_size`` due recurrences it serves and no other
        (``_lock_due_batch``), so that other workers take the next ones.
        Fair: the batch is taken in rotation (the recurrences served longest
        ago first, ``date_last_served``) and each of its recurrences gets its
        share of the call, ``max_periods`` divided among them: a daily
        recurrence started years ago is caught up over many calls while the
        others keep their dates. ``ir.cron._run_job`` commits after each call
        and calls again at once only when the call reports some work ``done``
        and some ``remaining`` (``done=0`` reads as "this job does not report
        progress": the run ends and the next one is tomorrow). So ``done``
        is the documents generated plus the recurrences stopped or ended (a
        stop is work done: a batch of failures must not end the run), and
        ``remaining`` a lower bound of the documents still due that a worker
        may take (``_remaining_documents``). Recurrences another worker holds
        are that worker's: a call that finds none free reports nothing left,
        so nothing spins on them. Nothing here commits: each call is one
        transaction of the runner.
        """
        todays = {
            company: self._company_today(company) for company in self.env["res.company"].sudo().search([])
        }
        date_ref = max(todays.values(), default=fields.Date.context_today(self))
        domain = self._get_scheduler_domain(todays, date_ref)
        batch = self._lock_due_batch(domain, batch_size)
        locked = batch is not None
        if not locked:
            # One of them changed since this transaction began: take the
            # batch unlocked, _generate_batch locks it one by one.
            batch = self.search(domain, order=SCHEDULER_ORDER, limit=batch_size)
        share = max(max_periods // len(batch), 1) if batch else 0
        moves = self.env["account.move"]
        for (company, lang), recurrences in groupby(
            batch, key=lambda recurrence: (recurrence.company_id, recurrence._responsible_lang())
        ):
            # Causes, notes and e-mails in the responsible's language, dates
            # in its format: the scheduler's user has none of its own.
            recurrences = self.with_context(lang=lang).browse(recurrence.id for recurrence in recurrences)
            today = todays.get(company, date_ref)
            if locked:
                moves |= recurrences._generate_locked(today, per_recurrence=share)
            else:
                moves |= recurrences._generate_batch(today, per_recurrence=share)
        done = len(moves) + len(batch.filtered(lambda recurrence: recurrence.state != "running"))
        remaining = self._remaining_documents(batch, domain, batch_size, todays, date_ref)
        if remaining and not done:
            # Every recurrence of the batch collided with a change committed
            # meanwhile: the runner would end the run; a fresh transaction in
            # a minute generates them instead of tomorrow's run.
            self.env.ref("invoice_workflow_audit.ir_cron_invoice_recurrence")._trigger(
                fields.Datetime.now() + timedelta(minutes=1)
            )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return len(moves)

    @api.model
    def _get_scheduler_domain(self, todays, date_ref):
        """``_get_due_recurrences_domain`` on the latest company's day
        ``date_ref``, each recurrence due on its company's day ``todays``
        {company: date} (on ``date_ref`` when its company is not listed): a
        recurrence of the 1st waits for its company's 1st."""
        companies_of_day = defaultdict(list)
        for company, today in todays.items():
            companies_of_day[today].append(company.id)
        listed = [company.id for company in todays]
        unlisted = [("company_id", "not in", listed), ("date_next", "<=", date_ref)]
        return expression.AND(
            [
                self._get_due_recurrences_domain(date_ref),
                expression.OR(
                    [
                        *(
                            [("company_id", "in", company_ids), ("date_next", "<=", today)]
                            for today, company_ids in companies_of_day.items()
                        ),
                        unlisted,
                    ]
                ),
            ]
        )

    @api.model
    def _lock_due_batch(self, domain, limit):
        """The first ``limit`` recurrences of ``domain`` in the rotation's
        order that no other worker holds, locked for this transaction (FOR NO
        KEY UPDATE SKIP LOCKED, in one query): the batch of a call, and only
        it. The other due recurrences stay free for other workers, and the
        cost does not grow with the backlog (an index follows the rotation).
        None when one of them changed and was committed since the transaction
        began."""
        query = self._search(domain, order=SCHEDULER_ORDER, limit=limit)
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "%s FOR NO KEY UPDATE OF %s SKIP LOCKED",
                        query.select(),
                        SQL.identifier(query.table),
                    ),
                    log_exceptions=False,
                )
                ids = [row[0] for row in self.env.cr.fetchall()]
        except pg_errors.SerializationFailure:
            return None
        batch = self.browse(ids)
        batch.invalidate_recordset()
        return batch

    @api.model
    def _remaining_documents(self, batch, domain, batch_size, todays, date_ref):
        """What a call reports as ``remaining``: at least this many documents
        are still due and free for a worker. The periods left to the
        recurrences of ``batch`` (computed, not counted) plus one per due
        recurrence beyond it, counted up to REMAINING_COUNTED only. A batch
        smaller than ``batch_size`` saw every free due recurrence: those
        beyond it are held by other workers, theirs to report, and counted
        here they would keep this worker's runner calling for nothing."""
        left = sum(
            recurrence._due_period_count(todays.get(recurrence.company_id, date_ref))
            for recurrence in batch
            if recurrence.state == "running"
        )
        if len(batch) < batch_size:
            return left
        query = self._search(expression.AND([domain, [("id", "not in", batch.ids)]]), limit=REMAINING_COUNTED)
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) AS due", query.select(SQL("1"))))
        return left + self.env.cr.fetchone()[0]

    def _responsible_lang(self):
        """The language the scheduler speaks for this recurrence: its
        responsible's, else its company's, else the scheduler's."""
        self.ensure_one()
        return self.user_id.lang or self.company_id.partner_id.lang or self.env.lang or "en_US"

    def _generate_batch(self, today, max_periods=None, per_recurrence=None):
        """Generate the periods of these recurrences due up to ``today``, oldest
        first, ``per_recurrence`` at most for each and ``max_periods`` at most
        in all; a single recurrence is a batch of one. Returns the documents.
        Recurrences another worker holds are skipped: that worker generates them.
        """
        locked = self._lock_for_generation()
        if locked is None:
            # One of them changed since the transaction began: lock them one by
            # one (a single one is skipped, the next run sees that work).
            if len(self) == 1:
                return self.env["account.move"]
            moves = self.env["account.move"]
            for recurrence in self:
                left = None if max_periods is None else max_periods - len(moves)
                moves |= recurrence._generate_batch(today, max_periods=left, per_recurrence=per_recurrence)
            return moves
        return locked._generate_locked(today, max_periods=max_periods, per_recurrence=per_recurrence)

    def _generate_locked(self, today, max_periods=None, per_recurrence=None):
        """``_generate_batch`` for recurrences this transaction holds already.

        The batch is generated together: one ``create`` and one posting for all
        its documents, one write of the recurrences, one chatter call per side.
        If any of it fails, nothing of the batch is kept and it is generated
        again one period at a time, each in its own savepoint, so that a failing
        period stops its recurrence alone and keeps the periods before it.
        """
        plan = []
        for recurrence in self:
            limit = per_recurrence
            if max_periods is not None:
                limit = max(min(limit or max_periods, max_periods - len(plan)), 0)
            days = recurrence._due_period_dates(today, limit=limit)
            plan += [(recurrence, day) for day in days]
        moves = self._generate_plan_safely(plan) if plan else self.env["account.move"]
        self._end_if_finished()
        return moves

    def _lock_for_generation(self):
        """Lock these running recurrences for the transaction; the ones another
        worker holds are left out (that worker generates them). None when one
        of them changed and was committed since the transaction began."""
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

    def _generate_plan_safely(self, plan):
        """Generate ``plan`` [(recurrence, period date)] in a savepoint. When it
        fails, generate it again period by period; a failing period stops its
        recurrence (the cause shown) and the recurrence's later periods wait."""
        try:
            with self.env.cr.savepoint():
                return self._generate_plan(plan)
        except CONCURRENCY_ERRORS as error:
            # Another worker changed them meanwhile: the next run sees its work.
            _logger.info("Recurrences %s skipped: %s", sorted({r.id for r, _day in plan}), error)
            return self.env["account.move"]
        except Exception as error:
            if len(plan) == 1:
                recurrence, day = plan[0]
                _logger.info("Recurrence %s stopped on %s: %s", recurrence.name, day, error)
                recurrence._stop(self._stop_cause(error, day))
                return self.env["account.move"]
            # The period by period pass finds the culprit and stops it alone.
            _logger.info("Recurrences %s generated one period at a time: %s", self.ids, error)
        moves = self.env["account.move"]
        for _recurrence, periods in groupby(plan, key=lambda item: item[0]):
            for item in periods:
                generated = self._generate_plan_safely([item])
                if not generated:  # stopped or skipped: its later periods wait
                    break
                moves |= generated
        return moves

    # ------------------------------------------------------------------
    # Generating a plan: create, post, send, record
    # ------------------------------------------------------------------

    def _generate_plan(self, plan):
        """Create, post and send the documents of ``plan`` [(recurrence, period
        date)], the periods of each recurrence oldest first, and record them on
        both sides. Raises when any of them cannot be generated (the caller's
        savepoint then keeps nothing of it). Returns the documents, in the
        order of the plan."""
        recurrences = self.browse(list(dict.fromkeys(recurrence.id for recurrence, _day in plan)))
        recurrences._check_can_generate()
        self._revise_prices(plan)
        vals_list = self._prepare_documents_values(plan)
        # The generation note written below is the creation message of these
        # documents: Odoo's own "Invoice Created" message is left out of this
        # internal call only (its history row is logged by create() as ever).
        Move = self.env["account.move"].with_context(mail_create_nolog=True)
        created = {}
        for company, indexes in groupby(range(len(plan)), key=lambda index: plan[index][0].company_id):
            moves = Move.with_company(company)._create_protected([vals_list[index] for index in indexes])
            created.update(zip(indexes, moves.ids, strict=True))
        moves = self.env["account.move"].browse([created[index] for index in range(len(plan))])
        if to_post := moves.filtered(lambda move: move.recurrence_id.post_generated):
            to_post.action_post()
        generated = [(recurrence, day, move) for (recurrence, day), move in zip(plan, moves, strict=True)]
        self._record_generated(generated)
        if to_send := moves.filtered(lambda move: move.recurrence_id.auto_send):
            self._send_documents(to_send, [item for item in generated if item[2] in to_send])
        return moves

    def _prepare_documents_values(self, plan):
        """The values of the documents of ``plan``, in its order: copies of the
        base documents (lines, taxes, payment terms, analytic distribution,
        currency, fiscal position, as ``copy`` keeps them), dated on their
        period. One ``copy_data`` per period date for all base documents."""
        vals_list = [None] * len(plan)
        indexes_of_day = defaultdict(list)
        for index, (_recurrence, day) in enumerate(plan):
            indexes_of_day[day].append(index)
        for day, indexes in indexes_of_day.items():
            # copy_data copies a record once per call: one entry per base document.
            templates = self.env["account.move"].browse(
                list(dict.fromkeys(plan[index][0].template_move_id.id for index in indexes))
            )
            default = {"date": day, "invoice_date": day, "recurrence_period_date": day}
            copied = dict(zip(templates.ids, templates.copy_data(default), strict=True))
            used = set()
            for index in indexes:
                recurrence = plan[index][0]
                template_id = recurrence.template_move_id.id
                vals = copied[template_id] if template_id not in used else copy.deepcopy(copied[template_id])
                used.add(template_id)
                vals.update(recurrence._period_values(day))
                recurrence._apply_revised_prices(vals, day)
                vals_list[index] = recurrence._prorate_document_values(vals, day)
        for vals in vals_list:
            vals["line_ids"] = self._without_payment_term_lines(vals.get("line_ids", []))
        return vals_list

    @staticmethod
    def _without_payment_term_lines(line_commands):
        """The copied lines less the receivable/payable ones: those are the
        payment terms' to make, due from the new invoice date. Copied, they
        would keep the base document's due dates: ``create`` leaves the
        installments it is given alone (account.move._sync_dynamic_line keeps
        lines "created manually"); only ``copy``, creating from the original
        record, gets them recomputed."""
        return [
            command
            for command in line_commands
            if not (command[0] == Command.CREATE and command[2].get("display_type") == "payment_term")
        ]

    def _period_values(self, period_date):
        """What the document of ``period_date`` takes besides the copy of the base document."""
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

    def _record_generated(self, generated):
        """Tell both sides and move the schedule, for ``generated`` [(recurrence,
        period date, document)]: one chatter call for the documents, one write
        per distinct (count, next date), the recurrences' notes and history rows
        in one call per round (a round holds one document per recurrence)."""
        self.env["account.move"].browse([move.id for _r, _d, move in generated])._message_log_batch(
            bodies={
                move.id: Markup("%s")
                % self.env._(
                    "Generated by the recurrence %(recurrence)s for the period of %(date)s.",
                    recurrence=recurrence._get_html_link(),
                    date=format_date(self.env, day),
                )
                for recurrence, day, move in generated
            }
        )
        last_day, count, next_dates = {}, defaultdict(int), {}
        for recurrence, day, move in generated:
            last_day[recurrence], count[recurrence] = day, count[recurrence] + 1
            next_dates[move] = recurrence._next_period_date(day)
        progress = defaultdict(list)
        for recurrence, day in last_day.items():
            key = (recurrence.period_count + count[recurrence], recurrence._next_period_date(day))
            progress[key].append(recurrence.id)
        served = fields.Datetime.now()
        # The next date goes into the note of each document below, not into a
        # tracking message of its own: one more message and tracking value per
        # recurrence and call, inserted one by one at commit.
        schedule = self.with_context(mail_notrack=True)
        for (period_count, date_next), ids in progress.items():
            schedule.browse(ids)._write_protected(
                {"period_count": period_count, "date_next": date_next, "date_last_served": served}
            )
        self._log_per_document(
            generated,
            "recurring_document_created",
            lambda env, move, day: env._(
                "%(document)s for the period of %(date)s",
                document=move.with_env(env).display_name,
                date=format_date(env, day),
            ),
            lambda move, _day: (
                Markup("<p>%s</p>")
                % self.env._(
                    "Document created: %(document)s. Next date: %(date)s.",
                    document=move._get_html_link(),
                    date=format_date(self.env, next_dates[move]),
                ),
            ),
        )

    def _log_per_document(self, generated, action_type, describe, body):
        """Log ``action_type`` on the recurrence of each document of ``generated``
        [(recurrence, period date, document)], ``describe(env, document, day)``
        giving the detail of each in the language of ``env`` (the company's)
        and ``body(document, day)`` its chatter body (the user's): one logging
        call per round, a round holding at most one document per recurrence
        (usually there is one)."""
        rounds = []
        for recurrence, day, move in generated:
            current = next((entries for entries in rounds if recurrence.id not in entries), None)
            if current is None:
                rounds.append(current := {})
            current[recurrence.id] = (move, day)
        Log = self.env["invoice.activity.log"]
        for entries in rounds:
            Log._log_action(
                self.browse(list(entries)),
                action_type,
                lambda env, entries=entries: {
                    rid: describe(env, move, day) for rid, (move, day) in entries.items()
                },
                chatter_body={rid: body(move, day) for rid, (move, day) in entries.items()},
            )

    def _send_documents(self, moves, generated):
        """Send ``moves`` by e-mail, one sending per e-mail template, and log it."""
        Send = self.env["account.move.send"]
        for template, group in groupby(moves, key=lambda move: move.recurrence_id.mail_template_id):
            batch = self.env["account.move"].union(*group)
            Send._generate_and_send_invoices(
                batch, sending_methods={"email"}, mail_template=template, allow_fallback_pdf=False
            )
            failed = batch.filtered(lambda move: move.sending_data and move.sending_data.get("error"))
            if failed:
                raise GenerationError(
                    self.env._("%(document)s could not be sent.", document=failed[0].display_name)
                )

        def describe(env, move, _day):
            return env._(
                "%(document)s sent to %(recipient)s",
                document=move.with_env(env).display_name,
                recipient=move.partner_id.email_formatted,
            )

        self._log_per_document(
            generated,
            "recurring_document_sent",
            describe,
            lambda move, day: Markup("<p>%s</p>") % describe(self.env, move, day),
        )

    # ------------------------------------------------------------------
    # A user's way to the same path
    # ------------------------------------------------------------------

    def action_generate_now(self):
        """Generate the oldest due period now, as the scheduler would: one
        period per click."""
        today = fields.Date.context_today(self)
        for recurrence in self:
            if recurrence.state != "running":
                raise UserError(
                    self.env._("%(recurrence)s is not running: resume it first.", recurrence=recurrence.name)
                )
            if not recurrence._due_period_count(today):
                raise UserError(
                    self.env._(
                        "Nothing is due yet for %(recurrence)s: its next document is on %(date)s.",
                        recurrence=recurrence.name,
                        date=format_date(self.env, recurrence.date_next),
                    )
                )
            moves = recurrence._generate_batch(today, per_recurrence=1)
            if not moves and recurrence.state == "running":
                raise UserError(
                    self.env._(
                        "%(recurrence)s is being generated by the scheduler right now: "
                        "try again in a moment.",
                        recurrence=recurrence.name,
                    )
                )
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
                lambda env, recurrence=recurrence, move=move: {
                    recurrence.id: env._(
                        "Reactivated; missing document created: %(document)s.",
                        document=move.with_env(env).display_name,
                    )
                }
            )
            recurrence._end_if_finished()
        return True
