#!/usr/bin/env python3
"""Several servers, one primary, one replica (issue 24, part 1; see bench/README.rst).

On this machine: a private PostgreSQL 15 cluster (``initdb``, run as the
``postgres`` system user, port ``--primary-port``) and its streaming replica
(``pg_basebackup -R``, port ``--replica-port``), a copy of ``--source-db``
(a database of the system cluster with the addon installed, e.g. iwa_base:
``pg_dump | psql``, its filestore and signing key copied into the servers'
shared data directory), two Odoo servers ``--workers=4`` with one cron thread
each on it (``--db_replica_host/--db_replica_port`` set), then, history off
then on, for ``--seconds`` each:

* ``--clients`` (16) JSON-RPC clients, shared between the servers, creating
  and posting customer invoices (admin; ``account.move`` ``create``, then
  ``action_post``);
* the accountant (portal) on both servers: the invoice list and the history
  page of the accountant portal (read-only routes), and every few requests a
  document PDF (logged: read/write) and the Processed flag (POST);
* the owner's history list (``web_search_read`` of ``invoice.activity.log``,
  read-only);
* the crons of both servers: the sealer woken every 5 s and the recurrence
  cron once per phase (``nextcall`` now and ``NOTIFY cron_trigger``), with
  ``--recurrences`` due monthly recurrences.

In the history-on phase the replica's replay is paused for ``--lag`` seconds
(``pg_wal_replay_pause()`` / ``pg_wal_replay_resume()``). Then: the sealer
once more, every invoice posted with the history on has exactly one sealed
``document_posted`` row, Verify (``_verify_chain``), every recurrence made
its period exactly once, the replica's transactions and rows returned
(``pg_stat_database``) and its statements (``pg_stat_statements``), the
retries logged by the servers ("retrying with a read/write cursor",
serialization failures), and a third server without the signing key.

Everything lives under ``--root`` (/tmp/iwa_bench_replica) and is stopped and
removed at the end unless ``--keep``. Results: bench/results/replica.md.

    bench/bench_replica.py --seconds 30
"""

import argparse
import getpass
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import harness
from harness import ADDON, db

BIN = "/usr/lib/postgresql/15/bin"
DB = "iwa_bench_replica"
RETRY_MARKS = {
    "read-only retries": "retrying with a read/write cursor",
    "serialization retries": "could not serialize access",
    "tries left": "tries left",
}
POSTED = """SELECT count(*), count(*) FILTER (WHERE n = 1) FROM (SELECT m.id, count(k.log_id) AS n
    FROM account_move m LEFT JOIN invoice_activity_log l ON l.res_model = 'account.move' AND l.res_id = m.id
     AND l.action_type = 'document_posted' LEFT JOIN invoice_activity_log_link k ON k.log_id = l.id
   WHERE m.id = ANY(%s) AND m.state = 'posted' GROUP BY m.id) t"""
CSRF = re.compile(r"""csrf_token["']?\s*[:=]\s*["']([0-9a-f]+o[0-9]+)["']""")


def run(*command, user=None, check=True, **kwargs):
    if user:
        command = ("runuser", "-u", user, "--", *command)
    return subprocess.run(command, check=check, capture_output=True, text=True, **kwargs)


class Cluster:
    """The private primary and its replica, run as the postgres system user."""

    def __init__(self, root, primary_port, replica_port):
        self.root, self.ports = root, {"primary": primary_port, "replica": replica_port}
        self.dirs = {name: os.path.join(root, name) for name in self.ports}

    def start(self):
        os.makedirs(self.root, exist_ok=True)
        shutil.chown(self.root, "postgres")
        primary = self.dirs["primary"]
        run(f"{BIN}/initdb", "-D", primary, "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", user="postgres")  # fmt: skip
        with open(os.path.join(primary, "postgresql.conf"), "a") as conf:
            conf.write(
                f"\nport = {self.ports['primary']}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\nwal_level = replica\nmax_wal_senders = 4\n"
                "hot_standby = on\nhot_standby_feedback = on\nmax_connections = 300\n"
                "shared_preload_libraries = 'pg_stat_statements'\nmax_standby_streaming_delay = 30s\n"
            )
        self.pg_ctl("primary", "start")
        run(f"{BIN}/psql", "-h", "127.0.0.1", "-p", str(self.ports["primary"]), "-U", "postgres", "-c",
            f'CREATE ROLE "{getpass.getuser()}" SUPERUSER LOGIN', user="postgres")  # fmt: skip

    def replicate(self):
        """The replica: a base backup of the primary, streaming (-R), its own port."""
        replica = self.dirs["replica"]
        run(f"{BIN}/pg_basebackup", "-h", "127.0.0.1", "-p", str(self.ports["primary"]), "-U", "postgres",
            "-D", replica, "-R", "-X", "stream", "-c", "fast", user="postgres")  # fmt: skip
        with open(os.path.join(replica, "postgresql.auto.conf"), "a") as conf:
            conf.write(f"\nport = {self.ports['replica']}\n")
        self.pg_ctl("replica", "start")

    def pg_ctl(self, name, action):
        log = os.path.join(self.root, f"{name}.log")
        run(f"{BIN}/pg_ctl", "-D", self.dirs[name], "-l", log, "-w", "-m", "fast", action, user="postgres")

    def stop(self, remove=True):
        for name in ("replica", "primary"):
            if os.path.isdir(self.dirs[name]):
                stop = (f"{BIN}/pg_ctl", "-D", self.dirs[name], "-m", "immediate", "stop")
                run(*stop, user="postgres", check=False)
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def sql(self, name, statement, params=None, dbname=DB):
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.ports[name], dbname=dbname)
        conn.autocommit = True
        try:
            with conn.cursor() as cr:
                cr.execute(statement, params)
                return cr.fetchall() if cr.description else None
        finally:
            conn.close()


class Server:
    """An Odoo server on the cluster: its own configuration file and log."""

    def __init__(self, name, args, root, port, data_dir, workers=4, crons=1):
        self.name, self.base = name, f"http://127.0.0.1:{port}"
        self.log_path = os.path.join(args.root, f"{name}.log")
        conf = os.path.join(args.root, f"{name}.conf")
        with open(conf, "w") as handle:
            handle.write(
                "[options]\n"
                f"addons_path = {db.addons_path(root)}\ndata_dir = {data_dir}\n"
                f"db_host = 127.0.0.1\ndb_port = {args.primary_port}\n"
                f"db_replica_host = 127.0.0.1\ndb_replica_port = {args.replica_port}\n"
                f"db_name = {DB}\ndbfilter = ^{DB}$\nlist_db = False\n"
                f"workers = {workers}\nmax_cron_threads = {crons}\nhttp_port = {port}\n"
                f"gevent_port = {port + 10}\nlimit_time_real = 600\nlimit_time_cpu = 300\n"
                f"limit_memory_soft = 2147483648\nlimit_memory_hard = 2684354560\n"
                f"logfile = {self.log_path}\nlog_level = info\n"
            )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "odoo", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        for _second in range(180):
            try:
                urllib.request.urlopen(self.base + "/web/login", timeout=10).read()
                return
            except OSError:
                time.sleep(1)
        self.stop()
        db.die(f"The Odoo server {name} did not start; see {self.log_path}")

    def session(self, login, password):
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.post(opener, "/web/session/authenticate", {"db": DB, "login": login, "password": password})
        return opener

    def post(self, opener, path, params):
        body = json.dumps({"jsonrpc": "2.0", "params": params}).encode()
        request = urllib.request.Request(self.base + path, body, {"Content-Type": "application/json"})
        response = json.loads(opener.open(request, timeout=600).read())
        if "error" in response:
            raise RuntimeError(response["error"].get("data", {}).get("message") or response["error"])
        return response["result"]

    def rpc(self, opener, model, method, *args, **kwargs):
        params = {"model": model, "method": method, "args": args, "kwargs": kwargs}
        return self.post(opener, f"/web/dataset/call_kw/{model}/{method}", params)

    def get(self, opener, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        with opener.open(urllib.request.Request(self.base + path, body), timeout=600) as response:
            return response.status, response.read()

    def log_lines(self):
        try:
            with open(self.log_path, errors="replace") as log:
                return log.readlines()
        except OSError:
            return []

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Worker(harness.Worker):
    """The ORM on the primary (PGHOST / PGPORT of the driver's environment),
    with the servers' data directory (their filestore and signing key)."""

    def __init__(self, db_name, root):
        super().__init__(db_name, root)
        from odoo.tools import config

        config["data_dir"] = os.environ["IWA_BENCH_DATA_DIR"]

    def cmd_prepare(self, recurrences):
        import datetime

        from odoo import Command

        with self.cursor() as cr:
            env = self.env(cr, user_context=False)
            admin = env.ref("base.user_admin")
            accountant = env["res.users"].search([("login", "=", "accountant")], limit=1)
            admin.password, accountant.password = "admin", "accountant"
            company = admin.company_id
            if accountant not in company.accountant_user_ids:
                company.sudo().accountant_user_ids = [Command.link(accountant.id)]
            partners = env["res.partner"].search([("customer_rank", ">", 0)], limit=10).ids or (
                env["res.partner"].search([("is_company", "=", True)], limit=10).ids
            )
            product = env["product.product"].search([("sale_ok", "=", True)], limit=1)
            start = datetime.date.today() - datetime.timedelta(days=20)
            moves = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partners[index % len(partners)],
                        "invoice_date": start,
                        "invoice_line_ids": [
                            Command.create({"product_id": product.id, "quantity": 1, "price_unit": 100})
                        ],
                    }
                    for index in range(recurrences)
                ]
            )
            moves.action_post()
            # The copy's other crons are overdue: pushed a day ahead, so that
            # the cron threads run the ones measured when woken.
            env["ir.cron"].search([]).write(
                {"nextcall": datetime.datetime.now() + datetime.timedelta(days=1)}
            )
            env["ir.cron.trigger"].search([]).unlink()
            vals = [{"template_move_id": m.id, "interval_type": "month", "date_start": start} for m in moves]
            ids = env["invoice.recurrence"].create(vals).ids
            crons = {
                name: env.ref(f"{ADDON}.{xmlid}").id
                for name, xmlid in (
                    ("seal", "ir_cron_activity_log_seal"),
                    ("recurrence", "ir_cron_invoice_recurrence"),
                )
            }
            return {
                "company_id": company.id,
                "partner_ids": partners,
                "product_id": product.id,
                "recurrence_ids": ids,
                "crons": crons,
                "document_id": moves[:1].id,
            }

    def cmd_check(self, ids, recurrence_ids):
        with self.cursor() as cr:
            env = self.env(cr)
            link = env["invoice.activity.log.link"]
            sealed = link._seal()
            cr.commit()
            verify = link._verify_chain(env.company)
            cr.execute(POSTED, [ids])
            posted, one_sealed = cr.fetchone()
            cr.execute(
                "SELECT count(*), count(DISTINCT (recurrence_id, recurrence_period_date)),"
                " count(DISTINCT recurrence_id) FROM account_move WHERE recurrence_id = ANY(%s)",
                [recurrence_ids],
            )
            documents, periods, recurrences = cr.fetchone()
            cr.execute("SELECT count(*) FROM invoice_activity_log_pending")
            pending = cr.fetchone()[0]
            cr.execute("SELECT count(*), count(DISTINCT log_id) FROM invoice_activity_log_link")
            links, distinct_links = cr.fetchone()
        return {
            "sealed_now": sealed,
            "intact": verify["intact"],
            "chain": verify["count"],
            "posted": posted,
            "one_sealed": one_sealed,
            "documents": documents,
            "periods": periods,
            "recurrences": recurrences,
            "pending": pending,
            "links": links,
            "distinct_links": distinct_links,
        }


def find_key(source_db):
    from odoo.tools import config

    return os.path.join(config["data_dir"], ADDON, source_db)


def copy_database(args, cluster, data_dir):
    """The source database into the primary; its filestore and key into the
    servers' shared data directory."""
    dump = run("pg_dump", "--no-owner", "--no-privileges", args.source_db, env=system_env())
    cluster.sql("primary", f'CREATE DATABASE "{DB}"', dbname="postgres")
    run(f"{BIN}/psql", "-h", "127.0.0.1", "-p", str(args.primary_port), "-q", "-v", "ON_ERROR_STOP=1", DB,
        input=dump.stdout)  # fmt: skip
    cluster.sql("primary", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    from odoo.tools import config

    shutil.copytree(config.filestore(args.source_db), os.path.join(data_dir, "filestore", DB))
    shutil.copytree(find_key(args.source_db), os.path.join(data_dir, ADDON, DB))


def system_env():
    return {k: v for k, v in os.environ.items() if k not in ("PGHOST", "PGPORT")}


class Load:
    """The clients of one phase, until ``deadline``."""

    def __init__(self, servers, refs, args, sessions):
        self.servers, self.refs, self.args, self.sessions = servers, refs, args, sessions
        self.ids, self.failures, self.counts = [], [], {}
        self.lock = threading.Lock()

    def fail(self, what, exc):
        with self.lock:
            self.failures.append(f"{what}: {str(exc)[:200]}")

    def count(self, what):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def invoicing(self, index, deadline):
        server, opener = self.sessions["clients"][index]
        partners = self.refs["partner_ids"]
        line = {"product_id": self.refs["product_id"], "quantity": 1, "price_unit": 100}
        while time.time() < deadline:
            vals = {
                "move_type": "out_invoice",
                "partner_id": partners[index % len(partners)],
                "invoice_line_ids": [[0, 0, line]],
            }
            try:
                move_id = server.rpc(opener, "account.move", "create", [vals])[0]
                server.rpc(opener, "account.move", "action_post", [move_id])
                with self.lock:
                    self.ids.append(move_id)
            except Exception as exc:
                self.fail(f"invoice ({server.name})", exc)

    def accountant(self, deadline):
        company = self.refs["company_id"]
        sessions = self.sessions["accountant"]
        turn = 0
        while time.time() < deadline:
            server, opener = sessions[turn % len(sessions)]
            turn += 1
            try:
                pages = ("out_invoice", "history", "seals")
                for path in (f"/my/accounting/{company}/{page}" for page in pages):
                    _status, body = server.get(opener, path)
                    self.count("portal pages (read-only routes)")
                if turn % 4 == 1:
                    document = self.ids[-1] if self.ids else self.refs["document_id"]
                    server.get(opener, f"/my/accounting/{company}/document/{document}/pdf")
                    self.count("portal PDF downloads (logged)")
                    token = CSRF.search(body.decode(errors="replace"))
                    server.get(
                        opener,
                        f"/my/accounting/{company}/document/{document}/processed",
                        {"csrf_token": token.group(1) if token else "", "processed": "1"},
                    )
                    self.count("portal Processed flags (POST)")
            except Exception as exc:
                self.fail(f"accountant ({server.name})", exc)

    def history_list(self, deadline):
        sessions = self.sessions["owner"]
        turn = 0
        spec = {"date": {}, "user_id": {"fields": {"display_name": {}}}}
        spec.update(action_type={}, document_name={})
        while time.time() < deadline:
            server, opener = sessions[turn % len(sessions)]
            turn += 1
            try:
                model = "invoice.activity.log"
                server.rpc(opener, model, "web_search_read", [], specification=spec, limit=80)
                self.count("history list pages (web_search_read)")
            except Exception as exc:
                self.fail(f"history list ({server.name})", exc)

    def crons(self, cluster, deadline, recurrence):
        """Wake the sealer every 5 s (and the recurrence cron once) on both servers' cron threads."""
        crons = self.refs["crons"]
        woken = False
        while time.time() < deadline:
            ids = [crons["seal"]] + ([crons["recurrence"]] if recurrence and not woken else [])
            woken = True
            cluster.sql(
                "primary",
                "UPDATE ir_cron SET nextcall = now() AT TIME ZONE 'UTC' WHERE id = ANY(%s);"
                " NOTIFY cron_trigger",
                [ids],
            )
            time.sleep(5)

    def lag(self, cluster, start, seconds):
        time.sleep(start)
        cluster.sql("replica", "SELECT pg_wal_replay_pause()")
        paused = time.time()
        time.sleep(seconds)
        self.lag_seen = cluster.sql(
            "replica", "SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())"
        )[0][0]
        # What the replica's readers miss meanwhile: invoices posted on the primary.
        posted = "SELECT count(*) FROM account_move WHERE state = 'posted'"
        self.lag_behind = cluster.sql("primary", posted)[0][0] - cluster.sql("replica", posted)[0][0]
        cluster.sql("replica", "SELECT pg_wal_replay_resume()")
        self.lag_paused = time.time() - paused

    def run(self, cluster, seconds, recurrence, lag):
        deadline = time.time() + seconds
        clients = range(self.args.clients)
        threads = [threading.Thread(target=self.invoicing, args=(i, deadline)) for i in clients]
        threads += [
            threading.Thread(target=self.accountant, args=(deadline,)),
            threading.Thread(target=self.history_list, args=(deadline,)),
            threading.Thread(target=self.crons, args=(cluster, deadline, recurrence)),
        ]
        if lag:
            threads.append(threading.Thread(target=self.lag, args=(cluster, seconds / 3, lag)))
        started = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.seconds = time.time() - started
        return self


def replica_stats(cluster):
    stats = cluster.sql(
        "replica", "SELECT xact_commit, tup_returned FROM pg_stat_database WHERE datname = %s", [DB]
    )[0]
    return {"xact_commit": stats[0], "tup_returned": stats[1]}


def replica_statements(cluster):
    """The replica's statements on the addon's and Odoo's documents, by table."""
    rows = cluster.sql(
        "replica",
        "SELECT sum(calls) FILTER (WHERE query ILIKE '%%invoice_activity_log%%'),"
        " sum(calls) FILTER (WHERE query ILIKE '%%account_move%%'), sum(calls)"
        " FROM pg_stat_statements JOIN pg_database d ON d.oid = dbid WHERE d.datname = %s",
        [DB],
    )[0]
    return {"history": int(rows[0] or 0), "account_move": int(rows[1] or 0), "all": int(rows[2] or 0)}


def retries(servers):
    out = {}
    for server in servers:
        lines = server.log_lines()
        for label, mark in RETRY_MARKS.items():
            out[(server.name, label)] = sum(mark in line for line in lines)
        out[(server.name, "ERROR lines")] = sum(" ERROR " in line for line in lines)
    return out


REQUEST = re.compile(r'"(GET|POST) ([^ ?"]*)[^"]*" (\d+) .* (ro|rw|ro->rw)\s*$')


def request_modes(servers):
    """Requests per route, status and cursor mode, from the werkzeug lines of
    the servers' logs (Odoo 18 ends them with ro: the replica, rw: the
    primary, ro->rw: failed on the replica, then served by the primary)."""
    out = {}
    for server in servers:
        for line in server.log_lines():
            match = "werkzeug" in line and REQUEST.search(line)
            if match:
                method, path, status, mode = match.groups()
                key = (f"{method} {re.sub(r'/[0-9]+', '/N', path)}", status, mode)
                out[key] = out.get(key, 0) + 1
    return out


def cron_runs(servers):
    """Lines of the servers' cron threads starting the sealer or the recurrence cron."""
    out = {}
    for server in servers:
        for line in server.log_lines():
            if "odoo.addons.base.models.ir_cron" in line and "Job '" in line and "starting" in line:
                for name in ("seal new rows", "generate due documents"):
                    if name in line:
                        out[(server.name, name)] = out.get((server.name, name), 0) + 1
    return out


def keyless(args, root, data_dir):
    """A third server whose data directory has no signing key: it must serve
    (log in, create and post an invoice) and say the key is missing."""
    os.makedirs(data_dir, exist_ok=True)
    shutil.copytree(os.path.join(args.root, "data", "filestore"), os.path.join(data_dir, "filestore"))
    server = Server("server_nokey", args, root, args.http_port + 2, data_dir, workers=0, crons=0)
    try:
        opener = server.session("admin", "admin")
        refs = args.refs
        vals = {
            "move_type": "out_invoice",
            "partner_id": refs["partner_ids"][0],
            "invoice_line_ids": [[0, 0, {"product_id": refs["product_id"], "price_unit": 100}]],
        }
        move_id = server.rpc(opener, "account.move", "create", [vals])[0]
        server.rpc(opener, "account.move", "action_post", [move_id])
        served = True
    except Exception as exc:
        served = f"failed: {exc}"
    finally:
        server.stop()
    said = [line.strip() for line in server.log_lines() if "signing key" in line.lower()]
    return {"served": served, "said": said[:2]}


def main():
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--source-db", default="iwa_base")
    parser.add_argument("--seconds", type=int, default=30, help="per phase (history off, then on)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--recurrences", type=int, default=20)
    parser.add_argument("--lag", type=int, default=5, help="seconds of paused replay in the history-on phase")
    parser.add_argument("--root", default=os.path.join(tempfile.gettempdir(), "iwa_bench_replica"))
    parser.add_argument("--primary-port", type=int, default=55432)
    parser.add_argument("--replica-port", type=int, default=55433)
    parser.add_argument("--http-port", type=int, default=18140, help="first of three ports")
    parser.add_argument("--keep", action="store_true", help="leave the cluster and servers' files")
    parser.add_argument("--output", default=os.path.join(db.BENCH_DIR, "results", "replica.md"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--source-root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.exit(harness.worker.serve(Worker, args.db, args.source_root))
    from odoo.tools import config

    config.parse_config([])
    started, machine = time.time(), harness.report.machine()
    source = db.Source()
    print(f"Addon source: {source.describe}", flush=True)
    if os.path.exists(args.root):
        db.die(f"{args.root} exists: a previous run left it (--keep?); remove it first")
    cluster = Cluster(args.root, args.primary_port, args.replica_port)
    servers, worker = [], None
    try:
        cluster.start()
        data_dir = os.path.join(args.root, "data")
        copy_database(args, cluster, data_dir)
        os.environ.update(PGHOST="127.0.0.1", PGPORT=str(args.primary_port), IWA_BENCH_DATA_DIR=data_dir)
        worker = harness.worker.WorkerProcess(DB, source.root)
        refs = worker.call("prepare", recurrences=args.recurrences)
        args.refs = refs
        worker.stop()
        cluster.replicate()
        print("Cluster: primary and replica up", flush=True)
        for index in range(2):
            servers.append(Server(f"server{index + 1}", args, source.root, args.http_port + index, data_dir))
        print("Servers up", flush=True)
        # Logged in before the phases: a login writes (web.base.url, the
        # session) and is no part of the load measured.
        sessions = {
            "clients": [
                (servers[i % 2], servers[i % 2].session("admin", "admin")) for i in range(args.clients)
            ],
            "accountant": [(server, server.session("accountant", "accountant")) for server in servers],
            "owner": [(server, server.session("admin", "admin")) for server in servers],
        }
        phases = {}
        for phase, enabled in (("off", False), ("on", True)):
            cluster.sql("primary", "UPDATE res_company SET activity_log_enabled = %s", [enabled])
            cluster.sql("replica", "SELECT pg_stat_reset()")
            before = replica_stats(cluster)
            load = Load(servers, refs, args, sessions).run(
                cluster, args.seconds, recurrence=enabled, lag=args.lag if enabled else 0
            )
            time.sleep(1)
            after = replica_stats(cluster)
            load.replica = {key: after[key] - before[key] for key in after}
            load.statements = replica_statements(cluster)
            phases[phase] = load
            print(
                f"  history {phase}: {len(load.ids)} invoices in {load.seconds:.0f} s, "
                f"{len(load.failures)} failed requests; replica {load.replica}",
                flush=True,
            )
        # The recurrence cron woken in the on phase may still be running.
        count = "SELECT count(*) FROM account_move WHERE recurrence_id = ANY(%s)"
        for _second in range(240):
            if cluster.sql("primary", count, [refs["recurrence_ids"]])[0][0] >= args.recurrences:
                break
            time.sleep(1)
        time.sleep(10)  # the last sealer runs
        worker = harness.worker.WorkerProcess(DB, source.root)
        check = worker.call("check", ids=phases["on"].ids, recurrence_ids=refs["recurrence_ids"])
        worker.stop()
        logged = retries(servers)
        modes = request_modes(servers)
        crons = cron_runs(servers)
        for server in servers:
            server.stop()
        nokey = keyless(args, source.root, os.path.join(args.root, "data_nokey"))
    finally:
        for server in servers:
            server.stop()
        if worker:
            worker.stop()
        cluster.stop(remove=not args.keep)
    body = report(args, phases, check, logged, crons, nokey, modes)
    write(args, source, machine, started, body)


def report(args, phases, check, logged, crons, nokey, modes):
    rows = []

    def row(measure, value, target="-", good=None):
        rows.append([measure, str(value), target, "-" if good is None else "PASS" if good else "FAIL"])

    for phase, load in phases.items():
        name = f"History {phase}"
        row(f"{name}: invoices created and posted", f"{len(load.ids)} ({len(load.ids) / load.seconds:.2f}/s)")
        row(f"{name}: failed requests", len(load.failures), "0", not load.failures)
        for what, count in sorted(load.counts.items()):
            row(f"{name}: {what}", count)
        replica, statements = load.replica, load.statements
        row(
            f"{name}: replica transactions / rows returned",
            f"{replica['xact_commit']} / {replica['tup_returned']}",
            "> 0",
            replica["xact_commit"] > 0,
        )
        row(
            f"{name}: replica statements on the history / account_move / all, since the start",
            f"{statements['history']} / {statements['account_move']} / {statements['all']}",
        )
    on = phases["on"]
    if hasattr(on, "lag_paused"):
        row(
            "Replica replay paused (history on): lag, posted invoices the replica missed",
            f"{on.lag_paused:.1f} s paused, lag {float(on.lag_seen or 0):.1f} s, {on.lag_behind} invoices",
        )
    row(
        "Posted with the history on: one sealed document_posted row",
        f"{check['one_sealed']} of {check['posted']} ({len(on.ids)} posted by the clients)",
        "all",
        check["one_sealed"] == check["posted"] == len(on.ids),
    )
    verify = f"intact {check['intact']}, {check['chain']} rows"
    row("Verify (_verify_chain)", verify, "intact", check["intact"])
    twice = check["links"] - check["distinct_links"]
    row("History rows linked twice (sealed by two sealers)", twice, "0", not twice)
    row("Rows left pending after the last seal", check["pending"])
    periods = (check["documents"], check["periods"], check["recurrences"])
    row(
        "Recurrences: documents / distinct periods / recurrences",
        f"{' / '.join(map(str, periods))} of {args.recurrences}",
        "one each",
        set(periods) == {args.recurrences},
    )
    for (server, label), count in sorted(logged.items()):
        if label == "read-only retries":
            row(f"{server}: {label} in its log", count, "0", not count)
        else:
            row(f"{server}: {label} in its log", count)
    for (server, name), count in sorted(crons.items()):
        row(f"{server}: cron '{name}' started", count)
    retried = sum(count for (_route, _status, mode), count in modes.items() if mode == "ro->rw")
    row("Requests retried on the primary after the replica (ro->rw)", retried, "0", not retried)
    row("Server without the signing key: serves", nokey["served"], "True", nokey["served"] is True)
    said = " / ".join(line.split(": ", 1)[-1][:160] for line in nokey["said"]) or "nothing"
    row("Server without the signing key: says so", said, "a warning", bool(nokey["said"]))
    requests = [[route, status, mode, str(count)] for (route, status, mode), count in sorted(modes.items())]
    failures = [f"- {line}" for load in phases.values() for line in load.failures[:10]]
    body = ["## Results", "", harness.table(["Measure", "Value", "Target", "Result"], rows), ""]
    body += ["## Requests by route and cursor (both servers' logs: ro = replica, rw = primary)", ""]
    body += [harness.table(["Route", "Status", "Cursor", "Requests"], requests), ""]
    return body + (["## First failures", "", *failures, ""] if failures else [])


def write(args, source, machine, started, body):
    command = " ".join(["bench/bench_replica.py", *sys.argv[1:]])
    text = [
        "# Benchmark: two servers, one primary, one replica",
        "",
        f"- Date: {machine['date']}",
        f"- Machine: {machine['cpu']}, {machine['memory']} RAM, {machine['system']}",
        f"- Load average (1 min) before / after: {machine['load']:.2f} / {os.getloadavg()[0]:.2f}",
        f"- Repository: commit {source.head}; addon source: {source.describe}",
        f"- Command: `{command}`",
        f"- Database: a copy of `{args.source_db}` on a private PostgreSQL 15 primary (port "
        f"{args.primary_port}) streaming to a replica (port {args.replica_port}); two servers "
        f"`--workers=4 --max-cron-threads=1`, the replica as `db_replica_host`; {args.clients} invoicing "
        f"clients, the accountant (portal), the history list; {args.seconds} s per phase; replay paused "
        f"{args.lag} s in the history-on phase",
        f"- Whole run: {time.time() - started:.0f} s",
        "",
        *body,
    ]
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as handle:
        handle.write("\n".join(text) + "\n")
    print("\n".join(body))
    print(f"Results: {os.path.relpath(args.output)}")


if __name__ == "__main__":
    main()
