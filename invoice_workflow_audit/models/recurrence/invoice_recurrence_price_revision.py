# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round, format_amount, format_date, groupby

from .invoice_recurrence_resume import GenerationError

# Line values computed from the unit price: left out when the price changes.
PRICE_COMPUTED = ("amount_currency", "balance", "debit", "credit", "price_subtotal", "price_total")


class InvoiceRecurrence(models.Model):
    """Yearly price revision on an index (SYNTEC, INSEE...).

    On the first period of the revision month (never the recurrence's first
    period) the scheduler computes, for every line of the base document,
    P1 = P0 x (a + (1 - a) x S / S0), S the index value ``revision_lag_months``
    before, S0 the base value or the index value of the base month, the ratio
    S / S0 held between the floor and the cap, rounded to the revision's
    rounding (the currency's by default); it records the revision (one per recurrence and month, even
    if the scheduler runs twice) and the periods from then on take the new
    prices. A draft base document gets them written; a posted one cannot be
    changed, the revision holds them. A missing index value stops the
    recurrence with that cause; resuming once it is entered creates the document.
    """

    _inherit = "invoice.recurrence"

    revision_index_id = fields.Many2one("invoice.recurrence.index", tracking=True)
    revision_month = fields.Integer(default=1, tracking=True, help="1 to 12.")
    revision_lag_months = fields.Integer(
        string="Index Lag (Months)", tracking=True, help="The index value of this many months before."
    )
    revision_base_value = fields.Float(string="Base Index Value (S0)", digits=(16, 4), tracking=True)
    revision_base_date = fields.Date(
        string="Base Month (S0)",
        tracking=True,
        help="Instead of a base value: S0 is the index value of this month (the contract's month, say).",
    )
    revision_fixed_part = fields.Float(
        string="Fixed Part (a)", default=0.15, digits=(16, 4), tracking=True, help="Between 0 and 1."
    )
    revision_floor = fields.Float(string="Ratio Floor", digits=(16, 4), tracking=True, help="0: none.")
    revision_cap = fields.Float(string="Ratio Cap", digits=(16, 4), tracking=True, help="0: none.")
    revision_rounding = fields.Float(
        string="Revised Price Rounding",
        digits=(16, 4),
        tracking=True,
        help="Each new unit price is rounded to a multiple of this: 1.0 for whole units. "
        "0: the currency's rounding (0.01 for euros).",
    )
    revision_ids = fields.One2many("invoice.recurrence.revision", "recurrence_id", string="Price Revisions")

    @api.constrains(
        "revision_index_id",
        "revision_month",
        "revision_lag_months",
        "revision_base_value",
        "revision_base_date",
        "revision_fixed_part",
        "revision_floor",
        "revision_cap",
        "revision_rounding",
    )
    def _check_revision(self):
        for recurrence in self.filtered("revision_index_id"):
            if not 1 <= recurrence.revision_month <= 12:
                raise ValidationError(self.env._("The revision month is a month number, 1 to 12."))
            if recurrence.revision_lag_months < 0:
                raise ValidationError(self.env._("The index lag cannot be negative."))
            # S0 is given, or read from the index at a month: one source, so
            # that nobody wonders which of the two the revision used.
            if recurrence.revision_base_value < 0 or (
                bool(recurrence.revision_base_value) == bool(recurrence.revision_base_date)
            ):
                raise ValidationError(
                    self.env._(
                        "Set either the base index value (S0) or the base month of the price revision, "
                        "not both."
                    )
                )
            if recurrence.revision_rounding < 0:
                raise ValidationError(self.env._("The rounding of revised prices cannot be negative."))
            if not 0 <= recurrence.revision_fixed_part <= 1:
                raise ValidationError(self.env._("The fixed part of the price revision is between 0 and 1."))
            floor, cap = recurrence.revision_floor, recurrence.revision_cap
            if floor < 0 or cap < 0 or (floor and cap and floor > cap):
                raise ValidationError(
                    self.env._("The ratio floor and cap are positive, the floor below the cap.")
                )

    # ------------------------------------------------------------------
    # Called by the generation, before the documents of a plan are made
    # ------------------------------------------------------------------

    def _revise_prices(self, plan):
        """Make the revisions the periods of ``plan`` [(recurrence, date)] call
        for, oldest first; raises GenerationError when an index value is missing.

        The new prices of draft base documents are written once, after all the
        revisions, one write per distinct price and only where it changes:
        a line written by itself recomputes its whole invoice (taxes, terms,
        totals) each time. The documents take the revised prices from the
        revisions, not from the base documents."""
        new_prices = {}
        for recurrence, day in plan:
            if recurrence._revision_due(day):
                new_prices.update(recurrence._make_revision(day))
        lines = self.env["account.move.line"].sudo().browse(new_prices)
        changed = lines.filtered(lambda line: line.price_unit != new_prices[line.id])
        for price, group in groupby(changed, key=lambda line: new_prices[line.id]):
            self.env["account.move.line"].union(*group).write({"price_unit": price})

    def _revision_due(self, day):
        self.ensure_one()
        if not self.revision_index_id or day.month != self.revision_month or day <= self.date_start:
            return False
        # Through the one2many, as _revised_prices reads it: one query for
        # the revisions of the whole batch.
        return not self.sudo().revision_ids.filtered(
            lambda revision: (revision.date.year, revision.date.month) == (day.year, day.month)
        )

    def _revised_prices(self, day):
        """{base line id (str): unit price} in force on ``day``: the new prices
        of the latest revision up to it, else the old prices of the first one
        after it (a draft base document carries the latest prices already,
        while the documents of the periods before are made in the same run)."""
        self.ensure_one()
        # Read through the one2many: the revisions of every recurrence of the
        # batch come in one query (prefetch), not two searches per document;
        # most recurrences have none.
        revisions = self.sudo().revision_ids
        if not revisions:
            return {}
        before = revisions.filtered(lambda revision: revision.date <= day).sorted("date")[-1:]
        if before:
            return {line_id: prices["new"] for line_id, prices in (before.line_prices or {}).items()}
        after = revisions.filtered(lambda revision: revision.date > day).sorted("date")[:1]
        return {line_id: prices["old"] for line_id, prices in (after.line_prices or {}).items()}

    def _make_revision(self, day):
        """Record the revision of ``day``; returns {base line id: new unit
        price} for a draft base document, nothing for a posted one."""
        self.ensure_one()
        index = self.revision_index_id
        month = day.replace(day=1) - relativedelta(months=self.revision_lag_months)
        value = self._index_value(month)
        if self.revision_base_date:
            base = self._index_value(self.revision_base_date)
            base_text = f"{index.name} {self.revision_base_date.strftime('%Y-%m')} = {base}"
        else:
            base = base_text = self.revision_base_value
        a = self.revision_fixed_part
        ratio = value / base
        if self.revision_floor:
            ratio = max(ratio, self.revision_floor)
        if self.revision_cap:
            ratio = min(ratio, self.revision_cap)
        factor = a + (1 - a) * ratio
        template = self.template_move_id
        currency = template.currency_id
        current = self._revised_prices(day)
        prices, revised_lines, old_total, new_total = {}, [], 0.0, 0.0
        for line in template.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            old = current.get(str(line.id), line.price_unit)
            new = self._round_revised(old * factor, currency)
            prices[str(line.id)] = {"old": old, "new": new}
            share = line.quantity * (1 - (line.discount or 0.0) / 100)
            old_total += old * share
            new_total += new * share
            revised_lines.append((line, old, new))

        def describe(env):
            # In the language of ``env``: the user's for the revision and the
            # chatter, the company's for the history row.
            lines_text = [
                env._(
                    "%(line)s: %(old)s → %(new)s",
                    line=(line.name or line.product_id.with_env(env).display_name or "-").split("\n")[0],
                    old=format_amount(env, old, currency),
                    new=format_amount(env, new, currency),
                )
                for line, old, new in revised_lines
            ]
            description = env._(
                "Price revised from %(date)s: P1 = P0 × (%(a)s + %(b)s × S / S0), "  # noqa: RUF001
                "S = %(index)s %(month)s = %(value)s, S0 = %(base)s, ratio %(ratio)s, "
                "coefficient %(factor)s. %(lines)s",
                date=format_date(env, day),
                a=round(a, 4),
                b=round(1 - a, 4),
                index=index.name,
                month=month.strftime("%Y-%m"),
                value=value,
                base=base_text,
                ratio=round(ratio, 6),
                factor=round(factor, 6),
                lines="; ".join(lines_text),
            )
            if self.revision_rounding:
                description += " " + env._(
                    "New prices rounded to a multiple of %(rounding)s.", rounding=self.revision_rounding
                )
            return description

        description = describe(self.env)
        self.env["invoice.recurrence.revision"].sudo().create(
            {
                "recurrence_id": self.id,
                "date": day,
                "old_amount_untaxed": currency.round(old_total),
                "new_amount_untaxed": currency.round(new_total),
                "index_value": value,
                "base_value": base,
                "description": description,
                "line_prices": prices,
            }
        )
        self.env["invoice.activity.log"]._log_action(
            self, "recurrence_price_revised", describe, chatter_body=Markup("<p>%s</p>") % description
        )
        # A draft base document takes the new prices (written by _revise_prices).
        if template.state != "draft":
            return {}
        return {int(line_id): line_prices["new"] for line_id, line_prices in prices.items()}

    def _index_value(self, month):
        """The index value for ``month``; a missing one is a generation
        failure that names it (resuming once it is entered goes on)."""
        index = self.revision_index_id
        value = index._value_for(month)
        if value is None:
            raise GenerationError(
                self.env._(
                    "%(index)s value for %(month)s is missing.",
                    index=index.name,
                    month=month.strftime("%Y-%m"),
                )
            )
        return value

    def _round_revised(self, price, currency):
        # The revision's rounding (whole units, say) first, then the
        # currency's, so that a price is always one the currency can hold.
        if self.revision_rounding:
            price = float_round(price, precision_rounding=self.revision_rounding)
        return currency.round(price)

    def _apply_revised_prices(self, vals, day):
        """Give the copied lines of ``vals`` the prices of the latest revision."""
        prices = self._revised_prices(day)
        if not prices:
            return vals
        commands = vals.get("line_ids", [])
        base_lines = self.template_move_id.line_ids
        if len(base_lines) != len(commands):
            raise GenerationError(
                self.env._("The lines of the base document changed: revise its prices again.")
            )
        lines = []
        for base_line, command in zip(base_lines, commands, strict=True):
            line = command[2] if command[0] == Command.CREATE else {}
            if line.get("display_type") == "tax":
                continue  # computed again from the new prices
            if str(base_line.id) in prices:
                line = {key: value for key, value in line.items() if key not in PRICE_COMPUTED}
                line["price_unit"] = prices[str(base_line.id)]
                command = (command[0], command[1], line)
            lines.append(command)
        vals["line_ids"] = lines
        return vals
