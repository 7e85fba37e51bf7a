#!/usr/bin/env python3
"""The accountant portal's archive page, through real HTTP requests to a real Odoo server.

One database (account + the addon), ``--seeds`` customer invoices posted
through the ORM, copied in SQL up to ``--small`` then ``--large``. At each
size, an Odoo server (workers=0) answers the portal accountant's archive
page (first page, and filtered) and, for reference, plain Odoo's
``/my/invoices`` of a portal customer; server time and SQL queries from
Odoo's request log line. Target: archive pages < 300 ms at ``--large``.

    bench/bench_accountant_portal.py --small 500 --large 2000 --reps 10 --warmup 2
"""

import re
import time
from urllib.parse import urlencode

import harness
from harness import ADDON, data, die, median

ACCOUNTANT, CUSTOMER = "iwa_bench_accountant", "iwa_bench_customer"
TARGET_MS = 300.0
POSTED = "FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted'"
LOG_LINE = re.compile(
    r'"GET (?P<path>\S+) HTTP/1\.1" (?P<status>\d+) - (?P<queries>\d+) (?P<qt>[\d.]+) (?P<rt>[\d.]+)'
)


class Worker(harness.Worker):
    def cmd_prepare(self, kind, seeds):
        from odoo import Command

        self.chart()
        with self.cursor() as cr:
            env = self.env(cr)
            refs = data.customers_and_product(env, 30)
            users = data.users(
                env,
                [
                    (ACCOUNTANT, "IWA Bench Accountant", ["base.group_portal"]),
                    (
                        CUSTOMER,
                        "IWA Bench Customer User",
                        ["base.group_portal"],
                        {"partner_id": refs["partner_ids"][0]},
                    ),
                ],
            )
            env.company.accountant_user_ids = [Command.link(users[0].id)]
            moves = data.seed_invoices(env, refs, seeds)
            paid = moves.filtered(lambda move: move.id % 3 == 0)
            wizard = env["account.payment.register"].with_context(
                active_model="account.move", active_ids=paid.ids
            )
            wizard.create({"group_payment": False})._create_payments()
            moves.filtered(lambda move: move.id % 2 == 0)._set_accountant_processed(True)
            self.save_refs(env, {**refs, "company_id": env.company.id, "seed_ids": moves.ids})

    def cmd_grow(self, total):
        """SQL copies of the seeds up to ``total`` posted customer invoices,
        the customers as followers (what makes /my/invoices list them)."""
        with self.cursor() as cr:
            cr.execute(f"SELECT count(*) {POSTED}")
            data.multiply_invoices(cr, self.refs["seed_ids"], total - cr.fetchone()[0])
            cr.execute(
                "INSERT INTO mail_followers (res_model, res_id, partner_id)"
                " SELECT 'account.move', id, partner_id FROM account_move"
                " WHERE move_type = 'out_invoice' AND partner_id IS NOT NULL"
                " ON CONFLICT DO NOTHING"
            )
        self.maintenance(
            *(f"VACUUM ANALYZE {t}" for t in ("account_move", "account_move_line", "mail_followers"))
        )
        with self.cursor() as cr:
            # NULL is "not processed" (rows copied before the column had a value).
            cr.execute(
                "SELECT count(*),"
                " count(*) FILTER (WHERE payment_state NOT IN ('paid', 'in_payment', 'reversed')"
                " AND NOT coalesce(accountant_processed, false)),"
                f" count(*) FILTER (WHERE partner_id = %s) {POSTED}",
                [self.refs["partner_ids"][0]],
            )
            return dict(zip(("posted", "unpaid_unprocessed", "customer"), cr.fetchone(), strict=True))


class Server(harness.Server):
    """The portal pages timed from Odoo's request log line."""

    def measure(self, pages, reps, warmup):
        """Per page: server ms, client ms and SQL queries of the measured GETs."""
        results = {name: {"server": [], "client": [], "queries": []} for name in pages}
        for rep in range(warmup + reps):
            for name, (opener, path) in pages.items():
                before, started = len(self.lines()), time.perf_counter()
                body = opener.open(self.base + path).read()
                client_ms = (time.perf_counter() - started) * 1000
                for _attempt in range(50):  # the log line is written once the response is sent
                    lines = [
                        m for m in map(LOG_LINE.search, self.lines()[before:]) if m and m["path"] == path
                    ]
                    if lines:
                        break
                    time.sleep(0.02)
                if not lines or lines[0]["status"] != "200":
                    die(f"{path}: no log line, or not 200")
                if rep >= warmup:
                    results[name]["server"].append((float(lines[0]["qt"]) + float(lines[0]["rt"])) * 1000)
                    results[name]["client"].append(client_ms)
                    results[name]["queries"].append(int(lines[0]["queries"]))
                total = re.search(rb'o_accountant_total">\s*(\d+)', body)
                results[name]["listed"] = int(total.group(1)) if total else "-"
        return results


def measure(args, worker, root):
    measures, counts = {}, {}
    for size in (args.small, args.large):
        counts[size] = worker.call("grow", total=size)
        print(f"  {counts[size]['posted']} posted customer invoices", flush=True)
        server = Server(worker.db, root)
        try:
            accountant, customer = server.session(ACCOUNTANT), server.session(CUSTOMER)
            archive = f"/my/accounting/{worker.call('refs')['company_id']}/out_invoice"
            filtered = archive + "?" + urlencode({"filter": "unpaid_unprocessed", "search": "Customer 07"})
            pages = {
                "Archive, first page": (accountant, archive),
                "Archive, filtered (unpaid_unprocessed + search)": (accountant, filtered),
                "Plain Odoo /my/invoices (portal customer)": (customer, "/my/invoices"),
            }
            measures[size] = server.measure(pages, args.reps, args.warmup)
        finally:
            server.stop()
    return measures, counts


def report(args, measures):
    rows = []
    for size, pages in measures.items():
        for name, values in pages.items():
            server_ms = median(values["server"])
            target = size == args.large and name.startswith("Archive")
            queries = "/".join(map(str, sorted(set(values["queries"]))))
            cells = [name, size, values["listed"], f"{server_ms:.1f}", harness.spread(values["server"])]
            cells += [f"{median(values['client']):.1f}", queries, f"< {TARGET_MS:.0f} ms" if target else "-"]
            rows.append([*cells, harness.verdict(server_ms, TARGET_MS) if target else "-"])
    header = ["Page", "Documents", "Listed", "Server median (ms)", "Server min / median / max (ms)"]
    header += ["Client median (ms)"]
    return [harness.table([*header, "SQL queries", "Target", "Result"], rows), ""]


def main():
    bench = harness.Bench(
        "accountant_portal", "Benchmark: the accountant portal's archive page", Worker, __doc__
    )
    bench.options(
        """
        --small 2000 posted customer invoices of the first measure
        --large 20000 posted customer invoices of the second measure
        --seeds 200 invoices posted through the ORM before the SQL copies
        --reps 30 measured requests per page and size
        --warmup 5 unmeasured requests per page and size
        """
    )
    args = bench.start()
    try:
        workers = bench.databases({"portal": ["account", ADDON]}, 1, seeds=args.seeds)
        measures, counts = measure(args, workers["portal"], bench.source.root)
    finally:
        bench.close()
    large = counts[args.large]
    about = [
        f"Data: {args.seeds} posted customer invoices through the ORM (a third paid, half processed), "
        f"copied in SQL up to {args.small} then {args.large}; at {args.large}: "
        f"{large['unpaid_unprocessed']} unpaid and not processed, {large['customer']} of the portal customer",
        f"Requests: {args.reps} per page and size after {args.warmup} warm-up ones, pages alternating, a "
        "real Odoo server (workers=0) and HTTP client on the same machine; *Listed*: the archive's count",
    ]
    bench.write(about, report(args, measures))


if __name__ == "__main__":
    main()
