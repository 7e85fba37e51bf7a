#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark the accountant portal's archive page (issue: accountant portal).

One database, ``iwa_bench_portal`` (account + invoice_workflow_audit), one
company whose portal accountant reads its customer invoices. The company gets
``--small`` (2,000) posted customer invoices first, then ``--large`` (20,000);
at each size a real Odoo server (a subprocess, one HTTP worker thread) answers
real HTTP requests of a logged-in portal user:

* the archive page, first page: ``/my/accounting/<company>/out_invoice``;
* the archive page, filtered: ``?filter=unpaid_unprocessed&search=Customer 07``
  (payment and Processed filters plus a partner search);
* plain Odoo's own portal list ``/my/invoices`` of a portal customer on the same
  database and server, as the side-by-side reference.

Server time and SQL query count of each request are read from Odoo's own
request log line (``werkzeug``: ``"GET ..." 200 - <queries> <query s>
<other s>``): server time = query time + other time, the time spent in the
server between receiving the request and sending the response. The client's
wall time is reported too. ``--reps`` requests per page and size (30), after
``--warmup`` unmeasured ones (5), pages alternating request by request.

Targets: median server time of both archive pages under 300 ms at 20,000
documents, and the same SQL query count per page at 2,000 and 20,000.

Run from the repository root: ``bench/bench_accountant_portal.py``. Results go
to ``bench/results/accountant_portal.md``. The database is dropped at the end
unless ``--keep``.
"""

import argparse
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlencode

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)

import bench_workflow_status as bws  # noqa: E402  (shares the data generator)

RESULTS = os.path.join(BENCH_DIR, "results", "accountant_portal.md")
DB = "iwa_bench_portal"
ACCOUNTANT = "iwa_bench_accountant"
CUSTOMER_USER = "iwa_bench_customer"
SEEDS = 200
TARGET_MS = 300.0
POSTED_INVOICES = "SELECT count(*) FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted'"
# Odoo's request log line: "GET /path HTTP/1.1" 200 - <queries> <query time> <remaining time>
REQUEST_LOG = re.compile(
    r'"GET (?P<path>\S+) HTTP/1\.1" (?P<status>\d+) - (?P<queries>\d+) (?P<qt>[\d.]+) (?P<rt>[\d.]+)'
)


def odoo_sql_db_close(db):
    """Close this process's connections to ``db`` (before dropping it)."""
    import odoo.sql_db

    odoo.sql_db.close_db(db)


class PortalWorker(bws.Worker):
    """Builds the data set in the database, through the ORM then SQL."""

    def _create_master_data(self, env):
        from odoo import Command

        company = env.company
        portal = env.ref("base.group_portal")
        partners = env["res.partner"].create(
            [
                {"name": f"IWA Bench Customer {index:02d}", "email": f"customer{index:02d}@example.com"}
                for index in range(1, bws.CUSTOMER_COUNT + 1)
            ]
        )
        product = env["product.product"].create(
            {"name": "IWA Bench Service", "type": "service", "list_price": 100.0}
        )
        Users = env["res.users"].with_context(no_reset_password=True)
        accountant = Users.create(
            {
                "name": "IWA Bench Accountant",
                "login": ACCOUNTANT,
                "password": ACCOUNTANT,
                "groups_id": [Command.set(portal.ids)],
            }
        )
        # A customer of the company with a portal account: plain Odoo's /my/invoices.
        customer = Users.create(
            {
                "name": "IWA Bench Customer User",
                "login": CUSTOMER_USER,
                "password": CUSTOMER_USER,
                "partner_id": partners[0].id,
                "groups_id": [Command.set(portal.ids)],
            }
        )
        company.accountant_user_ids = [Command.link(accountant.id)]
        return {
            "company_id": company.id,
            "partner_ids": partners.ids,
            "product_id": product.id,
            "accountant_id": accountant.id,
            "customer_user_id": customer.id,
        }

    def prepare(self):
        """Chart of accounts, users, customers, and SEEDS posted invoices
        through the ORM: a third of them paid, half of them processed."""
        with self.cursor() as cr:
            env = self.env(cr)
            if not env.company.chart_template:
                env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)
        with self.cursor() as cr:
            self.refs = self._create_master_data(self.env(cr))
        with self.cursor() as cr:
            env = self.env(cr)
            seeds = self._create_seed_invoices(env, SEEDS)
            paid = seeds.filtered(lambda move: move.id % 3 == 0)
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=paid.ids
            ).create({"group_payment": False})._create_payments()
            processed = seeds.filtered(lambda move: move.id % 2 == 0)
            processed._set_accountant_processed(True)
            self.refs["seed_ids"] = seeds.ids
        return self.refs

    def grow(self, total):
        """Copy the seeds in SQL up to ``total`` posted customer invoices, with
        the customers as followers (what makes /my/invoices list them)."""
        with self.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted'"
            )
            have = cr.fetchone()[0]
            self._multiply_invoices(cr, self.refs["seed_ids"], total - have)
            cr.execute(
                """
                INSERT INTO mail_followers (res_model, res_id, partner_id)
                SELECT 'account.move', id, partner_id FROM account_move
                 WHERE move_type = 'out_invoice' AND partner_id IS NOT NULL
                ON CONFLICT DO NOTHING
                """
            )
            cr.execute(
                "SELECT count(*) FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted'"
            )
            count = cr.fetchone()[0]
        self._maintenance(
            "VACUUM ANALYZE account_move", "VACUUM ANALYZE account_move_line", "ANALYZE mail_followers"
        )
        return count


class Server:
    """A real Odoo server on a free port, its log in a file."""

    def __init__(self, db):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.log_path = os.path.join(tempfile.gettempdir(), f"{db}.server.log")
        self.log = open(self.log_path, "w")  # open for the life of the server
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "odoo",
                "-d",
                db,
                f"--db-filter=^{db}$",
                f"--addons-path={bws.addons_path()}",
                f"--http-port={self.port}",
                "--workers=0",
                "--max-cron-threads=0",
                "--log-level=info",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/web/login", timeout=5).read()
                return
            except OSError:
                time.sleep(1)
        self.stop()
        bws.die(f"The Odoo server did not start; see {self.log_path}")

    def session(self, login):
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        payload = {"jsonrpc": "2.0", "params": {"db": DB, "login": login, "password": login}}
        request = urllib.request.Request(
            self.base + "/web/session/authenticate",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        answer = json.loads(opener.open(request).read())
        if "error" in answer:
            bws.die(f"Login of {login} failed: {answer['error']}")
        return opener

    def log_lines(self):
        self.log.flush()
        with open(self.log_path) as log:
            return log.readlines()

    def stop(self):
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


def measure(server, pages, reps, warmup):
    """GET each page ``warmup + reps`` times, alternating; return per page the
    server times (ms), client times (ms) and query counts of the measured ones."""
    results = {name: {"server": [], "client": [], "queries": []} for name in pages}
    for rep in range(warmup + reps):
        for name, (opener, path) in pages.items():
            before = len(server.log_lines())
            started = time.perf_counter()
            body = opener.open(server.base + path).read()
            client_ms = (time.perf_counter() - started) * 1000
            if rep < warmup:
                continue
            # The log line is written once the response is sent.
            for _attempt in range(50):
                lines = [m for m in map(REQUEST_LOG.search, server.log_lines()[before:]) if m]
                lines = [m for m in lines if m["path"] == path]
                if lines:
                    break
                time.sleep(0.02)
            else:
                bws.die(f"No log line for {path}")
            line = lines[0]
            if line["status"] != "200":
                bws.die(f"{path} answered {line['status']}")
            results[name]["server"].append((float(line["qt"]) + float(line["rt"])) * 1000)
            results[name]["client"].append(client_ms)
            results[name]["queries"].append(int(line["queries"]))
            # What the page says it lists (archive pages): proof it is not empty.
            total = re.search(rb'o_accountant_total">\s*(\d+)', body)
            results[name]["listed"] = int(total.group(1)) if total else None
    return results


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=20000)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    run_started = time.perf_counter()
    load_before = os.getloadavg()[0]
    if bws.database_exists(DB):
        bws.drop_database(DB)
    bws.install_database(DB, ["account", bws.ADDON])
    worker = PortalWorker(DB)
    started = time.perf_counter()
    refs = worker.prepare()
    print(f"  seeds: {SEEDS} invoices through the ORM in {time.perf_counter() - started:.0f} s", flush=True)
    company_id = refs["company_id"]
    archive = f"/my/accounting/{company_id}/out_invoice"
    filtered = archive + "?" + urlencode({"filter": "unpaid_unprocessed", "search": "Customer 07"})

    measures = {}
    for size in (args.small, args.large):
        started = time.perf_counter()
        count = worker.grow(size)
        print(f"  {count} posted customer invoices (SQL copies in {time.perf_counter() - started:.0f} s)")
        server = Server(DB)
        try:
            accountant = server.session(ACCOUNTANT)
            customer = server.session(CUSTOMER_USER)
            pages = {
                "Archive, first page": (accountant, archive),
                "Archive, filtered (unpaid_unprocessed + search)": (accountant, filtered),
                "Plain Odoo /my/invoices (portal customer)": (customer, "/my/invoices"),
            }
            measures[count] = measure(server, pages, args.reps, args.warmup)
        finally:
            server.stop()
        for name, values in measures[count].items():
            print(
                f"    {name}: server median {statistics.median(values['server']):.1f} ms, "
                f"queries {sorted(set(values['queries']))}",
                flush=True,
            )

    with worker.cursor() as cr:
        cr.execute(
            # NULL is "not processed" (rows copied before the column had a value).
            "SELECT count(*) FILTER (WHERE payment_state NOT IN ('paid', 'in_payment', 'reversed')"
            " AND NOT coalesce(accountant_processed, false)), count(*) FILTER (WHERE partner_id = %s)"
            " FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted'",
            [refs["partner_ids"][0]],
        )
        unpaid_unprocessed, customer_invoices = cr.fetchone()
        cr.execute("SHOW server_version")
        pg_version = cr.fetchone()[0]
    odoo_sql_db_close(DB)
    if not args.keep:
        bws.drop_database(DB)

    import odoo

    sizes = sorted(measures)
    lines = [
        "# Accountant portal benchmark",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- Odoo {odoo.release.version}, PostgreSQL {pg_version}, Python {platform.python_version()}",
        f"- Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
        f"{platform.platform()}",
        f"- Load average (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f}",
        f"- Database `{DB}` (account + invoice_workflow_audit, generic chart of accounts), one company",
        f"- Data: {SEEDS} posted customer invoices created through the ORM (a third paid through the "
        "payment wizard, half marked processed by the accountant), copied in SQL up to each size; "
        f"at {sizes[-1]}: {unpaid_unprocessed} unpaid and not processed, {customer_invoices} of "
        "the portal customer",
        f"- Requests: {args.reps} per page and size after {args.warmup} warm-up ones, pages alternating, "
        "a real Odoo server (workers=0) and HTTP client on the same machine; *Listed*: the count "
        "the archive page shows for its filter",
        f"- Whole run: {time.perf_counter() - run_started:.0f} s",
        "",
        "| Page | Documents | Listed | Server median (ms) | Server min / max (ms) | Client median (ms) "
        "| SQL queries | Target | Result |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        for name, values in measures[size].items():
            server_median = statistics.median(values["server"])
            is_archive = name.startswith("Archive")
            target = f"< {TARGET_MS:.0f} ms" if is_archive and size == sizes[-1] else "-"
            result = ("PASS" if server_median < TARGET_MS else "FAIL") if target != "-" else "-"
            lines.append(
                f"| {name} | {size} | {values.get('listed') or '-'} | {server_median:.1f} | "
                f"{min(values['server']):.1f} / "
                f"{max(values['server']):.1f} | {statistics.median(values['client']):.1f} | "
                f"{'/'.join(map(str, sorted(set(values['queries']))))} | {target} | {result} |"
            )
    lines += ["", "| Page | SQL queries at " + " / ".join(map(str, sizes)) + " | Constant |", "|---|---|---|"]
    for name in measures[sizes[0]]:
        counts = [sorted(set(measures[size][name]["queries"])) for size in sizes]
        constant = all(c == counts[0] and len(c) == 1 for c in counts)
        lines.append(
            f"| {name} | {' / '.join('/'.join(map(str, c)) for c in counts)} "
            f"| {'yes' if constant else 'NO'} |"
        )
    report = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as out:
        out.write(report)
    print()
    print(report)


if __name__ == "__main__":
    main()
