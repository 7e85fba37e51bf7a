#!/usr/bin/env python3
"""The activity log of invoice_workflow_audit: log off / log on / OCA auditlog (see bench/README.rst).

Databases ``off`` and ``on`` (account + the addon, ``activity_log_enabled``
off / on), ``auditlog`` (account + OCA auditlog, rule on account.move, full
log), ``plain`` (account only). Measures: create + post + edit invoices one
by one, each step followed by what its commit runs (rounds rolled back, the
databases in turn); in ``on``, the log's filtered list out of ``--log-rows``
generated rows. Targets: on / off < 1.15, on / auditlog < 1.00, list < 50 ms.

    bench/bench_activity_log.py --invoices 100 --rounds 4 --warmup 2 --log-rows 50000 --list-reps 10
"""

import datetime
import time

import harness
from harness import ADDON, data, die, median

KINDS = {
    "off": ["account", ADDON],
    "on": ["account", ADDON],
    "auditlog": ["account", "auditlog"],
    "plain": ["account"],
}
INVOICING = ["base.group_user", "account.group_account_invoice"]
TABLES = ["invoice_activity_log", "auditlog_log", "auditlog_log_line", "mail_message", "mail_tracking_value"]
INDEX = "company_id, action_type, user_id, date DESC, id DESC"
TARGETS = [("on", "off", 1.15), ("on", "auditlog", 1.00), ("auditlog", "off", None)]
TARGET_LIST_MS = 50.0
ACTIONS = "document_modified:2200 status_changed:1600 document_created:1400 document_posted:1300"
ACTIONS += " document_printed:800 document_sent:800 send_state_changed:700 payment_created:300"
ACTIONS += (
    " payment_reconciled:300 reminder_sent:200 document_reset:100 document_cancelled:100 payment_modified:60"
)
ACTIONS += " document_deleted:50 payment_unreconciled:40 payment_deleted:20 status_config_modified:12"
ACTIONS += " status_config_created:8 status_config_deleted:4 log_enabled:3 log_disabled:3"


def cumulative(weights):
    """[(key, low, high)] of the shares of ``weights`` between 0 and 1."""
    total, low, out = sum(w for _k, w in weights), 0.0, []
    for key, weight in weights:
        out.append((key, low, low + weight / total))
        low += weight / total
    return out


class Worker(harness.Worker):
    def probe(self):
        since = datetime.datetime.combine(
            datetime.date.today() - datetime.timedelta(days=30), datetime.time()
        )
        domain = [("action_type", "=", "document_modified"), ("user_id", "=", self.refs["list_user_id"])]
        domain.append(("date", ">=", since.strftime("%Y-%m-%d %H:%M:%S")))
        context = {"bin_size": True, "search_default_filter_last_30_days": 1}
        view = f"{ADDON}.invoice_activity_log_view_list"
        return data.ListProbe(self, "invoice.activity.log", view, domain, self.refs["owner_id"], context)

    def cmd_prepare(self, kind, log_rows, log_users):
        self.chart()
        specs = [("iwa_bench_log_invoicing_user", "IWA Bench Invoicing User", INVOICING)]
        if self.has(ADDON):
            owner = ["base.group_user", f"{ADDON}.group_account_owner"]
            specs.append(("iwa_bench_log_account_owner", "IWA Bench Account Owner", owner))
        with self.cursor() as cr:
            env = self.env(cr)
            users = data.users(env, specs)
            refs = {**data.customers_and_product(env, 5), "user_id": users[0].id, "owner_id": users[1:].id}
            if kind == "on":
                env.company.sudo().activity_log_enabled = True
                if log_rows:
                    refs["list_user_id"] = self._generate_log(env, log_rows, log_users)
            if kind == "auditlog":
                model = env["ir.model"]._get_id("account.move")
                rule = env["auditlog.rule"].create(
                    {"name": "Journal entries (IWA bench)", "model_id": model, "log_type": "full"}
                    | {"log_create": True, "log_write": True, "log_unlink": True, "log_read": False}
                )
                rule.subscribe()
            self.save_refs(env, refs)
        self.maintenance("SET default_statistics_target = 1000", "VACUUM ANALYZE")

    def _generate_log(self, env, rows, user_count):
        """``rows`` log rows in one INSERT ... SELECT generate_series, dates in
        the order of the ids (an append-only log), each awaiting its seal;
        deterministic (setseed). Returns the busiest user."""
        specs = [
            (f"iwa_bench_log_user_{i:02d}", f"IWA Bench Log User {i:02d}", INVOICING)
            for i in range(1, user_count + 1)
        ]
        users = data.users(env, specs)
        actions = cumulative([(a, int(w)) for a, w in (item.split(":") for item in ACTIONS.split())])
        shares = cumulative([(user.id, 1 / rank**0.8) for rank, user in enumerate(users, 1)])
        cr = env.cr
        cr.execute("SELECT setseed(0.42)")
        cr.execute("CREATE TEMP TABLE bench_actions (action varchar, lo float8, hi float8) ON COMMIT DROP")
        cr.execute("CREATE TEMP TABLE bench_users (user_id int, lo float8, hi float8) ON COMMIT DROP")
        for name, values in (("bench_actions", actions), ("bench_users", shares)):
            cr.execute(
                f"INSERT INTO {name} VALUES " + ", ".join(["(%s, %s, %s)"] * len(values)),
                [v for row in values for v in row],
            )
        cr.execute(
            """
            WITH inserted AS (
            INSERT INTO invoice_activity_log (date, user_id, ip_address, company_id, action_type, res_model,
                                              res_id, document_name, description, send_state)
            SELECT g.date, u.user_id, '192.0.2.' || (10 + u.user_id %% 200), %(company)s, a.action,
                   'account.move', g.res_id,
                   'INV/' || to_char(g.date, 'YYYY') || '/' || lpad((g.res_id %% 100000)::text, 5, '0'),
                   CASE a.action WHEN 'document_modified' THEN 'Reference: - → BENCH/' || g.k
                        WHEN 'status_changed' THEN 'Workflow Status: New → In progress'
                        WHEN 'document_posted' THEN 'Status: Draft → Posted'
                        WHEN 'document_printed' THEN 'Printed: Invoices'
                        WHEN 'document_sent' THEN 'Recipients: customer@example.com'
                        WHEN 'send_state_changed' THEN 'E-mail Sent' END,
                   CASE WHEN a.action IN ('document_sent', 'reminder_sent', 'send_state_changed')
                        THEN 'sent' END
              FROM (SELECT k, random() AS ra, random() AS ru, 1 + floor(random() * 100000)::int AS res_id,
                           (now() AT TIME ZONE 'UTC') - interval '730 days'
                               + (k - 1) * (interval '730 days' / %(rows)s)
                               + random() * interval '1 minute' AS date
                      FROM generate_series(1, %(rows)s) AS k) g
              JOIN bench_actions a ON g.ra >= a.lo AND (g.ra < a.hi OR a.hi >= 0.999999999)
              JOIN bench_users u ON g.ru >= u.lo AND (g.ru < u.hi OR u.hi >= 0.999999999)
             ORDER BY g.k RETURNING id, company_id)
            INSERT INTO invoice_activity_log_pending (log_id, company_id) SELECT id, company_id FROM inserted
            """,
            {"company": env.company.id, "rows": rows},
        )
        return users.ids[0]

    def cmd_create_round(self, count):
        cr = self.cursor()
        try:
            env = self.env(cr, self.refs["user_id"], {"default_move_type": "out_invoice"})
            today = datetime.date.today()
            before, phases = (
                data.max_ids(cr, TABLES),
                dict.fromkeys(("create", "post", "edit", "commit"), 0.0),
            )

            def step(phase, call):
                started = time.perf_counter()
                result = call()
                middle = time.perf_counter()
                env.flush_all()  # what a commit runs, but the COMMIT
                cr.precommit.run()
                env.flush_all()
                phases[phase] += middle - started
                phases["commit"] += time.perf_counter() - middle
                return result

            queries, started = cr.sql_log_count, time.perf_counter()
            for index in range(count):
                move = step("create", lambda: env["account.move"].create(data.invoice_vals(self.refs)))
                step("post", move.action_post)
                due = today + datetime.timedelta(days=45)
                step(
                    "edit",
                    lambda i=index, m=move, d=due: m.write({"ref": f"BENCH/{i:05d}", "invoice_date_due": d}),
                )
            result = {
                "seconds": time.perf_counter() - started,
                "queries": cr.sql_log_count - queries,
                "phases": phases,
            }
            result["rows"] = {}
            for table, max_id in before.items():  # counted: the sequences went on through rolled back rounds
                cr.execute(f'SELECT count(*) FROM "{table}" WHERE id > %s', [max_id])
                result["rows"][table] = cr.fetchone()[0]
            if "invoice_activity_log" in before:
                cr.execute(
                    "SELECT action_type, count(*) FROM invoice_activity_log WHERE id > %s"
                    " GROUP BY 1 ORDER BY 1",
                    [before["invoice_activity_log"]],
                )
                result["actions"] = dict(cr.fetchall())
            move = move.sudo()
            result["ok"] = (
                move.state == "posted"
                and move.ref == f"BENCH/{count - 1:05d}"
                and move.invoice_date_due == due
            )
            return result
        finally:
            cr.rollback()
            cr.close()

    def cmd_list_data(self):
        probe = self.probe()
        action, user, since = (term[2] for term in probe.domain)
        with self.cursor() as cr:
            cr.execute(
                "SELECT count(*), count(*) FILTER (WHERE date >= %(since)s),"
                " count(*) FILTER (WHERE action_type = %(a)s), count(*) FILTER (WHERE user_id = %(u)s),"
                " count(*) FILTER (WHERE date >= %(since)s AND action_type = %(a)s AND user_id = %(u)s),"
                " pg_relation_size('invoice_activity_log') / 8192,"
                " pg_indexes_size('invoice_activity_log') / 8192"
                " FROM invoice_activity_log",
                {"since": since, "a": action, "u": user},
            )
            labels = "Log rows|  in the last 30 days|  of action document_modified|  of the busiest user"
            labels = [*labels.split("|"), "  matching the whole domain", "Table / indexes, 8 kB pages"]
            values = cr.fetchone()
        return dict(zip(labels, [*values[:5], f"{values[5]} / {values[6]}"], strict=True))


def measure(args, workers):
    per = args.invoices // args.rounds
    run = harness.rounds(workers, per, args.rounds, args.warmup, lambda result: result["ok"])
    if not args.log_rows:
        return run, None
    on = workers["on"]
    on.call("vacuum", tables=["invoice_activity_log", "invoice_activity_log_pending"])
    on.call("list", reps=2)  # warm-up
    lists = harness.alternate({"on": (on, {})}, args.list_reps)["on"]
    lists.update(data=on.call("list_data"), explain=on.call("explain"))
    over = max(median(lists["page_ms"]), median(lists["count_ms"])) >= TARGET_LIST_MS
    lists["what_if"] = []
    if args.what_if == "always" or (args.what_if == "auto" and over):
        lists["what_if"] = harness.what_if(on, args.what_if_reps, "invoice_activity_log", INDEX)
    return run, lists


def report(args, run, lists):
    per = args.invoices // args.rounds
    seconds = {kind: [r["seconds"] * 100 / per for r in rounds] for kind, rounds in run.items()}
    pairs = TARGETS + [(kind, "plain", None) for kind in ("off", "on", "auditlog") if "plain" in run]
    rows = [
        harness.ratio_row(f"Create + post + edit 100: {a} / {b}", seconds[a], seconds[b], t)
        for a, b, t in pairs
    ]
    body = ["## Targets", "", harness.table(harness.RATIO_HEADER, rows), ""]
    if lists:
        labels = {
            "page_ms": "Log list, first page (web_search_read)",
            "count_ms": "Log list, count (search_count)",
        }
        rows = [[labels[k], harness.spread(lists[k]), f"< {TARGET_LIST_MS:.0f} ms"] for k in labels]
        rows = [
            [*r, harness.verdict(median(lists[k]), TARGET_LIST_MS)] for r, k in zip(rows, labels, strict=True)
        ]
        body += [harness.table(["Measure", "Min / median / max (ms)", "Target", "Result"], rows), ""]

    def row(label, get, digits=1):
        return [label, *(f"{median(get(r) for r in run[kind]):.{digits}f}" for kind in run)]

    details = [
        ["Seconds per 100 invoices, min / median / max", *(harness.spread(seconds[k], 3) for k in run)]
    ]
    phases = {"create": "create", "post": "action_post", "edit": "write", "commit": "flush + pre-commit (3)"}
    details += [
        row(f"  of which {label} (ms)", lambda r, p=p: r["phases"][p] * 1000 / per)
        for p, label in phases.items()
    ]
    details.append(row("SQL queries", lambda r: r["queries"] / per))
    details += [row(f"Rows written: {t}", lambda r, t=t: r["rows"].get(t, 0) / per, 2) for t in TABLES]
    actions = [[a, f"{n / per:.2f}"] for a, n in run["on"][-1].get("actions", {}).items()]
    body += [
        "## Creating, posting and editing invoices",
        "",
        harness.table(["Per invoice (medians)", *run], details),
    ]
    body += ["", harness.table(["Log rows per invoice (log on, last round)", "Rows"], actions), ""]
    if lists:
        facts = [
            *lists["data"].items(),
            ("SQL queries per page / count", f"{lists['page_queries']} / {lists['count_queries']}"),
        ]
        facts += [
            ("Page: records, length", f"{lists['records']}, {lists['length']}"),
            ("Fields", ", ".join(lists["fields"])),
        ]
        body += [
            "## The filtered log list",
            "",
            harness.table(["List data", "Value"], [list(map(str, f)) for f in facts]),
        ]
        body += ["", *lists["what_if"], "## SQL statements of the list, EXPLAIN ANALYZE as the owner", ""]
        body += harness.plans({"on": lists["explain"]})
    return body


def main():
    bench = harness.Bench(
        "activity_log", "Benchmark: the activity log of invoice_workflow_audit", Worker, __doc__, (600, 6, 5)
    )
    bench.options(
        """
        --log-rows 1_000_000 log rows generated in 'on' (0: no list measure)
        --log-users 20 users of the generated log rows
        --list-reps 40 repetitions of the list page and count
        --what-if-reps 30 repetitions of the what-if measure
        --skip-plain - leave out the plain account baseline
        """
    )
    choices = ("auto", "always", "never")
    bench.option("--what-if", choices=choices, default="auto", help="what-if index (auto: when over target)")
    args = bench.start()
    if not harness.db.module_version("auditlog"):
        die("OCA auditlog is not installed: pip install --no-deps 'odoo-addon-auditlog==18.0.*'")
    kinds = {kind: modules for kind, modules in KINDS.items() if not (kind == "plain" and args.skip_plain)}
    try:
        run, lists = measure(
            args, bench.databases(kinds, 2, log_rows=args.log_rows, log_users=args.log_users)
        )
    finally:
        bench.close()
    about = [
        f"Creation: {args.invoices} invoices per database in {args.rounds} rounds, the databases in turn, "
        f"after a warm-up round of {args.warmup}; every round rolled back",
        f"List: {args.log_rows} generated log rows ({args.log_users} users) in `on`, {args.list_reps} "
        "repetitions as the account owner, each call in a new cursor and environment",
        f"OCA auditlog {harness.db.module_version('auditlog')}",
    ]
    bench.write(about, report(args, run, lists))


if __name__ == "__main__":
    main()
