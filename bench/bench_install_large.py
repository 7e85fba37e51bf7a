#!/usr/bin/env python3
"""Installing invoice_workflow_audit on a large database (issue 24, part 6; see bench/README.rst).

Two templates with ``account`` (no demo, the generic chart): ``large`` holds
``--invoices`` (100,000) posted customer invoices (``--seed-invoices`` posted
through the ORM, copied in SQL by ``data.multiply_invoices``: every column of
``account_move`` and ``account_move_line``), ``empty`` none. Each of
``--rounds`` rounds clones both (``createdb -T``, the order alternating) and
times ``python3 -m odoo -i invoice_workflow_audit --without-demo=all
--stop-after-init`` on each clone; the statistics of the clone
(``pg_stat_user_tables``: a new database starts from zero) say how many rows
of ``account_move`` / ``account_move_line`` the install updated, and their
``relfilenode`` whether it rewrote the tables.

Targets: install on ``large`` minus install on ``empty`` ≤ 30 s (medians);
rows of account_move and account_move_line updated by the install < 1 % of
their rows; neither table rewritten.

    bench/bench_install_large.py --invoices 10000 --rounds 1
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import harness
from harness import ADDON, data, db, median

KINDS = {"large": ["account"], "empty": ["account"]}
EXTRA_TARGET = 30.0  # seconds over the install on the empty database
UPDATED_SHARE = 0.01
TABLES = ("account_move", "account_move_line")
LOADED = re.compile(rf"Module {ADDON} loaded in ([\d.]+)s, (\d+) queries")


class Worker(harness.Worker):
    def cmd_prepare(self, kind, invoices, seeds):
        self.chart()
        if kind == "empty":
            return
        with self.cursor() as cr:
            env = self.env(cr)
            refs = data.customers_and_product(env, 30)
            self.save_refs(env, refs)
        with self.cursor() as cr:
            seed_ids = data.seed_invoices(self.env(cr), refs, seeds).ids
        with self.cursor() as cr:
            data.multiply_invoices(cr, seed_ids, invoices - len(seed_ids))
        self.maintenance("VACUUM ANALYZE account_move", "VACUUM ANALYZE account_move_line")


def table_stats(name):
    """Rows, rows updated (all / HOT) and file node of the two tables, as the
    statistics collector has them (flushed when a backend ends)."""
    stats = db._sql(
        "SELECT relname, n_live_tup, n_tup_upd, n_tup_hot_upd, pg_relation_filenode(relid)"
        " FROM pg_stat_user_tables WHERE relname IN %s",
        [TABLES],
        dbname=name,
    )
    return {row[0]: {"rows": row[1], "updated": row[2], "hot": row[3], "filenode": row[4]} for row in stats}


def counts(name):
    return dict(
        zip(
            TABLES,
            db._sql(
                "SELECT (SELECT count(*) FROM account_move), (SELECT count(*) FROM account_move_line)",
                dbname=name,
            )[0],
            strict=True,
        )
    )


def install(name, root):
    """Install the addon on ``name``: wall time, the module's own loading time
    and queries from Odoo's log, what it did to the two tables."""
    log_path = os.path.join(tempfile.gettempdir(), f"{name}.install.log")
    before = table_stats(name)
    command = [sys.executable, "-m", "odoo", "-d", name, f"--addons-path={db.addons_path(root)}"]
    command += ["-i", ADDON, "--without-demo=all", "--stop-after-init", "--no-http"]
    command += ["--max-cron-threads=0", "--log-level=info", f"--logfile={log_path}"]
    started = time.perf_counter()
    run = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, check=False)
    seconds = time.perf_counter() - started
    if run.returncode:
        db.die(f"Installing {ADDON} on {name} failed (exit {run.returncode}); see {log_path}")
    time.sleep(1)  # the last backend's statistics reach the collector when it ends
    after = table_stats(name)
    with open(log_path) as log:
        loaded = LOADED.findall(log.read())
    result = {"seconds": seconds, "log": log_path}
    if loaded:
        result["module_s"], result["queries"] = float(loaded[-1][0]), int(loaded[-1][1])
    for table in TABLES:
        result[table] = {
            "updated": after[table]["updated"] - before[table]["updated"],
            "hot": after[table]["hot"] - before[table]["hot"],
            "rewritten": after[table]["filenode"] != before[table]["filenode"],
        }
    return result


def drop(name):
    from odoo.tools import config

    db.drop(name)
    # The signing key the install made for the database (a file of the server,
    # where invoice_activity_log_key.key_path puts it by default).
    shutil.rmtree(os.path.join(config["data_dir"], ADDON, name), ignore_errors=True)


def measure(args, bench):
    runs = {kind: [] for kind in KINDS}
    rows = {}
    for index in range(args.rounds):
        for kind in harness.rotation(list(KINDS), index):
            name = bench.workers[kind].db
            drop(name)
            db.clone(bench.templates[kind], name)
            rows[kind] = counts(name)
            result = install(name, bench.source.root)
            runs[kind].append(result)
            print(
                f"  round {index + 1}/{args.rounds} {kind}: {result['seconds']:.1f} s; updated rows"
                + "".join(f", {t} {result[t]['updated']}" for t in TABLES),
                flush=True,
            )
    return runs, rows


def moved(result):
    return f"{result['account_move']['updated']} ({result['account_move']['hot']} HOT)"


def report(args, runs, rows):
    large, empty = runs["large"], runs["empty"]
    extra = median(r["seconds"] for r in large) - median(r["seconds"] for r in empty)
    targets = [
        [
            "Install on large - install on empty (medians)",
            f"{median(r['seconds'] for r in large):.1f} s - {median(r['seconds'] for r in empty):.1f} s"
            f" = {extra:.1f} s",
            f"≤ {EXTRA_TARGET:.0f} s",
            harness.verdict(extra, EXTRA_TARGET, inclusive=True),
        ]
    ]
    for table in TABLES:
        most = max(r[table]["updated"] for r in large)
        limit = rows["large"][table] * UPDATED_SHARE
        targets.append(
            [
                f"Rows of {table} updated by the install on large (max of the rounds)",
                f"{most} of {rows['large'][table]}",
                f"< {limit:.0f} (1 %)",
                harness.verdict(most, limit),
            ]
        )
        rewritten = any(r[table]["rewritten"] for r in large)
        verdict = "FAIL" if rewritten else "PASS"
        targets.append([f"{table} rewritten (new file node)", str(rewritten), "no", verdict])
    details = []
    for kind in KINDS:
        kind_runs = runs[kind]
        details.append(
            [
                kind,
                str(rows[kind]["account_move"]),
                str(rows[kind]["account_move_line"]),
                harness.spread([r["seconds"] for r in runs[kind]]),
                harness.spread([r.get("module_s", 0) for r in runs[kind]]),
                str(median(r.get("queries", 0) for r in runs[kind])),
                " / ".join(moved(r) for r in kind_runs),
                " / ".join(str(r["account_move_line"]["updated"]) for r in runs[kind]),
            ]
        )
    header = [
        "Database",
        "account_move rows",
        "account_move_line rows",
        "Install, s (min / median / max)",
        "Module loading, s (Odoo's log)",
        "Queries (median)",
        "account_move rows updated, per round",
        "account_move_line rows updated, per round",
    ]
    return [
        "## Targets",
        "",
        harness.table(["Measure", "Value", "Target", "Result"], targets),
        "",
        "## Installs",
        "",
        harness.table(header, details),
        "",
    ]


def main():
    title = "Benchmark: installing the addon on 100,000 invoices"
    bench = harness.Bench("install_large", title, Worker, __doc__)
    bench.options(
        """
        --invoices 100_000 posted customer invoices in the large database
        --seed-invoices 100 invoices posted through the ORM before the SQL copy
        --rounds 3 installs per database, alternating
        """
    )
    args = bench.start()
    try:
        bench.databases(KINDS, 1, invoices=args.invoices, seeds=args.seed_invoices)
        for worker in bench.workers.values():
            worker.stop()  # the installs run in their own processes, on fresh clones
        runs, rows = measure(args, bench)
    finally:
        bench.close()
        if not args.keep:
            for worker in bench.workers.values():
                drop(worker.db)
    about = [
        f"Data: {args.invoices} posted customer invoices in large ({args.seed_invoices} posted through the "
        "ORM, the others copied in SQL with their lines), none in empty; account and the generic chart, "
        "no demo data",
        f"{args.rounds} rounds: both templates cloned, then `python3 -m odoo -i {ADDON} --without-demo=all "
        "--stop-after-init` timed (wall clock, the process's start included), the databases in rotation",
        "Rows updated: `pg_stat_user_tables.n_tup_upd` of the clone (a new database starts at zero); "
        "rewritten: `pg_relation_filenode` changed",
    ]
    bench.write(about, report(args, runs, rows))


if __name__ == "__main__":
    main()
