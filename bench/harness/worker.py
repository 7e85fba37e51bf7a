"""Worker processes: the benchmark script run again with ``--worker --db DB
--source-root DIR`` drives the ORM of one database. JSON lines: ``{"command":
c, "args": {...}}`` in (the method ``cmd_<c>``), ``{"ok": ..., "result" |
"error": ...}`` out; Odoo's own output goes to the worker's log file."""

import json
import os
import subprocess
import sys
import tempfile
import time
import traceback

from .db import ADDON, addons_path, die

REFS_PARAM = "iwa_bench.refs"


class Worker:
    """The base of a benchmark's worker: registry, environments, refs."""

    def __init__(self, db, root):
        import odoo
        from odoo.tools import config

        config.parse_config(
            ["--addons-path", addons_path(root), "--log-level", "warn", "--max-cron-threads", "0"],
            setup_logging=True,
        )
        self.odoo = odoo
        self.db = db
        self.registry = odoo.modules.registry.Registry(db)
        self._refs = None

    def cursor(self):
        return self.registry.cursor()

    def env(self, cr, uid=None, context=None, user_context=True):
        """An environment of ``uid`` (superuser by default) with the user's
        context (lang, tz) as a request has it, or, with ``user_context=False``,
        only ``context``, as the cron runner makes it."""
        from odoo import SUPERUSER_ID, api

        env = api.Environment(cr, uid or SUPERUSER_ID, dict(context or {}))
        if user_context:
            env = env(context=dict(env["res.users"].context_get(), **(context or {})))
        return env

    def chart(self):
        """The generic chart of accounts in the main company (committed)."""
        with self.cursor() as cr:
            env = self.env(cr, user_context=False)
            if not env.company.chart_template:
                env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)

    def has(self, module):
        return module in self.registry._init_modules

    @property
    def refs(self):
        """Ids the prepare step saved (users, partners, product...)."""
        if self._refs is None:
            with self.cursor() as cr:
                self._refs = json.loads(self.env(cr)["ir.config_parameter"].get_param(REFS_PARAM) or "{}")
        return self._refs

    def save_refs(self, env, refs):
        self._refs = refs
        env["ir.config_parameter"].set_param(REFS_PARAM, json.dumps(refs))

    def maintenance(self, *statements):
        """Statements that cannot run in a transaction (VACUUM); returns seconds."""
        import psycopg2

        from odoo.sql_db import connection_info_for

        started = time.perf_counter()
        conn = psycopg2.connect(**connection_info_for(self.db)[1])
        conn.autocommit = True
        try:
            with conn.cursor() as cr:
                for statement in statements:
                    cr.execute(statement)
        finally:
            conn.close()
        return time.perf_counter() - started

    def cmd_refs(self):
        return self.refs

    def cmd_vacuum(self, tables):
        return self.maintenance(*(f"VACUUM {table}" for table in tables))

    def probe(self):
        """The benchmark's list measure (a data.ListProbe), if it has one."""
        raise NotImplementedError

    def cmd_list(self, reps, only=None, index=None):
        return self.probe().reps(reps, only, index)

    def cmd_explain(self):
        return self.probe().explain()

    def cmd_index(self, table, columns):
        """The definition of an index of ``table`` on ``columns``, if any."""
        with self.cursor() as cr:
            cr.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                [table, f"%({columns})%"],
            )
            return (cr.fetchone() or [None])[0]

    def cmd_info(self):
        """Versions and installed modules, for the results file."""
        with self.cursor() as cr:
            cr.execute("SHOW server_version")
            postgres = cr.fetchone()[0]
            cr.execute(
                "SELECT name, latest_version FROM ir_module_module WHERE state = 'installed' AND name IN %s",
                [("account", ADDON, "auditlog", "contract")],
            )
            modules = dict(cr.fetchall())
        return {"odoo": self.odoo.release.version, "postgres": postgres, "modules": modules}


def serve(worker_class, db, root):
    """The worker's loop: one JSON request per line on stdin."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    worker = None
    for line in sys.stdin:
        request = json.loads(line)
        if request["command"] == "quit":
            protocol.write(json.dumps({"ok": True, "result": None}) + "\n")
            break
        try:
            worker = worker or worker_class(db, root)
            result = getattr(worker, "cmd_" + request["command"])(**request.get("args", {}))
            response = {"ok": True, "result": result}
        except Exception:
            response = {"ok": False, "error": traceback.format_exc()}
        protocol.write(json.dumps(response, default=str) + "\n")
    return 0


class WorkerProcess:
    """The driver's handle on one worker subprocess."""

    def __init__(self, db, root):
        self.db = db
        self.log_path = os.path.join(tempfile.gettempdir(), f"{db}.worker.log")
        self.log = open(self.log_path, "a")  # closed in stop()
        script = os.path.abspath(sys.modules["__main__"].__file__)
        self.process = subprocess.Popen(
            [sys.executable, script, "--worker", "--db", db, "--source-root", root],
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
            die(f"The worker of {self.db} died during {command}; its log: {self.log_path}")
        response = json.loads(line)
        if not response["ok"]:
            die(f"The worker of {self.db} failed during {command}:\n{response['error']}")
        return response["result"]

    def stop(self):
        if self.process.poll() is None:
            try:
                self.call("quit")
            finally:
                self.process.stdin.close()
                self.process.wait(timeout=120)
        self.log.close()
