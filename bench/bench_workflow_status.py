#!/usr/bin/env python3
"""invoice_workflow_audit against plain Odoo 18.0 on the same data (see bench/README.rst).

Databases ``plain`` (account) and ``addon`` (account + the addon), the same
invoices; in ``addon`` a status restricted to a group the invoicing user is
not in hides ``--restricted-share`` of them. Measures, alternating: create +
post invoices one by one as the user (rounds rolled back); the customer
invoice list's first page and count as the user. Target: addon / plain < 1.10.

    bench/bench_workflow_status.py --list-size 20000 --invoices 200 --rounds 4 --list-reps 20
"""

import time

import harness
from harness import ADDON, data, median

KINDS = {"plain": ["account"], "addon": ["account", ADDON]}
DOMAIN = [("move_type", "=", "out_invoice")]
CONTEXT = {"default_move_type": "out_invoice", "bin_size": True}
TARGET = 1.10
STATUS = "restricted_status_id"
INDEX = "move_type, company_id, workflow_status_id"
INVOICING = ["base.group_user", "account.group_account_invoice"]


class Worker(harness.Worker):
    def probe(self):
        uid = self.refs["user_id"]
        return data.ListProbe(self, "account.move", "account.view_out_invoice_tree", DOMAIN, uid, CONTEXT)

    def cmd_prepare(self, kind, list_size, seeds, restricted_share):
        from odoo import Command

        self.chart()
        with self.cursor() as cr:
            env = self.env(cr)
            user = data.users(env, [("iwa_bench_invoicing_user", "IWA Bench Invoicing User", INVOICING)])
            refs = {**data.customers_and_product(env, 30), "user_id": user.id}
            if self.has(ADDON):
                group = env["res.groups"].create({"name": "IWA bench: restricted status"})
                status = env["invoice.workflow.status"].create(
                    {"name": "In progress (restricted)", "group": "in_progress", "sequence": 25}
                    | {"group_ids": [Command.set(group.ids)]}
                )
                refs[STATUS] = status.id
            self.save_refs(env, refs)
        with self.cursor() as cr:
            seed_ids = data.seed_invoices(self.env(cr, refs["user_id"]), refs, seeds).ids
        with self.cursor() as cr:
            overrides = {}
            if self.has(ADDON):
                # 10 % of any 1,000 consecutive ids, given while inserted (an
                # UPDATE would change the table's physical order).
                condition = f"mod({{}} * 617, 1000) < {round(restricted_share * 1000)}"
                status_id = int(refs[STATUS])
                case = f"CASE WHEN {condition.format('m.new_id')} THEN {status_id}"
                overrides["workflow_status_id"] = case + " ELSE src.workflow_status_id END"
            data.multiply_invoices(cr, seed_ids, list_size - len(seed_ids), overrides)
            if self.has(ADDON):
                where = condition.format("id")
                cr.execute(
                    f"UPDATE account_move SET workflow_status_id = %s WHERE id = ANY(%s) AND {where}",
                    [status_id, seed_ids],
                )
        # Compact tables, visibility map set, statistics of every row.
        vacuums = [
            f"{op} {t}" for t in ("account_move", "account_move_line") for op in ("VACUUM FULL", "VACUUM")
        ]
        self.maintenance("SET default_statistics_target = 1000", *vacuums, "ANALYZE")

    def cmd_create_round(self, count):
        cr = self.cursor()
        try:
            env = self.env(cr, self.refs["user_id"], {"default_move_type": "out_invoice"})
            queries, started = cr.sql_log_count, time.perf_counter()
            for _index in range(count):
                env["account.move"].create(data.invoice_vals(self.refs)).action_post()
            cr.flush()
            env.flush_all()
            return {"seconds": time.perf_counter() - started, "queries": cr.sql_log_count - queries}
        finally:
            cr.rollback()
            cr.close()

    def cmd_data(self):
        with self.cursor() as cr:
            cr.execute(
                "SELECT count(*), count(*) FILTER (WHERE move_type = 'out_invoice'),"
                " (SELECT count(*) FROM account_move_line), pg_relation_size('account_move') / 8192,"
                " pg_relation_size('account_move_line') / 8192 FROM account_move"
            )
            moves, invoices, lines, move_pages, line_pages = cr.fetchone()
            hidden = 0
            if self.has(ADDON):
                cr.execute(
                    "SELECT count(*) FROM account_move WHERE workflow_status_id = %s", [self.refs[STATUS]]
                )
                hidden = cr.fetchone()[0]
        return {
            "Customer invoices": invoices,
            "  of which hidden from the user": hidden,
            "Journal entries (account_move) / items (account_move_line)": f"{moves} / {lines}",
            "Tables account_move / account_move_line, 8 kB pages": f"{move_pages} / {line_pages}",
        }


def measure(args, workers):
    run = {"create": harness.rounds(workers, args.invoices // args.rounds, args.rounds, args.warmup)}
    for worker in workers.values():
        worker.call("vacuum", tables=["account_move", "account_move_line"])
        fields = worker.call("list", reps=2)["fields"]  # warm-up
    plain, addon = workers["plain"], workers["addon"]
    calls = {"plain": (plain, {}), "addon": (addon, {}), "addon_plain_fields": (addon, {"only": fields})}
    print(f"List: {args.list_reps} repetitions", flush=True)
    run["list"] = harness.alternate(calls, args.list_reps)
    run["explain"] = {kind: worker.call("explain") for kind, worker in workers.items()}
    run["data"] = {kind: worker.call("data") for kind, worker in workers.items()}
    run["what_if"] = (
        harness.what_if(addon, args.what_if_reps, "account_move", INDEX) if args.what_if_reps else []
    )
    return run


def report(args, run):
    per = args.invoices // args.rounds
    create = {kind: [r["seconds"] * 100 / per for r in rounds] for kind, rounds in run["create"].items()}
    lists = run["list"]
    measures = [
        (
            f"Create + post 100 invoices ({args.invoices} in {args.rounds} rounds)",
            create["addon"],
            create["plain"],
            "s",
        ),
        (
            "Invoice list, first page (web_search_read, limit 80)",
            lists["addon"]["page_ms"],
            lists["plain"]["page_ms"],
            "ms",
        ),
        ("Invoice list, count (search_count)", lists["addon"]["count_ms"], lists["plain"]["count_ms"], "ms"),
    ]
    rows = [
        harness.ratio_row(f"{label}: addon / plain", top, bottom, TARGET, unit=unit)
        for label, top, bottom, unit in measures
    ]
    only = lists["addon_plain_fields"]["page_ms"]
    rows.append(
        harness.ratio_row(
            "First page, plain view's fields only: addon / plain", only, lists["plain"]["page_ms"], unit="ms"
        )
    )
    spreads = [
        [label, str(len(bottom)), harness.spread(bottom, 3), harness.spread(top, 3)]
        for label, top, bottom, _u in measures
    ]
    queries = {kind: median(r["queries"] for r in rounds) / per for kind, rounds in run["create"].items()}
    added = sorted(set(lists["addon"]["fields"]) - set(lists["plain"]["fields"]))
    details = [
        ["SQL queries per invoice created", *(f"{queries[k]:.1f}" for k in ("plain", "addon"))],
        [
            "SQL queries per list page / count",
            *(f"{lists[k]['page_queries']} / {lists[k]['count_queries']}" for k in ("plain", "addon")),
        ],
        [
            "Fields read by the list page",
            str(len(lists["plain"]["fields"])),
            f"{len(lists['addon']['fields'])}: + {', '.join(added)}",
        ],
        [
            "Invoices counted by the user (page length)",
            *(f"{lists[k]['count']} ({lists[k]['length']})" for k in ("plain", "addon")),
        ],
    ]
    details += [
        [key, str(value), str(run["data"]["addon"][key])] for key, value in run["data"]["plain"].items()
    ]
    body = ["## Targets", "", harness.table(harness.RATIO_HEADER, rows), ""]
    body += [
        harness.table(
            ["Measure", "Samples per DB", "Plain min / median / max", "Addon min / median / max"], spreads
        ),
        "",
    ]
    body += [harness.table(["Detail", "Plain", "Addon"], details), "", *run["what_if"]]
    body += [
        "## SQL statements of one page and one count, EXPLAIN ANALYZE as the user",
        "",
        *harness.plans(run["explain"]),
    ]
    return body


def main():
    bench = harness.Bench(
        "workflow_status", "Benchmark: invoice_workflow_audit vs plain Odoo", Worker, __doc__, (1000, 10, 20)
    )
    bench.options(
        """
        --list-size 100_000 customer invoices in the list
        --seed-invoices 300 invoices posted through the ORM before the SQL copy
        --restricted-share 0.10 share of the invoices hidden by the rule
        --list-reps 100 list page and count repetitions
        --what-if-reps 30 repetitions of the what-if index (0: skip)
        """
    )
    args = bench.start()
    prepare = {
        "list_size": args.list_size,
        "seeds": args.seed_invoices,
        "restricted_share": args.restricted_share,
    }
    try:
        run = measure(args, bench.databases(KINDS, 4, **prepare))
    finally:
        bench.close()
    about = [
        f"Creation: {args.invoices} invoices per database in {args.rounds} rounds, alternating, after a "
        f"warm-up round of {args.warmup}; every round rolled back",
        f"List: {args.list_size} customer invoices ({args.seed_invoices} posted through the ORM, copied in "
        f"SQL), {args.restricted_share:.0%} hidden from the user in the addon database; {args.list_reps} "
        "repetitions per database, alternating, each call in a new cursor and environment",
    ]
    bench.write(about, report(args, run))


if __name__ == "__main__":
    main()
