#!/usr/bin/env python3
"""Recurring invoices: the addon's cron against plain Odoo's batch creation and OCA contract.

Per round, each side makes N posted customer invoices of one line, as
superuser without context (as the cron runner): ``cron``, the addon's cron
record run through ``ir.cron`` (``_add_progress``, ``_callback``, COMMITs,
again while it reports work remaining) on N due recurrences; ``direct``, plain
Odoo's one ``account.move.create(vals_list)`` + one ``action_post()``;
``contract``, OCA contract's cron + one ``action_post()`` of its drafts.
One recurrence in ten is revised on an index in the run (at a coefficient of
1, so that every side makes the same invoices).
Targets: cron / direct <= 1.10, cron / contract <= 0.85 (see bench/README.rst).

    bench/bench_invoice_recurrence.py --count 200 1000   # default: --count 200
"""

import time

import harness
from harness import ADDON, data, die, median

KINDS = {"addon": ["account", ADDON], "plain": ["account"], "contract": ["account", "contract"]}
SIDES = {
    "cron": ("addon", f"Recurrence cron ({ADDON})"),
    "direct": ("plain", "Plain Odoo: one create(vals_list) + one action_post"),
    "contract": ("contract", "OCA contract cron + one action_post"),
}
CRONS = {"cron": f"{ADDON}.ir_cron_invoice_recurrence", "contract": "contract.contract_cron_for_invoice"}
TARGETS = [("cron", "direct", 1.10), ("cron", "contract", 0.85)]
PRICE = 100.0
MAX_CRON_CALLS = 1000


class Worker(harness.Worker):
    def cmd_prepare(self, kind):
        self.chart()
        with self.cursor() as cr:
            env = self.env(cr, user_context=False)
            refs = data.customers_and_product(env, 10, "IWA Bench Subscription", PRICE)
            journal = env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", env.company.id)]
            )
            refs["journal_id"] = journal[:1].id
            if self.has(ADDON) and env.company.activity_log_enabled:
                env.company.activity_log_enabled = False
            self.save_refs(env, refs)
        self.maintenance("VACUUM ANALYZE")

    def cmd_round(self, side, count, tag):
        from odoo import fields

        with self.cursor() as cr:
            env = self.env(cr, user_context=False)
            today = fields.Date.context_today(env["account.move"])
            started = time.perf_counter()
            prepared = getattr(self, f"_setup_{side}")(env, count, today, tag)
            cr.commit()
            result = {"setup": time.perf_counter() - started, "calls": 0}
            before = data.max_ids(cr, ["account_move"])["account_move"]
            queries, started = cr.sql_log_count, time.perf_counter()
            if side == "direct":
                moves = env["account.move"].create(prepared)
                moves.action_post()
                cr.commit()
            else:
                result["calls"] = self._run_cron(env, CRONS[side])
            if side == "contract":
                result["generate"] = time.perf_counter() - started
                env["account.move"].search([("id", ">", before), ("state", "=", "draft")]).action_post()
                cr.commit()
            result.update(seconds=time.perf_counter() - started, queries=cr.sql_log_count - queries)
            result["check"] = self._check(env, side, before, prepared, count, today)
            cr.commit()
        return result

    def _setup_direct(self, env, count, today, tag):
        return [data.invoice_vals(self.refs, index, price=PRICE, date=today) for index in range(count)]

    def _setup_cron(self, env, count, today, tag):
        """``count`` draft base invoices and a monthly recurrence on each, all
        due today; one in ten is revised on an index this month (its second
        period: the first was last month's), at an index value equal to its
        base, so that every invoice keeps the same amount."""
        from dateutil.relativedelta import relativedelta

        templates = env["account.move"].create(self._setup_direct(env, count, today, tag))
        index = env["invoice.recurrence.index"].create({"name": f"IWA Bench Index {tag}"})
        env["invoice.recurrence.index.value"].create({"index_id": index.id, "date": today, "value": 100.0})
        revised = {
            "revision_index_id": index.id,
            "revision_month": today.month,
            "revision_base_value": 100.0,
            "revision_fixed_part": 0.15,
            "date_start": today - relativedelta(months=1),
        }
        recurrences = env["invoice.recurrence"].create(
            [
                {"template_move_id": move.id, "interval_number": 1, "interval_type": "month"}
                | {"date_start": today, "post_generated": True, "auto_send": False}
                | (revised if position % 10 == 9 else {})
                for position, move in enumerate(templates)
            ]
        )
        # Last month's period of the revised ones is generated already.
        revising = recurrences.filtered("revision_index_id")
        revising._write_protected({"date_next": today, "period_count": 1})
        if len(recurrences.filtered(lambda r: r.date_next == today)) != count:
            raise RuntimeError("recurrences not all due today")
        return recurrences.ids

    def _setup_contract(self, env, count, today, tag):
        """``count`` sale contracts of one line, monthly, pre-paid, all due today."""
        from odoo import Command

        refs, product = self.refs, env["product.product"].browse(self.refs["product_id"])
        line = {"product_id": product.id, "name": product.name, "quantity": 1.0, "price_unit": PRICE}
        line["uom_id"] = product.uom_id.id
        partners = refs["partner_ids"]
        contracts = env["contract.contract"].create(
            [
                {"name": f"IWA Bench Contract {tag}-{i:05d}", "partner_id": partners[i % len(partners)]}
                | {"contract_type": "sale", "journal_id": refs["journal_id"], "line_recurrence": False}
                | {"recurring_rule_type": "monthly", "recurring_interval": 1, "date_start": today}
                | {"recurring_invoicing_type": "pre-paid", "contract_line_ids": [Command.create(line)]}
                for i in range(count)
            ]
        )
        if len(contracts.filtered(lambda c: c.recurring_next_date == today)) != count:
            raise RuntimeError("contracts not all due today")
        return contracts.ids

    def _run_cron(self, env, xmlid):
        """The cron as ir.cron._run_job runs it (without the job lock); the
        number of calls it took."""
        from odoo import api

        cron = env.ref(xmlid)
        job_env = api.Environment(env.cr, cron.user_id.id, {"lastcall": cron.lastcall, "cron_id": cron.id})
        job = job_env["ir.cron"].browse(cron.id)
        for calls in range(1, MAX_CRON_CALLS + 1):
            running, progress = job._add_progress(timed_out_counter=0)
            env.cr.commit()
            running._callback(cron.cron_name, cron.ir_actions_server_id.id)
            env.cr.commit()
            if not (progress.done and progress.remaining):
                return calls
        raise RuntimeError(f"{xmlid} still reports work remaining after {MAX_CRON_CALLS} calls")

    def _check(self, env, side, before, ids, count, today):
        """Exactly ``count`` posted invoices of today, 100 + tax each, linked
        to their recurrence or contract; nothing left due."""
        env.invalidate_all()
        env.cr.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'posted'), bool_and(invoice_date = %s),"
            " sum(amount_untaxed), min(amount_total), max(amount_total)"
            " FROM account_move WHERE id > %s AND move_type = 'out_invoice'",
            [today, before],
        )
        total, posted, dated, untaxed, low, high = env.cr.fetchone()
        check = {"invoices": total, "posted": posted, "untaxed": float(untaxed or 0), "totals": [low, high]}
        if side == "cron":
            check["linked"] = env["account.move"].search_count(
                [("recurrence_id", "in", ids), ("id", ">", before)]
            )
            due = [("state", "=", "running"), ("date_next", "<=", today)]
            check["left_due"] = env["invoice.recurrence"].search_count(due)
            revisions = env["invoice.recurrence.revision"].search_count([("recurrence_id", "in", ids)])
            check["revised"] = revisions
            if revisions != count // 10:
                check["left_due"] = check["left_due"] or f"{revisions} revisions for {count // 10}"
        elif side == "contract":
            origins = env["contract.contract"].browse(ids).mapped("name")
            check["linked"] = env["account.move"].search_count([("invoice_origin", "in", origins)])
            check["left_due"] = env["contract.contract"].search_count([("recurring_next_date", "<=", today)])
        expected = total == posted == check.get("linked", count) == count and dated and low == high
        check["ok"] = bool(
            expected and abs(check["untaxed"] - count * PRICE) < 0.01 and not check.get("left_due")
        )
        return check


def measure(args, workers):
    run = {}
    for key, count, rounds in [("warm-up", args.warmup, 1), *((n, n, args.rounds) for n in args.count)]:
        run[key] = {side: [] for side in SIDES}
        for index in range(rounds):
            for side in harness.rotation(list(SIDES), index):
                result = workers[SIDES[side][0]].call("round", side=side, count=count, tag=f"{key}-{index}")
                if not result["check"]["ok"]:
                    die(f"N={key}, round {index + 1}, {side}: not {count} posted invoices: {result['check']}")
                run[key][side].append(result)
                print(f"  N={key} round {index + 1} {side:9s} {result['seconds']:8.2f} s", flush=True)
    return run


def report(args, run, bench):
    body = []
    for count in args.count:
        seconds = {side: [r["seconds"] for r in results] for side, results in run[count].items()}
        pairs = [*TARGETS, ("contract", "direct", None)]
        rows = [harness.ratio_row(f"{a} / {b}", seconds[a], seconds[b], t, True) for a, b, t in pairs]
        sides = []
        for side, results in run[count].items():
            last, (kind, label), check = results[-1], SIDES[side], results[-1]["check"]
            cells = [f"{side}: {label}", f"`{bench.workers[kind].db}`", harness.spread(seconds[side], 2)]
            cells.append(f"{median(seconds[side]) * 1000 / count:.1f}")
            cells.append(f"{median(r['queries'] for r in results) / count:.1f}")
            cells += [f"{median(r['setup'] for r in results):.1f}", str(last["calls"] or "-")]
            cells.append(f"{check['posted']} / {check['untaxed']:.2f} / {check.get('linked', '-')}")
            cells.append(f"{median(r['generate'] for r in results):.2f}" if "generate" in last else "-")
            sides.append(cells)
        header = [
            "Side",
            "Database",
            "Seconds, min / median / max",
            "ms per invoice",
            "SQL queries per invoice",
        ]
        header += [
            "Untimed setup (s)",
            "Cron calls",
            "Last round: posted / untaxed / linked",
            "contract: cron (s)",
        ]
        body += [
            f"## N = {count} invoices per side and round",
            "",
            harness.table(harness.RATIO_HEADER, rows),
            "",
        ]
        body += [harness.table(header, sides), ""]
    return body


def main():
    title = "Benchmark: recurring invoices, cron vs batch creation vs OCA contract"
    bench = harness.Bench("invoice_recurrence", title, Worker, __doc__)
    bench.option(
        "--count", type=int, nargs="+", default=[200], help="invoices per side and round (one or more)"
    )
    bench.options(
        """
        --rounds 3 rounds per side and N
        --warmup 20 invoices of the unmeasured warm-up round of each side
        """
    )
    args = bench.start()
    if not harness.db.module_version("contract"):
        die("OCA contract is not installed: pip install --no-deps 'odoo-addon-contract==18.0.*'")
    try:
        run = measure(args, bench.databases(KINDS, 1))
    finally:
        bench.close()
    about = [
        f"N = {', '.join(map(str, args.count))} invoices per side and round, {args.rounds} rounds, the sides "
        f"in turn, after a warm-up round of {args.warmup} per side",
        f"OCA contract {harness.db.module_version('contract')}",
        "Timed: generation and posting, COMMITs included; the recurrences or contracts of each round are "
        "created before, untimed and committed (*Untimed setup*)",
    ]
    bench.write(about, report(args, run, bench))


if __name__ == "__main__":
    main()
