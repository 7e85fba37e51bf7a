# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Signed closings of a company's invoicing (CGI art. 286 I-3° bis).

French law asks software that records customer payments for periodic
closings: for each day, month and fiscal year, the count and totals of what
was invoiced and received, a perpetual total since the first closing, fixed
once and for all. Odoo closes point-of-sale sessions only (l10n_fr_pos_cert).
A closing here also records the head of the activity history's chain at that
moment, and is signed with the history's Ed25519 key (a file the database
does not hold): it is a seal of the history and of the accounting at once.
"""

import base64
import binascii
import json
import logging
from datetime import timedelta

from cryptography.exceptions import InvalidSignature

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL, date_utils, float_repr

from .invoice_activity_log_seal import seal_payload

_logger = logging.getLogger(__name__)

CLOSING_FORMAT = "invoice_workflow_audit.closing/1"

PERIODS = [("day", "Day"), ("month", "Month"), ("year", "Fiscal Year")]

# What a closing counts: posted customer invoices and credit notes (by
# accounting date, signed: a credit note counts negative), and the payments
# received from customers (money paid back to a customer counts negative).
CLOSED_MOVE_TYPES = ("out_invoice", "out_refund")
CLOSED_PAYMENT_STATES = ("in_process", "paid")

# Key of the advisory lock closers of a company take (company id second): a
# closing started twice at once (the scheduler and the owner) closes once.
CLOSE_LOCK_KEY = 0x1A7F

# Fields of the signed text that must equal the closing's columns.
SIGNED_COLUMNS = (
    "company_id",
    "period",
    "date_from",
    "date_to",
    "invoice_count",
    "invoice_total",
    "payment_count",
    "payment_total",
    "perpetual_invoice_total",
    "perpetual_payment_total",
    "chain_position",
    "chain_hash",
    "key_id",
)
AMOUNT_COLUMNS = ("invoice_total", "payment_total", "perpetual_invoice_total", "perpetual_payment_total")


class InvoiceActivityLogClosing(models.Model):
    """The closing of one period (day, month or fiscal year) of a company.

    Made by the daily scheduled action and by the account owner
    (``res.company.action_activity_log_close``), never rewritten: a document
    entered later with a date in a closed period is counted by the next
    closing of that kind (``invoice.activity.log.closing.document`` says
    which closing counted which document). Each closing is a row of the
    history (*Period closed*). Verify Integrity recomputes every closing from
    the accounting and names the first one that no longer matches.
    """

    _name = "invoice.activity.log.closing"
    _inherit = ["invoice.append.only.mixin"]
    _description = "Activity History Closing"
    _order = "date_to desc, period, id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="restrict")
    currency_id = fields.Many2one("res.currency", required=True, readonly=True, ondelete="restrict")
    period = fields.Selection(PERIODS, required=True, readonly=True)
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(string="To", required=True, readonly=True)
    date = fields.Datetime(string="Closed On", required=True, readonly=True)
    invoice_count = fields.Integer(string="Invoices and Credit Notes", readonly=True)
    invoice_total = fields.Monetary(string="Invoiced", readonly=True)
    payment_count = fields.Integer(string="Payments", readonly=True)
    payment_total = fields.Monetary(string="Received", readonly=True)
    perpetual_invoice_total = fields.Monetary(string="Perpetual Invoiced", readonly=True)
    perpetual_payment_total = fields.Monetary(string="Perpetual Received", readonly=True)
    chain_position = fields.Integer(string="Chain Length", readonly=True)
    chain_hash = fields.Char(string="Last Hash", readonly=True)
    signature = fields.Char(readonly=True, help="Ed25519 signature of the closing (base64).")
    closing_text = fields.Text(string="Signed Closing", readonly=True)
    key_id = fields.Char(string="Key ID", readonly=True)
    signing_key_id = fields.Many2one("invoice.activity.log.key", readonly=True, ondelete="restrict")
    document_ids = fields.One2many(
        "invoice.activity.log.closing.document", "closing_id", string="Documents Counted", readonly=True
    )

    _sql_constraints = [
        ("period_unique", "UNIQUE(company_id, period, date_from)", "A period is closed once."),
    ]

    @api.depends("period", "date_from", "date_to")
    def _compute_display_name(self):
        labels = dict(self._fields["period"]._description_selection(self.env))
        for closing in self:
            closing.display_name = self.env._(
                "%(period)s closing from %(date_from)s to %(date_to)s",
                period=labels.get(closing.period, ""),
                date_from=closing.date_from,
                date_to=closing.date_to,
            )

    # ------------------------------------------------------------------
    # Periods
    # ------------------------------------------------------------------

    @api.model
    def _check_period(self, period):
        if not isinstance(period, str) or period not in dict(PERIODS):
            raise UserError(
                self.env._(
                    "%(period)s is not a kind of period: close a day, a month or a year (day, month, year).",
                    period=period,
                )
            )

    @api.model
    def _period_bounds(self, company, period, day):
        """(first day, last day) of the period of kind ``period`` holding ``day``."""
        if period == "day":
            return day, day
        if period == "month":
            return date_utils.start_of(day, "month"), date_utils.end_of(day, "month")
        dates = company.compute_fiscalyear_dates(day)
        return fields.Date.to_date(dates["date_from"]), fields.Date.to_date(dates["date_to"])

    @api.model
    def _company_today(self, company):
        """Today where the company is: a day is complete once it is over there."""
        return fields.Date.context_today(self.with_context(tz=company.partner_id.tz or "UTC"))

    @api.model
    def _periods_to_close(self, company, period, last):
        """The complete periods of kind ``period`` not closed yet: from the day
        after the last closing, or from the period in which the company's
        history began."""
        if last:
            start = last.date_to + timedelta(days=1)
        else:
            self.env.cr.execute(
                SQL("SELECT min(date) FROM invoice_activity_log WHERE company_id = %s", company.id)
            )
            [[first]] = self.env.cr.fetchall()
            if not first:
                return []
            start = first.date()
        today = self._company_today(company)
        periods = []
        while True:
            date_from, date_to = self._period_bounds(company, period, start)
            if date_to >= today:
                return periods
            periods.append((date_from, date_to))
            start = date_to + timedelta(days=1)

    # ------------------------------------------------------------------
    # Closing
    # ------------------------------------------------------------------

    @api.model
    def _close(self, company, period):
        """Close every complete period of kind ``period`` of ``company`` not
        closed yet, oldest first. Returns the new closings (none when another
        closer of the company is at work). UserError without the key file."""
        self._check_period(period)
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", CLOSE_LOCK_KEY, company.id))
        if not cr.fetchone()[0]:
            _logger.info("Closings of company %s: another closer is at work.", company.id)
            return self.browse()
        Closing = self.sudo()
        domain = [("company_id", "=", company.id), ("period", "=", period)]
        last = Closing.search(domain, order="date_to desc", limit=1)
        periods = self._periods_to_close(company, period, last)
        if not periods:
            return self.browse()
        Key = self.env["invoice.activity.log.key"].sudo()
        key = Key._require_key()
        signing_key = Key.search([("key_id", "=", key.key_id)], limit=1)
        # The chain head at closing: the rows written so far are chained
        # first, so that the closing seals them too.
        Link = self.env["invoice.activity.log.link"].sudo()
        Link._seal(company)
        position, head = Link._chain_head(company.id)
        first_from = Closing.search(domain, order="date_from", limit=1).date_from or periods[0][0]
        perpetual_invoice = last.perpetual_invoice_total
        perpetual_payment = last.perpetual_payment_total
        currency = company.currency_id
        closings = self.browse()
        for date_from, date_to in periods:
            moves = self._documents_to_count(company, period, "account.move", first_from, date_to)
            payments = self._documents_to_count(company, period, "account.payment", first_from, date_to)
            invoice_total = currency.round(float(sum(row[3] for row in moves)))
            payment_total = currency.round(float(sum(row[3] for row in payments)))
            perpetual_invoice = currency.round(perpetual_invoice + invoice_total)
            perpetual_payment = currency.round(perpetual_payment + payment_total)
            vals = {
                "company_id": company.id,
                "currency_id": currency.id,
                "period": period,
                "date_from": date_from,
                "date_to": date_to,
                "date": fields.Datetime.now(),
                "invoice_count": len(moves),
                "invoice_total": invoice_total,
                "payment_count": len(payments),
                "payment_total": payment_total,
                "perpetual_invoice_total": perpetual_invoice,
                "perpetual_payment_total": perpetual_payment,
                "chain_position": position,
                "chain_hash": head,
                "key_id": key.key_id,
                "signing_key_id": signing_key.id,
            }
            values = self._signed_values(vals, company, currency)
            vals["signature"] = base64.b64encode(key.sign(seal_payload(values))).decode()
            vals["closing_text"] = json.dumps(
                {**values, "signature": vals["signature"]}, indent=1, sort_keys=True
            )
            closing = Closing._create_protected([vals])
            closing._count_documents("account.move", moves)
            closing._count_documents("account.payment", payments)
            closing._log_closing()
            closings |= closing
        return closings.with_env(self.env)

    @api.model
    def _documents_to_count(self, company, period, res_model, first_from, date_to):
        """The documents the next closing of kind ``period`` counts, in one
        query: posted (or, for payments, received), dated from the first
        closing of that kind to ``date_to``, and not counted by a closing of
        that kind yet (a document entered late is counted now).
        Returns [(id, number, accounting date, signed amount)]."""
        if res_model == "account.move":
            query = SQL(
                "SELECT doc.id, doc.name, doc.date, doc.amount_total_signed FROM account_move doc"
                " WHERE doc.company_id = %(company)s AND doc.state = 'posted' AND doc.move_type IN %(types)s",
                company=company.id,
                types=CLOSED_MOVE_TYPES,
            )
        else:
            query = SQL(
                "SELECT doc.id, doc.name, doc.date, doc.amount_company_currency_signed"
                " FROM account_payment doc"
                " WHERE doc.company_id = %(company)s AND doc.state IN %(states)s"
                " AND doc.partner_type = 'customer'",
                company=company.id,
                states=CLOSED_PAYMENT_STATES,
            )
        self.env.cr.execute(
            SQL(
                "%(query)s AND doc.date BETWEEN %(first)s AND %(last)s AND NOT EXISTS ("
                " SELECT 1 FROM invoice_activity_log_closing_document counted"
                " WHERE counted.company_id = doc.company_id AND counted.period = %(period)s"
                " AND counted.res_model = %(model)s AND counted.res_id = doc.id)"
                " ORDER BY doc.date, doc.id",
                query=query,
                first=first_from,
                last=date_to,
                period=period,
                model=res_model,
            )
        )
        return self.env.cr.fetchall()

    def _count_documents(self, res_model, rows):
        """Record which documents this closing counted, as they are now (one statement)."""
        self.ensure_one()
        if not rows:
            return
        ids, names, dates, amounts = zip(*rows, strict=True)
        self.env.cr.execute(
            SQL(
                "INSERT INTO invoice_activity_log_closing_document"
                " (closing_id, company_id, period, res_model, res_id, name, date, amount)"
                " SELECT %(closing)s, %(company)s, %(period)s, %(model)s, unnest(%(ids)s::int[]),"
                " unnest(%(names)s::varchar[]), unnest(%(dates)s::date[]), unnest(%(amounts)s::numeric[])",
                closing=self.id,
                company=self.company_id.id,
                period=self.period,
                model=res_model,
                ids=list(ids),
                names=list(names),
                dates=list(dates),
                amounts=list(amounts),
            )
        )
        self.invalidate_recordset(["document_ids"])

    @api.model
    def _signed_values(self, vals, company, currency):
        """What a closing signs (seal_payload gives the bytes): amounts as
        text with the currency's decimals, so that no float is signed."""
        digits = currency.decimal_places
        values = {
            "format": CLOSING_FORMAT,
            "database": self.env["ir.config_parameter"].sudo().get_param("database.uuid"),
            "company": company.name,
            "currency": currency.name,
            "date": fields.Datetime.to_string(vals["date"]),
        }
        for name in SIGNED_COLUMNS:
            value = vals[name]
            if name in AMOUNT_COLUMNS:
                value = float_repr(currency.round(value), digits)
            elif name in ("date_from", "date_to"):
                value = fields.Date.to_string(value)
            elif name == "chain_hash":
                value = value or ""
            values[name] = value
        return values

    def _log_closing(self):
        """The closing is a row of the history, written in the company's language."""
        self.ensure_one()
        company = self.company_id
        env = self.env["invoice.activity.log"]._company_language_env(company)
        labels = dict(self._fields["period"]._description_selection(env))
        currency = self.currency_id
        description = env._(
            "%(period)s closing from %(date_from)s to %(date_to)s: %(count)s invoices and credit notes, "
            "%(invoiced)s invoiced; %(payments)s payments, %(received)s received. Perpetual totals: "
            "%(perpetual_invoiced)s invoiced, %(perpetual_received)s received. Chain length %(position)s, "
            "last hash %(hash)s. Signed with the key %(key)s.",
            period=labels[self.period],
            date_from=self.date_from,
            date_to=self.date_to,
            count=self.invoice_count,
            invoiced=tools.format_amount(env, self.invoice_total, currency),
            payments=self.payment_count,
            received=tools.format_amount(env, self.payment_total, currency),
            perpetual_invoiced=tools.format_amount(env, self.perpetual_invoice_total, currency),
            perpetual_received=tools.format_amount(env, self.perpetual_payment_total, currency),
            position=self.chain_position,
            hash=self.chain_hash or "-",
            key=self.key_id,
        )
        self.env["invoice.activity.log"]._log_action(self, "period_closed", description)

    @api.model
    def _cron_close(self):
        """Daily: close the complete days, months and fiscal years of every
        company whose history is on."""
        Key = self.env["invoice.activity.log.key"].sudo()
        if not Key._current_key():
            _logger.warning("%s", Key._missing_key_message())
            return
        for company in self.env["res.company"].sudo().search([("activity_log_enabled", "=", True)]):
            for period, _label in PERIODS:
                self._close(company, period)

    # ------------------------------------------------------------------
    # Owner's buttons (list header) and download
    # ------------------------------------------------------------------

    def action_close_days(self):
        return self.env.company.action_activity_log_close("day")

    def action_close_months(self):
        return self.env.company.action_activity_log_close("month")

    def action_close_years(self):
        return self.env.company.action_activity_log_close("year")

    def action_download(self):
        self.ensure_one()
        name = f"activity-history-closing-{self.company_id.id}-{self.period}-{self.date_from}.json"
        return self.env["invoice.activity.log.seal"]._download_json(self, name, self.closing_text)

    # ------------------------------------------------------------------
    # Verification: every closing recomputed from the accounting
    # ------------------------------------------------------------------

    @api.model
    def _verify_closings(self, company):
        """The closings of ``company`` that no longer match, first first:
        [(closing, reason, document name or None)]. Checks each closing's
        signature against its columns, its perpetual totals against the
        closing before it, its counts and totals against the documents it
        counted, the chain against the head it recorded, and each document
        it counted against the accounting now (set-based, two queries)."""
        closings = self.sudo().search([("company_id", "=", company.id)], order="date_from, date_to, id")
        if not closings:
            return []
        problems = []
        keys = self.env["invoice.activity.log.key"].sudo()._public_keys()
        previous = {}
        for closing in closings:
            reason = closing._signature_problem(keys)
            if reason:
                problems.append((closing, reason, None))
            before = previous.get(closing.period)
            currency = closing.currency_id
            for total, perpetual in (
                ("invoice_total", "perpetual_invoice_total"),
                ("payment_total", "perpetual_payment_total"),
            ):
                expected = (before[perpetual] if before else 0.0) + closing[total]
                if currency.compare_amounts(expected, closing[perpetual]):
                    problems.append((closing, "perpetual", None))
                    break
            previous[closing.period] = closing
        problems += self._check_counted_totals(closings)
        problems += self._check_chain_heads(company, closings)
        problems += self._check_counted_documents(company, closings)
        order = {closing: index for index, closing in enumerate(closings)}
        problems.sort(key=lambda problem: order[problem[0]])
        return problems

    def _signature_problem(self, keys):
        """Why this closing's signature does not hold (or None): the signed
        text must be signed by a key of this database and say what the
        columns say."""
        self.ensure_one()
        try:
            values = json.loads(self.closing_text or "")
            public_key = keys.get(values.get("key_id"))
            if not public_key:
                return "unknown_key"
            public_key.verify(base64.b64decode(values["signature"], validate=True), seal_payload(values))
        except (InvalidSignature, ValueError, TypeError, KeyError, AttributeError, binascii.Error):
            return "signature"
        vals = {name: self[name] for name in SIGNED_COLUMNS}
        vals.update(company_id=self.company_id.id, date=self.date)
        expected = self._signed_values(vals, self.company_id, self.currency_id)
        if any(values.get(name) != expected[name] for name in SIGNED_COLUMNS):
            return "signature"
        return None

    def _check_counted_totals(self, closings):
        """Counts and totals of each closing against the documents it counted."""
        self.env.cr.execute(
            SQL(
                "SELECT closing_id,"
                " count(*) FILTER (WHERE res_model = 'account.move'),"
                " COALESCE(sum(amount) FILTER (WHERE res_model = 'account.move'), 0),"
                " count(*) FILTER (WHERE res_model = 'account.payment'),"
                " COALESCE(sum(amount) FILTER (WHERE res_model = 'account.payment'), 0)"
                " FROM invoice_activity_log_closing_document WHERE closing_id = ANY(%s) GROUP BY closing_id",
                closings.ids,
            )
        )
        counted = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        problems = []
        for closing in closings:
            invoices, invoiced, payments, received = counted.get(closing.id, (0, 0, 0, 0))
            currency = closing.currency_id
            if (
                invoices != closing.invoice_count
                or payments != closing.payment_count
                or currency.compare_amounts(float(invoiced), closing.invoice_total)
                or currency.compare_amounts(float(received), closing.payment_total)
            ):
                problems.append((closing, "totals", None))
        return problems

    def _check_chain_heads(self, company, closings):
        """The chain must still hold, at each closing's position, the hash the
        closing recorded (a closing seals the history too)."""
        self.env.cr.execute(
            SQL(
                "SELECT c.id FROM invoice_activity_log_closing c"
                " LEFT JOIN invoice_activity_log_link k"
                " ON k.company_id = c.company_id AND k.position = c.chain_position"
                # A head in a purged part is checked by its archive; the
                # anchor still holds the hash of the last purged position.
                " LEFT JOIN invoice_activity_log_anchor anchor ON anchor.company_id = c.company_id"
                " AND c.chain_position BETWEEN anchor.first_position AND anchor.last_position"
                " WHERE c.company_id = %s AND c.chain_position > 0 AND CASE"
                " WHEN anchor.id IS NULL THEN k.hash IS DISTINCT FROM c.chain_hash"
                " WHEN c.chain_position = anchor.last_position THEN anchor.last_hash <> c.chain_hash"
                " ELSE FALSE END",
                company.id,
            )
        )
        broken = {row[0] for row in self.env.cr.fetchall()}
        return [(closing, "chain", None) for closing in closings if closing.id in broken]

    def _check_counted_documents(self, company, closings):
        """Each document a closing counted, against the accounting now: still
        there, still posted (received), same accounting date, same amount."""
        self.env.cr.execute(
            SQL(
                """
                SELECT closing_id, name, reason FROM (
                    SELECT d.closing_id, d.name, d.id,
                           CASE WHEN COALESCE(m.id, p.id) IS NULL THEN 'missing'
                                WHEN d.res_model = 'account.move'
                                     AND (m.state <> 'posted' OR m.move_type NOT IN %(types)s
                                          OR m.company_id <> d.company_id) THEN 'state'
                                WHEN d.res_model = 'account.payment'
                                     AND (p.state NOT IN %(states)s OR p.partner_type <> 'customer'
                                          OR p.company_id <> d.company_id) THEN 'state'
                                WHEN COALESCE(m.date, p.date) <> d.date THEN 'date'
                                WHEN COALESCE(m.amount_total_signed, p.amount_company_currency_signed)
                                     IS DISTINCT FROM d.amount THEN 'amount'
                           END AS reason
                      FROM invoice_activity_log_closing_document d
                      LEFT JOIN account_move m ON d.res_model = 'account.move' AND m.id = d.res_id
                      LEFT JOIN account_payment p ON d.res_model = 'account.payment' AND p.id = d.res_id
                     WHERE d.company_id = %(company)s
                ) AS checked
                WHERE reason IS NOT NULL
                ORDER BY closing_id, id
                """,
                types=CLOSED_MOVE_TYPES,
                states=CLOSED_PAYMENT_STATES,
                company=company.id,
            )
        )
        by_id = {closing.id: closing for closing in closings}
        return [
            (by_id[closing_id], reason, name)
            for closing_id, name, reason in self.env.cr.fetchall()
            if closing_id in by_id
        ]

    @api.model
    def _describe_problems(self, company, problems):
        """What Verify tells the owner: the first closing that no longer
        matches, and how many more do not."""
        if not problems:
            return None
        closing, reason, document = problems[0]
        reasons = {
            "unknown_key": self.env._("it was signed with a key this database never used"),
            "signature": self.env._("its signature no longer matches what it says: it was changed"),
            "perpetual": self.env._("its perpetual totals do not follow from the closing before it"),
            "totals": self.env._("its counts or totals no longer match the documents it counted"),
            "chain": self.env._("the history's chain no longer holds the hash it recorded"),
            "missing": self.env._("%(document)s, which it counted, was deleted", document=document),
            "state": self.env._("%(document)s, which it counted, is no longer posted", document=document),
            "date": self.env._(
                "the accounting date of %(document)s, which it counted, was changed", document=document
            ),
            "amount": self.env._(
                "the amount of %(document)s, which it counted, was changed", document=document
            ),
        }
        message = self.env._(
            "The closing %(closing)s of %(company)s no longer matches the accounting: %(reason)s.",
            closing=closing.display_name,
            company=company.name,
            reason=reasons[reason],
        )
        others = len({problem[0] for problem in problems}) - 1
        if others:
            message += " " + self.env._("%(count)s later closings do not match either.", count=others)
        return message
