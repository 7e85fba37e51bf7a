#!/usr/bin/env python3
"""Benchmark the recurring invoices of invoice_workflow_audit.

In one run, ``--count`` (1,000) posted customer invoices, made in turn by:

* ``direct_plain``: plain Odoo (``account`` only), created and posted one by
  one through the ORM, one transaction each (``create``, ``action_post``,
  ``COMMIT``);
* ``direct_addon``: the same, in the database where the addon is installed;
* ``recurrence``: the addon's cron (``ir_cron_invoice_recurrence``,
  ``invoice.recurrence._cron_generate_recurring_documents``) generating and
  posting the due invoices of ``--count`` recurrences, run as the cron worker
  runs it (``ir.cron._run_job``: progress record, ``_callback``, commit, again
  while the progress says recurrences remain);
* ``recurrence_log``: the same with the company's activity history switched on
  (only with ``--with-log``: it adds about a quarter to the run time);
* ``contract``: OCA ``contract`` (``odoo-addon-contract`` 18.0, from PyPI) and
  its cron (``contract_cron_for_invoice``, ``cron_recurring_create_invoice``)
  generating the invoices of ``--count`` contracts, run the same way; contract
  creates drafts, so the timed section also posts them (``action_post`` of the
  generated invoices, then ``COMMIT``).

Three databases, each driven by its own python3 subprocess (this script with
``--worker``): plain ``account``; ``account`` + the addon; ``account`` +
``contract``. Each is built once (install, chart of accounts, customers, the
product) and kept as a base; every run works on fresh copies of the bases
(``CREATE DATABASE ... TEMPLATE``), dropped at the end. Every round prepares
its own recurrences or contracts (untimed), then times the generation only,
and checks that exactly ``--count`` posted invoices were made, with the
expected amounts. The sides take turns, round after round.

The results go to ``bench/results/invoice_recurrence.md`` and to stdout.

    bench/bench_invoice_recurrence.py                        # 1000 invoices x 3 rounds, 25-40 min
    bench/bench_invoice_recurrence.py --with-log             # + the activity log side, a quarter longer
    bench/bench_invoice_recurrence.py --count 50 --rounds 1  # a quick check of the script
    bench/bench_invoice_recurrence.py --addon-ref HEAD       # the addon as committed
"""

import argparse
import atexit
import cProfile
import datetime
import hashlib
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
ADDON = "invoice_workflow_audit"
RESULTS = os.path.join(BENCH_DIR, "results", "invoice_recurrence.md")
DB_PREFIX = "iwa_bench_rec_"
CONTRACT_PACKAGE = "odoo-addon-contract"

# Bump when the base data changes: bases built by another version of this
# script are rebuilt instead of reused.
DATASET_VERSION = 1
DATASET_PARAM = "iwa_bench_rec.dataset"
REFS_PARAM = "iwa_bench_rec.refs"

# Left out of the source fingerprint: what the server does not run.
FINGERPRINT_SKIPPED_DIRS = {"tests", "i18n", "static", "readme", "__pycache__"}
FINGERPRINT_SKIPPED_SUFFIXES = (".pyc", ".po", ".pot", ".md", ".rst")

# The databases: modules installed, what they are.
KINDS = {
    "plain": (["account"], "account only"),
    "addon": (["account", ADDON], f"account + {ADDON}"),
    "contract": (["account", "contract"], "account + OCA contract"),
}
# The measured sides: database, label. Measured in this order in the first
# round, then each round starts one further.
SIDES = {
    "direct_plain": ("plain", "Direct create + post, plain account"),
    "recurrence": ("addon", f"Recurrence cron ({ADDON})"),
    "contract": ("contract", "OCA contract cron + post"),
    "direct_addon": ("addon", f"Direct create + post, account + {ADDON}"),
    "recurrence_log": ("addon", "Recurrence cron, activity log on"),
}
RECURRENCE_CRON = f"{ADDON}.ir_cron_invoice_recurrence"
CONTRACT_CRON = "contract.contract_cron_for_invoice"
# The cron runner gives up after this many calls of a cron that still reports
# work remaining (10 per job run in Odoo, then it runs again at once).
MAX_CRON_CALLS = 1000

CUSTOMER_COUNT = 10  # invoice i goes to customer i % 10, on every side
PRICE = 100.0
TARGET_DIRECT = 1.30  # recurrence cron within 1.3x of direct creation (plain Odoo)
TARGET_CONTRACT = 1.00  # and faster than OCA contract
PROFILE_TOP = 10


def die(message):
    print(f"\n*** {message}", file=sys.stderr, flush=True)
    sys.exit(2)


# Where the addon is read from: a snapshot of the working tree taken at the
# start of the run, or the export of a commit (--addon-ref).
SOURCE = {"root": REPO}


def contract_addons_dir():
    """The directory holding OCA contract (pip installs it in the odoo.addons
    namespace, site-packages/odoo/addons), or None when it is missing."""
    try:
        import odoo.addons.contract as contract
    except ImportError:
        return None
    return os.path.dirname(next(iter(contract.__path__)))


def addons_path():
    """The addon's source root, Odoo's own addons directories, then the
    directory of the pip-installed contract."""
    import odoo

    paths = [SOURCE["root"], os.path.join(os.path.dirname(odoo.__file__), "addons")]
    root_addons = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons")
    if os.path.isdir(root_addons):
        paths.append(root_addons)
    contract = contract_addons_dir()
    if contract:
        paths.append(contract)
    return ",".join(dict.fromkeys(paths))


# ======================================================================
# Worker: one per database, driven through JSON lines on stdin / stdout
# ======================================================================


class Worker:
    """Everything that runs inside one database's subprocess."""

    def __init__(self, db):
        import odoo
        from odoo.tools import config

        config.parse_config(
            ["--addons-path", addons_path(), "--log-level", "warn", "--max-cron-threads", "0"],
            setup_logging=True,
        )
        self.odoo = odoo
        self.db = db
        self.registry = odoo.modules.registry.Registry(db)
        self.refs = None

    # -- helpers -------------------------------------------------------

    def env(self, cr, uid=None, context=None):
        """An environment as the cron runner makes one: the user, no context
        (no lang, no tz) but the given one. Superuser by default, the user of
        both crons (OdooBot)."""
        from odoo import SUPERUSER_ID, api

        return api.Environment(cr, uid or SUPERUSER_ID, dict(context or {}))

    def cursor(self):
        return self.registry.cursor()

    def has_module(self, name):
        return name in self.registry._init_modules

    def load_refs(self):
        if self.refs is None:
            with self.cursor() as cr:
                raw = self.env(cr)["ir.config_parameter"].get_param(REFS_PARAM)
            self.refs = json.loads(raw)
        return self.refs

    @staticmethod
    def _max_id(cr, table):
        cr.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')
        return cr.fetchone()[0]

    # -- commands ------------------------------------------------------

    def cmd_info(self):
        with self.cursor() as cr:
            cr.execute("SHOW server_version")
            pg_version = cr.fetchone()[0]
            cr.execute(
                "SELECT name, latest_version FROM ir_module_module WHERE state = 'installed' AND name IN %s",
                [("account", ADDON, "contract")],
            )
            modules = dict(cr.fetchall())
            env = self.env(cr)
            product = env["product.product"].browse(self.load_refs()["product_id"])
            taxes = ", ".join(product.taxes_id.mapped("name"))
            description = f"{product.name}, {product.type}, {PRICE:.2f}, sales tax {taxes}"
        return {
            "odoo_version": self.odoo.release.version,
            "postgres_version": pg_version,
            "modules": modules,
            "product": description,
        }

    def cmd_prepare(self, dataset):
        """Chart of accounts, customers, the product (a service, the company's
        default sales tax), the refs; then VACUUM ANALYZE."""
        from odoo import Command

        timings = {}
        started = time.perf_counter()
        with self.cursor() as cr:
            env = self.env(cr)
            if not env.company.chart_template:
                env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)
        timings["chart_of_accounts_s"] = time.perf_counter() - started

        with self.cursor() as cr:
            env = self.env(cr)
            company = env.company
            partners = env["res.partner"].create(
                [
                    {
                        "name": f"IWA Bench Customer {index:02d}",
                        "email": f"customer{index:02d}@example.com",
                        "customer_rank": 1,
                    }
                    for index in range(1, CUSTOMER_COUNT + 1)
                ]
            )
            product = env["product.product"].create(
                {"name": "IWA Bench Subscription", "type": "service", "list_price": PRICE}
            )
            if not product.taxes_id and company.account_sale_tax_id:
                product.taxes_id = [Command.set(company.account_sale_tax_id.ids)]
            if not product.taxes_id:
                raise RuntimeError("The company has no default sales tax for the product.")
            journal = env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
            )
            refs = {
                "partner_ids": partners.ids,
                "product_id": product.id,
                "journal_id": journal.id,
                "company_id": company.id,
            }
            env["ir.config_parameter"].set_param(REFS_PARAM, json.dumps(refs))
        self.refs = refs

        started = time.perf_counter()
        self._maintenance("VACUUM ANALYZE")
        timings["vacuum_analyze_s"] = time.perf_counter() - started
        with self.cursor() as cr:
            self.env(cr)["ir.config_parameter"].set_param(DATASET_PARAM, dataset)
        return timings

    def _maintenance(self, *statements):
        """Run statements that cannot run in a transaction (VACUUM)."""
        import psycopg2

        from odoo.sql_db import connection_info_for

        conn = psycopg2.connect(**connection_info_for(self.db)[1])
        conn.autocommit = True
        try:
            with conn.cursor() as cr:
                for statement in statements:
                    cr.execute(statement)
        finally:
            conn.close()

    # -- the rounds ----------------------------------------------------

    def _invoice_vals(self, index, today):
        from odoo import Command

        refs = self.load_refs()
        return {
            "move_type": "out_invoice",
            "partner_id": refs["partner_ids"][index % len(refs["partner_ids"])],
            "invoice_date": today,
            "invoice_line_ids": [
                Command.create({"product_id": refs["product_id"], "quantity": 1.0, "price_unit": PRICE})
            ],
        }

    def cmd_round(self, side, count, round_index, profile=False):
        """One round of ``side``: its untimed setup, the timed generation, the
        checks. ``profile``: run the timed section under cProfile."""
        from odoo import fields

        self.load_refs()
        result = {"side": side}
        with self.cursor() as cr:
            env = self.env(cr)
            today = fields.Date.context_today(env["account.move"])
            if side in ("recurrence", "recurrence_log"):
                self._set_log(env, side == "recurrence_log")
            started = time.perf_counter()
            setup = getattr(self, f"_setup_{side.split('_')[0]}", None)
            ids = setup(env, count, round_index, today) if setup else None
            cr.commit()
            result["setup_seconds"] = time.perf_counter() - started
            before = self._max_id(cr, "account_move")
            profiler = cProfile.Profile() if profile else None
            queries = cr.sql_log_count
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            timed = getattr(self, f"_run_{side.split('_')[0]}")(cr, count, today)
            result["seconds"] = time.perf_counter() - started
            if profiler:
                profiler.disable()
            result["queries"] = cr.sql_log_count - queries
            result.update(timed)
            result["check"] = self._check_round(env, side, before, ids, count, today)
            if side == "recurrence_log":
                self._set_log(env, False)
            cr.commit()
        if profiler:
            result["profile"] = profile_report(profiler)
        return result

    def _set_log(self, env, enabled):
        """Switch the company's activity history (committed by the caller)."""
        company = env["res.company"].browse(self.load_refs()["company_id"])
        if company.activity_log_enabled != enabled:
            company.activity_log_enabled = enabled

    def _setup_recurrence(self, env, count, round_index, today):
        """``count`` base documents (draft invoices, as the direct side creates
        them) and a monthly recurrence on each, starting today: all due."""
        Move = env["account.move"].with_context(default_move_type="out_invoice")
        templates = Move.create([self._invoice_vals(index, today) for index in range(count)])
        recurrences = env["invoice.recurrence"].create(
            [
                {
                    "template_move_id": template.id,
                    "interval_number": 1,
                    "interval_type": "month",
                    "date_start": today,
                    "auto_post": True,
                    "auto_send": False,
                }
                for template in templates
            ]
        )
        due = recurrences.filtered(lambda recurrence: recurrence.date_next == today)
        if len(due) != count:
            raise RuntimeError(f"{len(due)} of {count} recurrences due today")
        return recurrences.ids

    def _setup_contract(self, env, count, round_index, today):
        """``count`` sale contracts of one line each, monthly, pre-paid,
        starting today: all due today."""
        from odoo import Command

        refs = self.load_refs()
        product = env["product.product"].browse(refs["product_id"])
        partner_ids = refs["partner_ids"]
        contracts = env["contract.contract"].create(
            [
                {
                    "name": f"IWA Bench Contract {round_index}-{index:05d}",
                    "partner_id": partner_ids[index % len(partner_ids)],
                    "contract_type": "sale",
                    "journal_id": refs["journal_id"],
                    "line_recurrence": False,
                    "recurring_rule_type": "monthly",
                    "recurring_interval": 1,
                    "recurring_invoicing_type": "pre-paid",
                    "date_start": today,
                    "contract_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "name": product.name,
                                "quantity": 1.0,
                                "uom_id": product.uom_id.id,
                                "price_unit": PRICE,
                            }
                        )
                    ],
                }
                for index in range(count)
            ]
        )
        due = contracts.filtered(lambda contract: contract.recurring_next_date == today)
        if len(due) != count:
            raise RuntimeError(f"{len(due)} of {count} contracts due today")
        return contracts.ids

    def _run_direct(self, cr, count, today):
        """One transaction per invoice: create, post, COMMIT."""
        Move = self.env(cr, context={"default_move_type": "out_invoice"})["account.move"]
        for index in range(count):
            Move.create(self._invoice_vals(index, today)).action_post()
            cr.commit()
        return {"cron_calls": 0}

    def _run_cron(self, cr, xmlid):
        """Run a cron as ``ir.cron._run_job`` does (without the job's lock):
        a progress record, the server action through ``_callback``, a commit;
        again while the cron reports work done and work remaining. Returns the
        number of calls."""
        from odoo import api

        cron = self.env(cr).ref(xmlid)
        job_env = api.Environment(cr, cron.user_id.id, {"lastcall": cron.lastcall, "cron_id": cron.id})
        job_cron = job_env["ir.cron"].browse(cron.id)
        name, action_id = cron.cron_name, cron.ir_actions_server_id.id
        for calls in range(1, MAX_CRON_CALLS + 1):
            running, progress = job_cron._add_progress(timed_out_counter=0)
            cr.commit()
            running._callback(name, action_id)
            cr.commit()
            if not (progress.done and progress.remaining):
                return calls
        raise RuntimeError(f"{xmlid} still reports work remaining after {MAX_CRON_CALLS} calls")

    def _run_recurrence(self, cr, count, today):
        return {"cron_calls": self._run_cron(cr, RECURRENCE_CRON)}

    def _run_contract(self, cr, count, today):
        """The contract cron, then the posting of the drafts it created (the
        whole batch, as the list's Confirm does), then COMMIT."""
        before = self._max_id(cr, "account_move")
        started = time.perf_counter()
        calls = self._run_cron(cr, CONTRACT_CRON)
        generated = time.perf_counter() - started
        env = self.env(cr)
        drafts = env["account.move"].search(
            [("id", ">", before), ("move_type", "=", "out_invoice"), ("state", "=", "draft")]
        )
        drafts.action_post()
        cr.commit()
        return {
            "cron_calls": calls,
            "phases": {"generate": generated, "post": time.perf_counter() - started - generated},
        }

    def _check_round(self, env, side, before, ids, count, today):
        """What the round made: exactly ``count`` posted customer invoices,
        dated today, 100 + tax each; nothing left due."""
        cr = env.cr
        env.invalidate_all()
        cr.execute(
            """
            SELECT count(*), count(*) FILTER (WHERE state = 'posted'),
                   count(DISTINCT invoice_date), min(invoice_date), sum(amount_untaxed),
                   min(amount_total), max(amount_total)
              FROM account_move WHERE id > %s AND move_type = 'out_invoice'
            """,
            [before],
        )
        total, posted, dates, date, untaxed, min_total, max_total = cr.fetchone()
        check = {
            "invoices": total,
            "posted": posted,
            "dated_today": dates == 1 and date == today,
            "untaxed": float(untaxed or 0),
            "total_range": [float(min_total or 0), float(max_total or 0)],
        }
        if side.startswith("recurrence"):
            moves = env["account.move"].search_count(
                [("recurrence_id", "in", ids), ("state", "=", "posted"), ("id", ">", before)]
            )
            check["linked"] = moves
            check["left_due"] = env["invoice.recurrence"].search_count(
                [("state", "=", "running"), ("date_next", "<=", today)]
            )
            check["stopped"] = env["invoice.recurrence"].search_count([("state", "=", "stopped")])
            cr.execute("SELECT count(*) FROM invoice_activity_log")
            check["log_rows_total"] = cr.fetchone()[0]
        if side == "contract":
            contracts = env["contract.contract"].browse(ids)
            check["linked"] = env["account.move"].search_count(
                [("invoice_origin", "in", contracts.mapped("name")), ("state", "=", "posted")]
            )
            check["left_due"] = env["contract.contract"].search_count([("recurring_next_date", "<=", today)])
        ok = (
            total == count
            and posted == count
            and check["dated_today"]
            and abs(check["untaxed"] - count * PRICE) < 0.01
            and check["total_range"][0] == check["total_range"][1]
            and check.get("linked", count) == count
            and not check.get("left_due")
            and not check.get("stopped")
        )
        check["ok"] = ok
        return check


def profile_report(profiler):
    """The top functions by cumulative time: of the addon, and of everything."""
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    rows = []
    for (filename, line, function), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():
        rows.append(
            {
                "function": function,
                "where": f"{short_path(filename)}:{line}",
                "addon": f"/{ADDON}/" in filename,
                "ncalls": ncalls,
                "tottime": tottime,
                "cumtime": cumtime,
            }
        )
    rows.sort(key=lambda row: row["cumtime"], reverse=True)
    by_own = sorted(rows, key=lambda row: row["tottime"], reverse=True)[: PROFILE_TOP * 2]
    addon_rows = [row for row in rows if row["addon"]][:PROFILE_TOP]
    overall = [row for row in rows if not row["where"].startswith(("~", "<"))][: PROFILE_TOP * 3]
    return {"total": total, "addon": addon_rows, "overall": overall, "own": by_own}


def short_path(filename):
    """A path from the package root: odoo/..., odoo/addons/..., or the addon."""
    for marker in (f"/{ADDON}/", "/odoo/addons/", "/addons/", "/odoo/"):
        if marker in filename:
            head = marker.strip("/").split("/")[-1] if marker != f"/{ADDON}/" else ADDON
            return head + "/" + filename.split(marker, 1)[1]
    return filename


def worker_main(db):
    # The protocol owns the real stdout; anything Odoo prints goes to stderr.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    worker = None
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if worker is None:
                worker = Worker(db)
            if request["command"] == "quit":
                protocol.write(json.dumps({"ok": True, "result": None}) + "\n")
                break
            result = getattr(worker, "cmd_" + request["command"])(**request.get("args", {}))
            response = {"ok": True, "result": result}
        except Exception:
            response = {"ok": False, "error": traceback.format_exc()}
        protocol.write(json.dumps(response, default=str) + "\n")
    return 0


# ======================================================================
# Driver
# ======================================================================


class WorkerProcess:
    def __init__(self, db, label):
        self.db = db
        self.label = label
        self.log_path = os.path.join(tempfile.gettempdir(), f"{db}.worker.log")
        self.log = open(self.log_path, "a")  # closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                os.path.abspath(__file__),
                "--worker",
                "--db",
                db,
                "--source-root",
                SOURCE["root"],
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            bufsize=1,
        )

    def call(self, command, **args):
        self.process.stdin.write(json.dumps({"command": command, "args": args}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            die(f"The {self.label} worker ({self.db}) died during {command}; its log: {self.log_path}")
        response = json.loads(line)
        if not response["ok"]:
            die(f"The {self.label} worker ({self.db}) failed during {command}:\n{response['error']}")
        return response["result"]

    def stop(self):
        if self.process.poll() is None:
            try:
                self.call("quit")
            finally:
                self.process.stdin.close()
                self.process.wait(timeout=60)
        self.log.close()


def check_db_name(name):
    if not name.startswith(DB_PREFIX):
        die(f"Refusing to touch database {name}: benchmark databases are named {DB_PREFIX}*")


def postgres(dbname="postgres", autocommit=True):
    import psycopg2

    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = autocommit
    return conn


def database_exists(name):
    conn = postgres()
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return bool(cr.fetchone())
    finally:
        conn.close()


def filestore(name):
    from odoo.tools import config

    return config.filestore(name)


def drop_database(name):
    check_db_name(name)
    conn = postgres()
    try:
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()
    shutil.rmtree(filestore(name), ignore_errors=True)


def copy_database(source, target):
    """A fresh copy of a base database (and its filestore) for one run."""
    check_db_name(target)
    drop_database(target)
    started = time.perf_counter()
    conn = postgres()
    try:
        with conn.cursor() as cr:
            cr.execute(f'CREATE DATABASE "{target}" WITH TEMPLATE "{source}"')
    finally:
        conn.close()
    if os.path.isdir(filestore(source)):
        shutil.copytree(filestore(source), filestore(target))
    return time.perf_counter() - started


def install_database(name, modules):
    check_db_name(name)
    log_path = os.path.join(tempfile.gettempdir(), f"{name}.install.log")
    print(f"  {name}: installing {','.join(modules)} (log: {log_path})", flush=True)
    started = time.perf_counter()
    with open(log_path, "w") as log:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "odoo",
                "-d",
                name,
                f"--addons-path={addons_path()}",
                "-i",
                ",".join(modules),
                "--without-demo=all",
                "--stop-after-init",
                "--no-http",
                "--max-cron-threads=0",
                "--log-level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if run.returncode:
        die(f"Installing {modules} in {name} failed (exit {run.returncode}); see {log_path}")
    seconds = time.perf_counter() - started
    print(f"  {name}: installed in {seconds:.0f} s", flush=True)
    return seconds


def addon_fingerprint(root=None):
    """A hash of the addon's server-side source: a base built from other
    source is rebuilt instead of reused."""
    root = os.path.join(root or SOURCE["root"], ADDON)
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(name for name in dirnames if name not in FINGERPRINT_SKIPPED_DIRS)
        for filename in sorted(filenames):
            if filename.endswith(FINGERPRINT_SKIPPED_SUFFIXES):
                continue
            path = os.path.join(dirpath, filename)
            digest.update(os.path.relpath(path, root).encode() + b"\0")
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:12]


def contract_version():
    from importlib import metadata

    if not contract_addons_dir():
        return None
    try:
        return metadata.version(CONTRACT_PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown version"


def git(*args):
    run = subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True, check=False)
    return run.stdout.strip() if run.returncode == 0 else None


def export_addon(ref):
    """Export the addon as of git revision ``ref`` to a temporary directory,
    which becomes the addon's source root; returns the commit."""
    commit = git("rev-parse", "--verify", "--short", f"{ref}^{{commit}}")
    if not commit:
        die(f"--addon-ref {ref}: no such commit in {REPO}")
    root = tempfile.mkdtemp(prefix="iwa_bench_rec_addon_")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    archive = subprocess.run(
        ["git", "-C", REPO, "archive", "--format=tar", commit, ADDON], capture_output=True, check=False
    )
    if archive.returncode:
        die(f"git archive {commit} {ADDON} failed: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", root], input=archive.stdout, check=True)
    SOURCE["root"] = root
    return commit


def snapshot_addon():
    """Copy the working tree's addon to a temporary directory, which becomes
    the addon's source root: the whole run measures the code as it was when
    the run started, whatever is edited meanwhile."""
    root = tempfile.mkdtemp(prefix="iwa_bench_rec_addon_")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    shutil.copytree(
        os.path.join(REPO, ADDON), os.path.join(root, ADDON), ignore=shutil.ignore_patterns("__pycache__")
    )
    SOURCE["root"] = root


def addon_identity(fingerprint, ref=None, commit=None):
    """Which code of the addon is measured: git commit, local changes, fingerprint."""
    if ref:
        return f"commit {commit} (--addon-ref {ref}, exported with git archive; fingerprint {fingerprint})"
    head = git("rev-parse", "--short", "HEAD") or "unknown commit"
    changes = " + uncommitted changes" if git("status", "--porcelain", "--", ADDON) else ""
    return (
        f"working tree of commit {head}{changes}, copied at the start of the run "
        f"(source fingerprint {fingerprint})"
    )


def dataset_key(kind, fingerprint, contract):
    """What a base of ``kind`` must hold to be reused."""
    import odoo.release

    key = {"version": DATASET_VERSION, "odoo": odoo.release.version, "kind": kind}
    if kind == "addon":
        key["addon_source"] = fingerprint
    if kind == "contract":
        key["contract"] = contract
    return json.dumps(key, sort_keys=True)


def database_state(name):
    """What database ``name`` holds, read in SQL. None when it does not exist."""
    if not database_exists(name):
        return None
    conn = postgres(name, autocommit=False)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT to_regclass('ir_config_parameter'), to_regclass('ir_module_module')")
            if None in cr.fetchone():
                return {"installed": set(), "dataset": None, "started": True}
            cr.execute(
                "SELECT key, value FROM ir_config_parameter WHERE key IN %s", [(DATASET_PARAM, REFS_PARAM)]
            )
            params = dict(cr.fetchall())
            cr.execute(
                "SELECT name FROM ir_module_module WHERE state = 'installed' AND name IN %s",
                [("account", ADDON, "contract")],
            )
            installed = {row[0] for row in cr.fetchall()}
    finally:
        conn.close()
    return {"installed": installed, "dataset": params.get(DATASET_PARAM), "started": REFS_PARAM in params}


def ready_bases(args, fingerprint, contract):
    """The base database of each kind: reused when it holds the wanted data,
    else built (install + prepare). Returns build timings."""
    timings = {}
    for kind in args.kinds:
        name = args.bases[kind]
        modules = KINDS[kind][0]
        wanted = dataset_key(kind, fingerprint, contract)
        state = database_state(name)
        if state and not args.rebuild and state["installed"] == set(modules) and state["dataset"] == wanted:
            print(f"  {name}: reusing it", flush=True)
            continue
        timings[kind] = {}
        blank = state and state["installed"] == set(modules) and not state["dataset"] and not state["started"]
        if state and not (blank and not args.rebuild):
            reason = "--rebuild" if args.rebuild else "other data set, addon source or modules"
            print(f"  {name}: dropping ({reason})", flush=True)
            drop_database(name)
            blank = False
        if not blank:
            timings[kind]["install_s"] = install_database(name, modules)
        worker = WorkerProcess(name, kind)
        try:
            print(f"  {name}: preparing the data", flush=True)
            timings[kind].update(worker.call("prepare", dataset=wanted))
        finally:
            worker.stop()
        print(
            "  {}: ready ({})".format(name, ", ".join(f"{k} {v:.1f}" for k, v in timings[kind].items())),
            flush=True,
        )
    return timings


def median(values):
    return statistics.median(values)


def machine_info():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = "?"
    try:
        with open("/proc/meminfo") as handle:
            kib = int(next(line.split()[1] for line in handle if line.startswith("MemTotal")))
            memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    return {
        "cpu": f"{cpu}, {os.cpu_count()} logical CPUs",
        "memory": memory,
        "system": platform.platform(),
        "python": platform.python_version(),
    }


def format_row(cells, widths):
    return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"


def markdown_table(header, rows):
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [format_row(header, widths), "|" + "|".join("-" * (width + 2) for width in widths) + "|"]
    lines += [format_row([str(cell) for cell in row], widths) for row in rows]
    return "\n".join(lines)


def spread(values, digits):
    return f"{min(values):.{digits}f} / {median(values):.{digits}f} / {max(values):.{digits}f}"


def verdict(value, target):
    return "PASS" if value < target else "FAIL"


# -- the run -----------------------------------------------------------


def measure(args, workers, data):
    sides = args.sides
    data["rounds"] = {side: [] for side in sides}
    if args.warmup:
        print(f"Warm-up: {args.warmup} invoices per side (unmeasured)", flush=True)
        for side in sides:
            result = workers[SIDES[side][0]].call("round", side=side, count=args.warmup, round_index=-1)
            if not result["check"]["ok"]:
                die(f"Warm-up, {side}: not {args.warmup} posted invoices: {result['check']}")
    print(f"Measuring {args.count} invoices per side, {args.rounds} rounds: {', '.join(sides)}", flush=True)
    for round_index in range(args.rounds):
        shift = round_index % len(sides)
        order = sides[shift:] + sides[:shift]
        for side in order:
            kind = SIDES[side][0]
            result = workers[kind].call("round", side=side, count=args.count, round_index=round_index)
            if not result["check"]["ok"]:
                die(f"Round {round_index + 1}, {side}: not {args.count} posted invoices: {result['check']}")
            data["rounds"][side].append(result)
            print(
                f"  round {round_index + 1}/{args.rounds} {side:15s} {result['seconds']:8.2f} s "
                f"({result['seconds'] * 1000 / args.count:6.1f} ms/invoice, setup "
                f"{result['setup_seconds']:.1f} s, {result['cron_calls']} cron calls)",
                flush=True,
            )


def seconds_of(data, side):
    return [r["seconds"] for r in data["rounds"][side]]


def ratio_row(data, label, top, bottom, target=None):
    if top not in data["rounds"] or bottom not in data["rounds"]:
        return None
    tops, bottoms = seconds_of(data, top), seconds_of(data, bottom)
    ratio = median(tops) / median(bottoms)
    return [
        label,
        f"{median(tops):.2f} s / {median(bottoms):.2f} s",
        f"{ratio:.3f}",
        f"{min(tops) / min(bottoms):.3f}",
        f"< {target:.2f}" if target else "-",
        verdict(ratio, target) if target else "-",
    ]


def target_rows(data):
    rows = [
        ratio_row(data, "Recurrence cron / direct, plain Odoo", "recurrence", "direct_plain", TARGET_DIRECT),
        ratio_row(data, "Recurrence cron / OCA contract", "recurrence", "contract", TARGET_CONTRACT),
        ratio_row(data, "Recurrence cron / direct, addon database", "recurrence", "direct_addon"),
        ratio_row(data, "Recurrence cron, log on / direct, plain Odoo", "recurrence_log", "direct_plain"),
        ratio_row(data, "Recurrence cron, log on / OCA contract", "recurrence_log", "contract"),
        ratio_row(data, "Recurrence cron, log on / log off", "recurrence_log", "recurrence"),
        ratio_row(data, "Direct, addon database / plain Odoo", "direct_addon", "direct_plain"),
        ratio_row(data, "OCA contract / direct, plain Odoo", "contract", "direct_plain"),
    ]
    return [row for row in rows if row]


def side_rows(args, data):
    rows = []
    for side in args.sides:
        results = data["rounds"][side]
        seconds = seconds_of(data, side)
        phases = ""
        if results[0].get("phases"):
            phases = "generate {:.2f} s + post {:.2f} s".format(
                median(r["phases"]["generate"] for r in results), median(r["phases"]["post"] for r in results)
            )
        rows.append(
            [
                SIDES[side][1],
                f"`{args.databases[SIDES[side][0]]}`",
                spread(seconds, 2),
                f"{median(seconds) * 1000 / args.count:.1f}",
                f"{median(r['queries'] for r in results) / args.count:.1f}",
                f"{median(r['setup_seconds'] for r in results):.1f}",
                str(results[-1]["cron_calls"] or "-"),
                phases or "-",
            ]
        )
    header = [
        "Side",
        "Database",
        f"Seconds for {args.count}, min / median / max",
        "ms per invoice (median)",
        "SQL queries per invoice",
        "Untimed setup (s)",
        "Cron calls",
        "Phases (medians)",
    ]
    return header, rows


def checks_rows(args, data):
    rows = []
    for side in args.sides:
        check = data["rounds"][side][-1]["check"]
        rows.append(
            [
                side,
                f"{check['invoices']} / {check['posted']}",
                f"{check['untaxed']:.2f}",
                " - ".join(f"{value:.2f}" for value in check["total_range"]),
                str(check.get("linked", "-")),
                str(check.get("left_due", "-")),
            ]
        )
    header = [
        "Side (last round)",
        "Invoices / posted",
        "Untaxed total",
        "Invoice total, min - max",
        "Linked to their recurrence / contract",
        "Left due",
    ]
    return header, rows


def profile_section(args, data):
    profile = data.get("profile")
    if not profile:
        return []

    def rows_of(entries):
        return [
            [
                f"`{entry['function']}`",
                entry["where"],
                str(entry["ncalls"]),
                f"{entry['cumtime']:.3f}",
                f"{entry['tottime']:.3f}",
            ]
            for entry in entries
        ]

    header = ["Function", "Where", "Calls", "Cumulative s", "Own s"]
    result = profile["result"]
    return [
        f"## Where the time goes: cProfile of the recurrence cron on {args.profile} recurrences",
        "",
        f"One extra round of the `recurrence` side (log off) under cProfile, after the measured rounds: "
        f"{result['seconds']:.2f} s under the profiler ({result['seconds'] * 1000 / args.profile:.1f} ms "
        "per invoice; the profiler slows everything down, compare the shares, not the seconds).",
        "",
        f"Top {PROFILE_TOP} functions of {ADDON} by cumulative time:",
        "",
        markdown_table(header, rows_of(profile["addon"])),
        "",
        f"All functions by cumulative time (top {PROFILE_TOP * 3}):",
        "",
        markdown_table(header, rows_of(profile["overall"])),
        "",
        f"All functions by own time (top {PROFILE_TOP * 2}):",
        "",
        markdown_table(header, rows_of(profile["own"])),
        "",
    ]


def databases_section(args, data):
    rows = []
    for kind in args.kinds:
        info = data["info"][kind]
        modules = ", ".join(f"{name} {version}" for name, version in sorted(info["modules"].items()))
        rows.append([kind, f"`{args.databases[kind]}` (copy of `{args.bases[kind]}`)", modules])
    return markdown_table(["Kind", "Database", "Modules"], rows)


def build_report(args, data):
    target_header = ["Measure", "Medians", "Median ratio", "Min ratio", "Target", "Result"]
    target_table = markdown_table(target_header, target_rows(data))
    side_header, sides = side_rows(args, data)
    side_table = markdown_table(side_header, sides)
    info = next(iter(data["info"].values()))
    machine = data["machine"]
    check_header, checks = checks_rows(args, data)
    text = [
        "# Benchmark: recurring invoices of invoice_workflow_audit",
        "",
        f"- Date: {data['date']}",
        f"- Odoo {info['odoo_version']}, PostgreSQL {info['postgres_version']}, Python {machine['python']}",
        f"- Machine: {machine['cpu']}, {machine['memory']} RAM, {machine['system']}; shared with other "
        "developers' test runs (the load average below is part of the noise)",
        f"- Load average (1 min) before / after: {data['load_before']:.2f} / {data['load_after']:.2f}",
        f"- Repository: commit {data['head']} of `{REPO}`",
        f"- Addon source: {data['addon']}",
        f"- OCA contract: {CONTRACT_PACKAGE} {data['contract']} (from PyPI)",
        f"- Product: {info['product']}; {CUSTOMER_COUNT} customers in turn; one line per invoice",
        f"- {args.count} invoices per side and round, {args.rounds} rounds, after a warm-up round of "
        f"{args.warmup} per side; the sides in turn "
        "(each round starts one side further); every round prepares its own recurrences or contracts "
        "(untimed, committed), then times the generation and posting only, COMMITs included",
        f"- Whole run: {data['total_seconds']:.0f} s"
        + (f" (building the bases: {data['build_seconds']:.0f} s)" if data.get("build_seconds") else ""),
        "",
        *([f"**Warning: {data['warning']}**", ""] if data.get("warning") else []),
        "## Targets",
        "",
        target_table,
        "",
        "## Sides",
        "",
        side_table,
        "",
        markdown_table(check_header, checks),
        "",
        databases_section(args, data),
        "",
        "What each side runs, as superuser (OdooBot, the user of both crons), in an environment "
        "without context as the cron runner makes it:",
        "",
        "- direct: `account.move.create(vals)` then `action_post()` then `COMMIT`, invoice by invoice;",
        "- recurrence cron: the cron as `ir.cron._run_job` runs it: `_add_progress`, COMMIT, "
        "`_callback` (the server action `model._cron_generate_recurring_documents()`, 50 "
        "recurrences a call: lock, one `create` of their documents (copies of the base "
        "documents), one `action_post`, then per document a chatter note, `date_next` moved "
        "and the log of the generation, COMMIT), COMMIT; again while the progress reports "
        "recurrences remaining;",
        "- contract: the cron the same way (`cron_recurring_create_invoice()`: one call, one "
        "transaction for all contracts, `account.move.create` of all the invoices at once), then "
        "`action_post()` of the drafts it created, all at once, then COMMIT: contract 18.0 creates "
        "draft invoices and has no option to post them.",
        "",
    ]
    text += profile_section(args, data)
    table = "\n\n".join([target_table, side_table])
    return "\n".join(text), table


def parse_args():
    parser = argparse.ArgumentParser(
        description="Benchmark the recurring invoices of invoice_workflow_audit: cron vs direct "
        "creation vs OCA contract.",
    )
    parser.add_argument("--count", type=int, default=1000, help="invoices per side and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per side")
    parser.add_argument(
        "--warmup", type=int, default=20, help="invoices of the unmeasured warm-up round of each side"
    )
    parser.add_argument(
        "--with-log",
        action="store_true",
        help="add the side with the activity log on (about a quarter more run time)",
    )
    parser.add_argument(
        "--skip-direct-addon", action="store_true", help="leave out direct creation in the addon DB"
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=100,
        metavar="N",
        help="after the rounds, cProfile the recurrence cron on N recurrences (0: skip)",
    )
    parser.add_argument(
        "--db-prefix", default=DB_PREFIX, help=f"prefix of the database names (must start with {DB_PREFIX})"
    )
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the base databases")
    parser.add_argument("--keep-run-dbs", action="store_true", help="keep the databases of the run")
    parser.add_argument("--output", default=RESULTS, help="results file (Markdown)")
    parser.add_argument(
        "--addon-ref",
        metavar="REV",
        help="measure the addon as of this git revision (exported to a temporary directory) "
        "instead of a copy of the working tree",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--source-root", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return args
    if not args.db_prefix.startswith(DB_PREFIX):
        parser.error(f"--db-prefix must start with {DB_PREFIX}")
    if args.count < 1 or args.rounds < 1 or args.profile < 0:
        parser.error("--count and --rounds must be at least 1, --profile positive")
    args.sides = [
        side
        for side in SIDES
        if not (side == "recurrence_log" and not args.with_log)
        and not (side == "direct_addon" and args.skip_direct_addon)
    ]
    args.kinds = list(KINDS)
    args.bases = {kind: f"{args.db_prefix}{kind}" for kind in args.kinds}
    args.databases = {kind: f"{args.db_prefix}run_{kind}" for kind in args.kinds}
    return args


def main():
    args = parse_args()
    if args.worker:
        SOURCE["root"] = args.source_root or REPO
        return worker_main(args.db)

    try:
        import odoo.release
    except ImportError as exc:
        die(f"Odoo 18.0 is not importable from {sys.executable} ({exc}).")
    if tuple(odoo.release.version_info[:2]) != (18, 0):
        die(f"Odoo {odoo.release.version} found: this benchmark needs Odoo 18.0.")
    contract = contract_version()
    if not contract:
        die(
            "OCA contract is not installed: pip install 'odoo-addon-contract==18.0.*' --no-deps "
            "(it depends on core modules only); check with python3 -c 'import odoo.addons.contract'"
        )

    started = time.perf_counter()
    data = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "load_before": os.getloadavg()[0],
        "machine": machine_info(),
        "contract": contract,
        "head": git("rev-parse", "--short", "HEAD") or "unknown",
    }
    if args.addon_ref:
        commit = export_addon(args.addon_ref)
    else:
        commit = None
        snapshot_addon()
    fingerprint = addon_fingerprint()
    data["addon"] = addon_identity(fingerprint, args.addon_ref, commit)
    print(f"Addon source: {data['addon']}", flush=True)
    print("Base databases:", flush=True)
    build = ready_bases(args, fingerprint, contract)
    data["build_seconds"] = time.perf_counter() - started if build else 0
    print("Run databases:", flush=True)
    for kind in args.kinds:
        seconds = copy_database(args.bases[kind], args.databases[kind])
        print(f"  {args.databases[kind]}: copied from {args.bases[kind]} in {seconds:.1f} s", flush=True)
    workers = {kind: WorkerProcess(args.databases[kind], kind) for kind in args.kinds}
    try:
        data["info"] = {kind: worker.call("info") for kind, worker in workers.items()}
        measure(args, workers, data)
        if args.profile:
            print(f"Profiling the recurrence cron on {args.profile} recurrences", flush=True)
            result = workers["addon"].call(
                "round", side="recurrence", count=args.profile, round_index=args.rounds, profile=True
            )
            if not result["check"]["ok"]:
                die(f"Profiled round: not {args.profile} posted invoices: {result['check']}")
            data["profile"] = dict(result.pop("profile"), result=result)
    finally:
        for worker in workers.values():
            worker.stop()
        if not args.keep_run_dbs:
            for name in args.databases.values():
                drop_database(name)

    data["load_after"] = os.getloadavg()[0]
    if not args.addon_ref and addon_fingerprint(REPO) != fingerprint:
        data["warning"] = (
            "The addon's working tree changed during the run: the results are those of the copy taken "
            "when the run started (the fingerprint above), not of the current working tree."
        )
    shutil.rmtree(SOURCE["root"], ignore_errors=True)
    data["total_seconds"] = time.perf_counter() - started
    report, table = build_report(args, data)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as handle:
        handle.write(report)
    print()
    print(table)
    print(f"\nWhole run: {data['total_seconds']:.0f} s. Results: {os.path.relpath(args.output)}")
    if data.get("warning"):
        print(f"\n*** Warning: {data['warning']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
