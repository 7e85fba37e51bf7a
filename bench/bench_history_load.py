#!/usr/bin/env python3
"""The activity history under load (issue 12; see bench/README.rst): JSON-RPC clients on a
multi-worker server, history off / on, then the recurrence cron among them; ``_seal()``,
``_verify_chain()`` and the default filtered list of ``--log-rows`` generated rows.

    bench/bench_history_load.py --invoices 80 --rounds 1 --recurrences 10 --log-rows 20000 --list-reps 10
"""

import datetime
import math
import os
import threading
import time

import bench_activity_log
import harness
from harness import ADDON, data, median

CRON = f"{ADDON}.ir_cron_invoice_recurrence"
RETRIES = ("could not serialize access", "serializationfailure", "serialization_failure", "tries left")
POSTED = """SELECT count(*), count(*) FILTER (WHERE n = 1) FROM (SELECT m.id, count(k.id) AS n
    FROM account_move m LEFT JOIN invoice_activity_log l ON l.res_model = 'account.move' AND l.res_id = m.id
     AND l.action_type = 'document_posted' LEFT JOIN invoice_activity_log_link k ON k.log_id = l.id
   WHERE m.id = ANY(%s) AND m.state = 'posted' GROUP BY m.id) t"""


class Worker(bench_activity_log.Worker):
    def cmd_prepare(self, kind, log_rows, log_users):  # bench_activity_log's users and data
        super().cmd_prepare("on" if kind == "history" else "off", log_rows, log_users)

    def cmd_recurrences(self, count):
        """``count`` monthly recurrences of posted invoices, one period due (started 20 days ago)."""
        with self.cursor() as cr:
            env = self.env(cr, user_context=False)
            start = datetime.date.today() - datetime.timedelta(days=20)
            moves = data.seed_invoices(env, self.refs, count)
            vals = [{"template_move_id": m.id, "interval_type": "month", "date_start": start} for m in moves]
            return {"ids": env["invoice.recurrence"].create(vals).ids, "cron_id": env.ref(CRON).id}

    def cmd_recurrence_state(self, ids):
        with self.cursor() as cr:
            cr.execute(
                "SELECT (SELECT count(*) FROM account_move WHERE recurrence_id = ANY(%(ids)s)"
                " AND state = 'posted'),"
                " count(*) FILTER (WHERE state = 'stopped'), count(*) FILTER (WHERE state = 'running'"
                " AND date_next <= CURRENT_DATE) FROM invoice_recurrence WHERE id = ANY(%(ids)s)",
                {"ids": ids},
            )
            return dict(zip(("generated", "stopped", "due"), cr.fetchone(), strict=True))

    def cmd_seal(self, ids):
        """``_seal()`` then ``_verify_chain``; of ``ids``: posted, with one sealed document_posted."""
        with self.cursor() as cr:
            link, started = self.env(cr)["invoice.activity.log.link"], time.perf_counter()
            out = {"sealed": link._seal()}
            cr.commit()
            out["seal_s"], started = time.perf_counter() - started, time.perf_counter()
            verify = link._verify_chain(link.env.company)
            out.update(verify_s=time.perf_counter() - started, intact=verify["intact"], chain=verify["count"])
            cr.execute(POSTED, [ids])
            out["posted"], out["one_sealed"] = cr.fetchone()
            cr.execute("SELECT count(*) FROM invoice_activity_log_pending")
            out["pending"] = cr.fetchone()[0]
        self.maintenance("VACUUM ANALYZE invoice_activity_log_link")
        return out


def clients(server, args, on_start=None):
    """``args.invoices`` invoices created and posted by ``args.clients`` threads, each its own session."""
    sessions = [server.session("iwa_bench_log_invoicing_user") for _client in range(args.clients)]
    todo, ids, failures, before = iter(range(args.invoices)), [], [], len(server.lines())
    refs, today = server.refs, datetime.date.today().isoformat()

    def client(opener):
        for index in todo:  # an iterator shared by the threads (next() holds the GIL)
            try:
                move = server.rpc(
                    opener, "account.move", "create", data.invoice_vals(refs, index, date=today)
                )
                server.rpc(opener, "account.move", "action_post", [move])
                ids.append(move)
            except Exception as exc:
                failures.append(str(exc)[:300])

    threads = [threading.Thread(target=client, args=(opener,)) for opener in sessions]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    extra = on_start() if on_start else None
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    log = [line.lower() for line in server.lines()[before:]]
    retries = sum(any(mark in line for mark in RETRIES) for line in log)
    out = {"rate": len(ids) / seconds, "ids": ids, "failures": failures, "retries": retries}
    return out | {"extra": extra, "load": os.getloadavg()[0]}


def cron_under_load(server, worker, args):
    """History on: the recurrence cron, ``method_direct_trigger`` as admin, while the clients work."""
    harness.db._sql("UPDATE res_company SET activity_log_enabled = true", dbname=server.db)
    made, calls = worker.call("recurrences", count=args.recurrences), math.ceil(args.recurrences / 50)
    admin, out = server.session("admin", "admin"), {"calls": 0, "errors": []}

    def trigger():  # 50 recurrences per call; up to 2 more calls while some are left due
        time.sleep(2)
        started = time.perf_counter()
        for call in range(calls + 2):
            if call >= calls and not worker.call("recurrence_state", ids=made["ids"])["due"]:
                break
            try:
                out["calls"] += server.rpc(admin, "ir.cron", "method_direct_trigger", [made["cron_id"]]) and 1
            except Exception as exc:
                out["errors"].append(str(exc)[:300])
        return out | {"seconds": time.perf_counter() - started}

    run = clients(server, args, trigger)
    return run | worker.call("recurrence_state", ids=made["ids"])


def measure(args, workers, root):
    server_db, sides = workers["server"].db, {"off": [], "on": []}
    server = harness.Server(server_db, root, "--workers=4")
    try:
        server.refs = workers["server"].call("refs")
        for index in range(args.rounds):
            for side in harness.rotation(list(sides), index):
                harness.db._sql("UPDATE res_company SET activity_log_enabled = %s", [side == "on"], server_db)
                sides[side].append(clients(server, args))
                print(f"  round {index + 1} {side}: {sides[side][-1]['rate']:.2f} invoices/s", flush=True)
        cron = cron_under_load(server, workers["server"], args)
        print(f"  cron under load: {cron['generated']} generated, {cron['rate']:.2f} invoices/s", flush=True)
    finally:
        server.stop()
    ids = [i for run in [*sides["on"], cron] for i in run["ids"]]
    checks = workers["server"].call("seal", ids=ids)
    history = workers["history"].call("seal", ids=[])
    print(f"  sealed {history['sealed']} rows in {history['seal_s']:.1f} s", flush=True)
    workers["history"].call("list", reps=2)  # warm-up
    lists = workers["history"].call("list", reps=args.list_reps)
    lists.update(data=workers["history"].call("list_data"), explain=workers["history"].call("explain"))
    return sides, cron, checks, history, lists


def report(args, sides, cron, checks, history, lists):
    def ok(good):
        return "PASS" if good else "FAIL"

    rates = {side: [run["rate"] for run in runs] for side, runs in sides.items()}
    ratio, trigger = median(rates["on"]) / median(rates["off"]), cron["extra"]
    failed = {
        side: sum(len(r["failures"]) for r in runs) for side, runs in [*sides.items(), ("cron", [cron])]
    }
    retries = {side: sum(r["retries"] for r in runs) for side, runs in sides.items()}
    one, posted, page, count = (
        checks["one_sealed"],
        checks["posted"],
        *map(median, [lists["page_ms"], lists["count_ms"]]),
    )
    gen, sealed = cron["generated"], history["sealed"]
    text = f"""
Invoices/s, history off (min / median / max)|{harness.spread(rates["off"], 2)}|-|-
Invoices/s, history on (min / median / max)|{harness.spread(rates["on"], 2)}|-|-
Invoices/s, on / off (medians)|{ratio:.3f}|≥ 0.95|{ok(ratio >= 0.95)}
Failed requests, off / on|{failed["off"]} / {failed["on"]}|0|{ok(not failed["off"] + failed["on"])}
Retry / serialization lines in the server log, off / on|{retries["off"]} / {retries["on"]}|-|-
Posted (on + cron phases), one sealed document_posted|{one} of {posted}|all|{ok(one == posted)}
Pending after _seal(); chain|{checks["pending"]}; intact {checks["intact"]}|0; intact|-
Cron phase: documents generated|{cron["generated"]} of {args.recurrences}|all|{ok(gen == args.recurrences)}
Cron: stopped / left due|{cron["stopped"]} / {cron["due"]}|0 / 0|{ok(not cron["stopped"] + cron["due"])}
Cron phase: failed client requests|{failed["cron"]}|0|{ok(not failed["cron"])}
Cron: trigger calls, errors, s|{trigger["calls"]}, {len(trigger["errors"])}, {trigger["seconds"]:.1f}|-|-
Cron phase: clients' invoices/s, retry lines|{cron["rate"]:.2f}, {cron["retries"]}|-|-
_seal() of {sealed} rows: seconds, rows/s|{history["seal_s"]:.1f}, {sealed / history["seal_s"]:.0f}|-|-
_verify_chain(company), s ({history["chain"]} links, intact {history["intact"]})|{history["verify_s"]:.1f}|-|-
List, first page (web_search_read), ms|{harness.spread(lists["page_ms"])}|< 5|{harness.verdict(page, 5.0)}
List, count (search_count), ms|{harness.spread(lists["count_ms"])}|< 5|{harness.verdict(count, 5.0)}
    """
    rows = [line.strip().split("|") for line in text.strip().splitlines()]
    loads = ", ".join(f"{s} {r['load']:.2f}" for s, runs in [*sides.items(), ("cron", [cron])] for r in runs)
    failures = [f for run in [*sides["on"], *sides["off"], cron] for f in run["failures"]] + trigger["errors"]
    body = [
        harness.table(["Measure", "Value", "Target", "Result"], rows),
        "",
        f"Load (1 min) after each phase: {loads}",
    ]
    body += ["", *(f"- Failure: `{f}`" for f in failures[:5]), ""]
    body += [harness.table(["List data", "Value"], [[k, str(v)] for k, v in lists["data"].items()]), ""]
    return [
        *body,
        "## The list's SQL, EXPLAIN ANALYZE as the owner",
        "",
        *harness.plans({"h": lists["explain"]}),
    ]


def main():
    bench = harness.Bench("history_load", "Benchmark: the activity history under load", Worker, __doc__)
    bench.options(
        """
        --invoices 400 invoices created and posted per phase (all clients together)
        --rounds 2 rounds per side (history off / on), alternating
        --clients 8 concurrent JSON-RPC clients
        --recurrences 100 due recurrences of the cron phase
        --log-rows 1_000_000 generated history rows to seal and list
        --list-reps 40 repetitions of the list page and count
        """
    )
    args = bench.start()
    kinds = {"server": ["account", ADDON], "history": ["account", ADDON]}
    try:
        workers = bench.databases(kinds, 2, log_rows=args.log_rows, log_users=20)
        results = measure(args, workers, bench.source.root)
    finally:
        bench.close()
    about = [
        f"Server: `python3 -m odoo --workers=4 --max-cron-threads=0`; {args.clients} client threads, each "
        f"its own session; {args.invoices} invoices per phase (create + action_post by JSON-RPC)",
        f"Cron: `{CRON}` by `method_direct_trigger` as admin (JSON-RPC, same server) during the clients",
        f"History: {args.log_rows} rows by INSERT ... SELECT with their pending entries; list as the owner",
    ]
    bench.write(about, report(args, *results))


if __name__ == "__main__":
    main()
