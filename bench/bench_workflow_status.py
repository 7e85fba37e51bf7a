#!/usr/bin/env python3
"""Benchmark the invoice_workflow_audit addon against plain Odoo 18.0.

Two databases hold the same data: ``iwa_bench_plain`` (``account`` only) and
``iwa_bench_addon`` (``account`` + ``invoice_workflow_audit``). Each one is
driven by its own python3 subprocess (this script with ``--worker``), and the
measures alternate between the two so that they share the machine's noise:

1. create + post customer invoices through the ORM as an invoicing user, in
   rounds (median seconds per 100 invoices);
2. the first page of the customer invoice list out of ``--list-size``
   invoices, read as the same user, whom a status rule hides 10 % of the
   invoices in the addon database (``web_search_read`` of the list view's
   fields, limit 80, and the ``search_count`` of the same domain).

The results go to ``bench/results/workflow_status.md`` and to stdout. The
databases are kept for the next run (``--rebuild`` recreates them).

    bench/bench_workflow_status.py                   # full size: ~6 min, ~3.5 reusing the databases
    bench/bench_workflow_status.py --addon-ref HEAD  # the addon as committed, not the working tree
    bench/bench_workflow_status.py --list-size 20000 --invoices 200 --rounds 4 --list-reps 20 \\
        --plain-db iwa_bench_small_plain --addon-db iwa_bench_small_addon
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
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
RESULTS = os.path.join(BENCH_DIR, "results", "workflow_status.md")

# Bump when the generated data set changes: databases built by another version
# of this script are rebuilt instead of reused.
DATASET_VERSION = 3
DATASET_PARAM = "iwa_bench.dataset"
REFS_PARAM = "iwa_bench.refs"

# Left out of the source fingerprint: what the server does not run.
FINGERPRINT_SKIPPED_DIRS = {"tests", "i18n", "static", "readme", "__pycache__"}
FINGERPRINT_SKIPPED_SUFFIXES = (".pyc", ".po", ".pot", ".md", ".rst")

BENCH_LOGIN = "iwa_bench_invoicing_user"
CUSTOMER_COUNT = 30  # customers of the seed invoices; the creation benchmark uses the first
LIST_DOMAIN = [("move_type", "=", "out_invoice")]
LIST_LIMIT = 80
# What the web client sends as count_limit (DEFAULT_COUNT_LIMIT + 1).
COUNT_LIMIT = 10001
TARGET_RATIO = 1.10  # overhead below 10 %
# The index tried (and rolled back) by the "what if" measure.
WHAT_IF_INDEX = "move_type, company_id, workflow_status_id"


def die(message):
    print(f"\n*** {message}", file=sys.stderr, flush=True)
    sys.exit(2)


# Where the addon is read from: this repository, or a directory that
# --addon-ref exported a commit of the addon to.
SOURCE = {"root": REPO}


def addons_path():
    """The addon's source root, then Odoo's own addons directories."""
    import odoo

    paths = [SOURCE["root"], os.path.join(os.path.dirname(odoo.__file__), "addons")]
    root_addons = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons")
    if os.path.isdir(root_addons):
        paths.append(root_addons)
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
        self.what_if_cr = None

    # -- helpers -------------------------------------------------------

    def env(self, cr, uid=None, context=None):
        from odoo import SUPERUSER_ID, api

        env = api.Environment(cr, uid or SUPERUSER_ID, {})
        return env(context=dict(env["res.users"].context_get(), **(context or {})))

    def cursor(self):
        return self.registry.cursor()

    def has_addon(self):
        return ADDON in self.registry._init_modules

    def load_refs(self):
        if self.refs is None:
            with self.cursor() as cr:
                raw = self.env(cr)["ir.config_parameter"].get_param(REFS_PARAM)
            self.refs = json.loads(raw)
        return self.refs

    # -- commands ------------------------------------------------------

    def cmd_state(self):
        with self.cursor() as cr:
            env = self.env(cr)
            installed = env["ir.module.module"].search([("state", "=", "installed")]).mapped("name")
            moves = env["account.move"].search_count(LIST_DOMAIN) if "account.move" in env else None
            return {
                "dataset": env["ir.config_parameter"].get_param(DATASET_PARAM),
                "started": bool(env["ir.config_parameter"].get_param(REFS_PARAM)),
                "out_invoices": moves,
                "addon_installed": ADDON in installed,
                "account_installed": "account" in installed,
            }

    def cmd_info(self):
        with self.cursor() as cr:
            cr.execute("SHOW server_version")
            pg_version = cr.fetchone()[0]
            cr.execute("SELECT count(*), count(*) FILTER (WHERE move_type = 'out_invoice') FROM account_move")
            moves, out_invoices = cr.fetchone()
            cr.execute("SELECT count(*) FROM account_move_line")
            lines = cr.fetchone()[0]
            cr.execute(
                "SELECT pg_relation_size('account_move') / 8192, pg_relation_size('account_move_line') / 8192"
            )
            move_pages, line_pages = cr.fetchone()
            hidden = None
            if self.has_addon():
                cr.execute(
                    "SELECT count(*) FROM account_move WHERE workflow_status_id = %s",
                    [self.load_refs()["restricted_status_id"]],
                )
                hidden = cr.fetchone()[0]
        return {
            "odoo_version": self.odoo.release.version,
            "postgres_version": pg_version,
            "moves": moves,
            "out_invoices": out_invoices,
            "lines": lines,
            "move_pages": move_pages,
            "line_pages": line_pages,
            "restricted_invoices": hidden,
        }

    def cmd_prepare(self, list_size, seeds, restricted_share, dataset):
        """Chart of accounts, bench user, customers, product, restricted status,
        then ``seeds`` posted invoices through the ORM, multiplied in SQL up to
        ``list_size`` customer invoices."""
        timings = {}
        started = time.perf_counter()
        with self.cursor() as cr:
            env = self.env(cr)
            company = env.company
            if not company.chart_template:
                env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
        timings["chart_of_accounts_s"] = time.perf_counter() - started

        with self.cursor() as cr:
            refs = self._create_master_data(self.env(cr))
            self.env(cr)["ir.config_parameter"].set_param(REFS_PARAM, json.dumps(refs))
        self.refs = refs

        started = time.perf_counter()
        with self.cursor() as cr:
            env = self.env(cr, refs["user_id"])
            seed_moves = self._create_seed_invoices(env, seeds)
            seed_ids = seed_moves.ids
        timings["seed_invoices_s"] = time.perf_counter() - started

        started = time.perf_counter()
        # Every invoice whose id * 617 (mod 1000) falls below the share goes to
        # the restricted status: an even spread, 10 % of any 1,000 consecutive ids.
        restricted = None
        if self.has_addon():
            restricted = (
                f"mod({{id}} * 617, 1000) < {round(restricted_share * 1000)}",
                refs["restricted_status_id"],
            )
        with self.cursor() as cr:
            self._multiply_invoices(cr, seed_ids, list_size - len(seed_ids), restricted)
            if restricted:
                # The copies got their status while inserted (an UPDATE would move
                # them to the end of the table and change its physical order).
                condition, status_id = restricted
                cr.execute(
                    f"""
                    UPDATE account_move SET workflow_status_id = %s
                     WHERE id = ANY(%s) AND {condition.format(id="id")}
                    """,
                    [status_id, seed_ids],
                )
        timings["sql_multiply_s"] = time.perf_counter() - started

        started = time.perf_counter()
        self._vacuum_analyze()
        timings["vacuum_analyze_s"] = time.perf_counter() - started

        with self.cursor() as cr:
            self.env(cr)["ir.config_parameter"].set_param(DATASET_PARAM, dataset)
        return timings

    def _create_master_data(self, env):
        from odoo import Command

        company = env.company
        refs = {}
        if self.has_addon():
            # A status of the "In progress" group reserved to a group the bench
            # user is not in: its invoices are hidden from the user by the rule.
            group = env["res.groups"].create({"name": "IWA bench: restricted status"})
            status = env["invoice.workflow.status"].create(
                {
                    "name": "In progress (restricted)",
                    "group": "in_progress",
                    "sequence": 25,  # after the default "In progress" (20), which new invoices get
                    "group_ids": [Command.set(group.ids)],
                }
            )
            refs.update(restricted_group_id=group.id, restricted_status_id=status.id)
        user = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "IWA Bench Invoicing User",
                    "login": BENCH_LOGIN,
                    "email": "iwa.bench@example.com",
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [
                        Command.set(
                            [env.ref("base.group_user").id, env.ref("account.group_account_invoice").id]
                        )
                    ],
                }
            )
        )
        partners = env["res.partner"].create(
            [
                {"name": f"IWA Bench Customer {index:02d}", "email": f"customer{index:02d}@example.com"}
                for index in range(1, CUSTOMER_COUNT + 1)
            ]
        )
        product = env["product.product"].create(
            {"name": "IWA Bench Service", "type": "service", "list_price": 100.0}
        )
        refs.update(user_id=user.id, partner_ids=partners.ids, product_id=product.id)
        return refs

    def _invoice_vals(self, partner_id, quantity=1.0, price=100.0):
        from odoo import Command, fields

        return {
            "move_type": "out_invoice",
            "partner_id": partner_id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": [
                Command.create(
                    {"product_id": self.refs["product_id"], "quantity": quantity, "price_unit": price}
                )
            ],
        }

    def _create_seed_invoices(self, env, count):
        partner_ids = self.refs["partner_ids"]
        Move = env["account.move"].with_context(default_move_type="out_invoice")
        moves = Move.browse()
        for start in range(0, count, 100):
            batch = Move.create(
                [
                    self._invoice_vals(
                        partner_ids[index % len(partner_ids)],
                        quantity=1 + index % 5,
                        price=50.0 + (index * 37) % 450,
                    )
                    for index in range(start, min(start + 100, count))
                ]
            )
            batch.action_post()
            moves |= batch
        return moves

    def _multiply_invoices(self, cr, seed_ids, count, restricted=None):
        """Copy the seed invoices (and their lines) ``count`` times in SQL, with
        dates over the last two years and unique names in the seeds' sequence.
        ``restricted``: (SQL condition on ``{id}``, status) for the copies that
        go to that status instead of their seed's."""
        if count <= 0:
            return
        cr.execute(
            """
            CREATE TEMP TABLE bench_map ON COMMIT DROP AS
            WITH seeds AS (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS rank
                  FROM account_move WHERE id = ANY(%(seed_ids)s)
            ), copies AS (
                SELECT k, seeds.id AS src_id, (CURRENT_DATE - ((k - 1) %% 730))::date AS new_date
                  FROM generate_series(1, %(count)s) AS k
                  JOIN seeds ON seeds.rank = (k - 1) %% %(seed_count)s
            ), numbered AS (
                SELECT copies.*, src.journal_id,
                       row_number() OVER (
                           PARTITION BY src.journal_id, date_part('year', new_date) ORDER BY new_date, k
                       ) AS rank_in_year,
                       regexp_replace(src.sequence_prefix, '\\d{4}', to_char(new_date, 'YYYY')) AS prefix
                  FROM copies JOIN account_move src ON src.id = copies.src_id
            )
            SELECT numbered.*, nextval('account_move_id_seq') AS new_id,
                   rank_in_year + coalesce(used.last_number, 0) AS number
              FROM numbered
              LEFT JOIN (
                    SELECT journal_id, sequence_prefix, max(sequence_number) AS last_number
                      FROM account_move GROUP BY journal_id, sequence_prefix
              ) used ON used.journal_id = numbered.journal_id AND used.sequence_prefix = numbered.prefix
            """,
            {"seed_ids": seed_ids, "count": count, "seed_count": len(seed_ids)},
        )
        cr.execute("ALTER TABLE bench_map ADD COLUMN name varchar")
        cr.execute("UPDATE bench_map SET name = prefix || lpad(number::text, 5, '0')")
        cr.execute("CREATE INDEX ON bench_map (src_id)")

        move_overrides = {
            "id": "m.new_id",
            "name": "m.name",
            "sequence_prefix": "m.prefix",
            "sequence_number": "m.number",
            "payment_reference": "m.name",
            "date": "m.new_date",
            "invoice_date": "m.new_date",
            "invoice_date_due": "m.new_date + (src.invoice_date_due - src.invoice_date)",
            "made_sequence_gap": "false",
            "access_token": "NULL",
        }
        if restricted:
            condition, status_id = restricted
            move_overrides["workflow_status_id"] = (
                f"CASE WHEN {condition.format(id='m.new_id')} THEN {int(status_id)} "
                "ELSE src.workflow_status_id END"
            )
        self._insert_copy(
            cr,
            "account_move",
            move_overrides,
            "FROM bench_map m JOIN account_move src ON src.id = m.src_id",
        )
        line_overrides = {
            "id": "nextval('account_move_line_id_seq')",
            "move_id": "m.new_id",
            "move_name": "m.name",
            "date": "m.new_date",
            "invoice_date": "m.new_date",
            "date_maturity": "m.new_date + (src.date_maturity - src.date)",
        }
        self._insert_copy(
            cr,
            "account_move_line",
            line_overrides,
            "FROM bench_map m JOIN account_move_line src ON src.move_id = m.src_id",
        )

    def _insert_copy(self, cr, table, overrides, from_clause):
        cr.execute(
            """
            SELECT column_name FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = %s
             ORDER BY ordinal_position
            """,
            [table],
        )
        columns = [row[0] for row in cr.fetchall()]
        missing = set(overrides) - set(columns)
        if missing:
            raise RuntimeError(f"Unknown columns in {table}: {sorted(missing)}")
        values = [overrides.get(column, f'src."{column}"') for column in columns]
        names = ", ".join(f'"{column}"' for column in columns)
        cr.execute(f"INSERT INTO {table} ({names}) SELECT {', '.join(values)} {from_clause}")

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

    def _vacuum_analyze(self):
        # FULL: compact tables in both databases, whatever the ORM and the
        # UPDATE of the seeds left behind; the plain VACUUM that follows sets the
        # visibility map, as autovacuum would sooner or later (index-only scans).
        # Statistics target 1000: ANALYZE reads every row (up to 300,000)
        # instead of a random sample of 30,000, so both databases get the same
        # statistics for the same data, not two different samples.
        self._maintenance(
            "SET default_statistics_target = 1000",
            "VACUUM FULL account_move",
            "VACUUM account_move",
            "VACUUM FULL account_move_line",
            "VACUUM account_move_line",
            "ANALYZE",
        )

    def cmd_vacuum(self):
        """Clear the rows of the rolled back creation rounds (dead tuples at the
        end of the tables, which VACUUM truncates) before the list is read."""
        started = time.perf_counter()
        self._maintenance("VACUUM account_move", "VACUUM account_move_line")
        return time.perf_counter() - started

    def cmd_create_round(self, count):
        """Create and post ``count`` invoices one by one as the bench user, as
        the invoice form does; time everything a commit would do except the
        COMMIT itself, then roll back so that every round and every run sees the
        same data."""
        refs = self.load_refs()
        cr = self.cursor()
        try:
            env = self.env(cr, refs["user_id"], {"default_move_type": "out_invoice"})
            Move = env["account.move"]
            partner_id = refs["partner_ids"][0]
            queries = cr.sql_log_count
            started = time.perf_counter()
            for _index in range(count):
                Move.create(self._invoice_vals(partner_id)).action_post()
            cr.flush()  # pending ORM writes, then precommit hooks (chatter tracking)
            env.flush_all()
            elapsed = time.perf_counter() - started
            queries = cr.sql_log_count - queries
        finally:
            cr.rollback()
            cr.close()
        return {"seconds": elapsed, "queries": queries}

    def list_specification(self, env):
        """The fields of the customer invoice list view, as the web client asks them."""
        from lxml import etree

        Move = env["account.move"]
        view = env.ref("account.view_out_invoice_tree")
        result = Move.get_views([(view.id, "list")])
        arch = etree.fromstring(result["views"]["list"]["arch"])
        fields_info = result["models"]["account.move"]["fields"]
        spec = {}
        for node in arch.iter("field"):
            name = node.get("name")
            field_type = fields_info[name]["type"]
            if field_type == "many2one":
                spec[name] = {"fields": {"display_name": {}}}
            elif field_type in ("one2many", "many2many"):
                spec[name] = {"fields": {}}
            else:
                spec[name] = {}
        return spec

    def cmd_list_reps(self, reps, only_fields=None):
        """``reps`` times: the first page of the invoice list, then the count of
        the same domain, each in a fresh cursor and environment (a new request).
        ``only_fields`` restricts the page to those fields of the list view."""
        refs = self.load_refs()
        context = {"default_move_type": "out_invoice", "bin_size": True}
        page_ms, count_ms = [], []
        page_queries = count_queries = length = total = None
        for _rep in range(reps):
            with self.cursor() as cr:
                env = self.env(cr, refs["user_id"], context)
                spec = self.list_specification(env)
                if only_fields is not None:
                    spec = {name: value for name, value in spec.items() if name in only_fields}
                queries = cr.sql_log_count
                started = time.perf_counter()
                result = env["account.move"].web_search_read(
                    LIST_DOMAIN, spec, limit=LIST_LIMIT, count_limit=COUNT_LIMIT
                )
                page_ms.append((time.perf_counter() - started) * 1000)
                page_queries = cr.sql_log_count - queries
                length = result["length"]
                assert len(result["records"]) == LIST_LIMIT, len(result["records"])
                cr.rollback()
            with self.cursor() as cr:
                env = self.env(cr, refs["user_id"], context)
                queries = cr.sql_log_count
                started = time.perf_counter()
                total = env["account.move"].search_count(LIST_DOMAIN)
                count_ms.append((time.perf_counter() - started) * 1000)
                count_queries = cr.sql_log_count - queries
                cr.rollback()
        return {
            "page_ms": page_ms,
            "count_ms": count_ms,
            "page_queries": page_queries,
            "count_queries": count_queries,
            "page_length": length,
            "count": total,
            "fields": list(spec),
        }

    # "What if" index: created in a transaction kept open across the calls
    # below, then rolled back: nothing of it stays in the database.

    def cmd_what_if_begin(self):
        """Create the index unless the database has one on the same columns;
        returns the name of that existing index, or None."""
        with self.cursor() as cr:
            cr.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'account_move' AND indexdef LIKE %s",
                [f"%({WHAT_IF_INDEX})%"],
            )
            row = cr.fetchone()
        if row:
            return row[0]
        self.what_if_cr = self.cursor()
        self.what_if_cr.execute(f"CREATE INDEX iwa_bench_what_if_idx ON account_move ({WHAT_IF_INDEX})")
        return None

    def cmd_what_if_reps(self, reps):
        """The list page and the count, timed as in cmd_list_reps, in the
        transaction that holds the index."""
        cr = self.what_if_cr
        env = self.env(
            cr, self.load_refs()["user_id"], {"default_move_type": "out_invoice", "bin_size": True}
        )
        spec = self.list_specification(env)
        page_ms, count_ms = [], []
        for _rep in range(reps):
            env.invalidate_all()
            started = time.perf_counter()
            env["account.move"].web_search_read(LIST_DOMAIN, spec, limit=LIST_LIMIT, count_limit=COUNT_LIMIT)
            page_ms.append((time.perf_counter() - started) * 1000)
            env.invalidate_all()
            started = time.perf_counter()
            env["account.move"].search_count(LIST_DOMAIN)
            count_ms.append((time.perf_counter() - started) * 1000)
        return {"page_ms": page_ms, "count_ms": count_ms}

    def cmd_what_if_end(self):
        """EXPLAIN ANALYZE of the count with the index, then roll it back."""
        from odoo.tools import SQL

        cr = self.what_if_cr
        try:
            env = self.env(cr, self.load_refs()["user_id"])
            query = env["account.move"]._search(LIST_DOMAIN)
            cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", query.select("COUNT(*)")))
            return "\n".join(row[0] for row in cr.fetchall())
        finally:
            cr.rollback()
            cr.close()
            self.what_if_cr = None

    def cmd_explain(self):
        """EXPLAIN ANALYZE of every SELECT that the list page and the count run
        as the bench user (captured while they run, record rules included)."""
        import odoo.sql_db

        refs = self.load_refs()
        captured = []
        original = odoo.sql_db.Cursor.execute

        def spy(cursor, query, params=None, log_exceptions=True):
            result = original(cursor, query, params, log_exceptions)
            captured.append(cursor._obj.query.decode())
            return result

        calls = {}
        odoo.sql_db.Cursor.execute = spy
        try:
            with self.cursor() as cr:
                env = self.env(cr, refs["user_id"], {"default_move_type": "out_invoice", "bin_size": True})
                spec = self.list_specification(env)
                del captured[:]
                env["account.move"].web_search_read(
                    LIST_DOMAIN, spec, limit=LIST_LIMIT, count_limit=COUNT_LIMIT
                )
                calls["page"] = list(captured)
                del captured[:]
                env["account.move"].search_count(LIST_DOMAIN)
                calls["count"] = list(captured)
                cr.rollback()
        finally:
            odoo.sql_db.Cursor.execute = original

        statements = []
        with self.cursor() as cr:
            for call, queries in calls.items():
                for query in queries:
                    if not query.lstrip().upper().startswith("SELECT"):
                        continue
                    cr.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}")
                    plan = "\n".join(row[0] for row in cr.fetchall())
                    statements.append(
                        {
                            "call": call,
                            "label": statement_label(call, query),
                            "sql": query,
                            "plan": plan,
                            "ms": float(plan.rsplit("Execution Time:", 1)[1].split()[0]),
                        }
                    )
            cr.rollback()
        return statements


def statement_label(call, query):
    """A short name for a statement of the list page or of the count."""
    flat = " ".join(query.split())
    if call == "count" and flat.startswith("SELECT COUNT(*)"):
        return "count (search_count)"
    if f"LIMIT {COUNT_LIMIT}" in flat and "COUNT(*)" in flat:
        return f"page: count up to {COUNT_LIMIT - 1} (count_limit)"
    if 'FROM "account_move"' in flat and f"LIMIT {LIST_LIMIT}" in flat:
        return f"page: search_fetch (ORDER BY, LIMIT {LIST_LIMIT})"
    if "duplicate_move" in flat:
        return "page: duplicated_ref_ids (account)"
    table = flat.split(" FROM ", 1)[1].split()[0].strip('"') if " FROM " in flat else "?"
    return f"{call}: {table}"


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
        protocol.write(json.dumps(response) + "\n")
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


def database_exists(name):
    import psycopg2

    conn = psycopg2.connect(dbname="postgres")
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return bool(cr.fetchone())
    finally:
        conn.close()


def drop_database(name):
    import psycopg2

    assert name.startswith("iwa_bench_"), name
    conn = psycopg2.connect(dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


def install_database(name, modules):
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
    print(f"  {name}: installed in {time.perf_counter() - started:.0f} s", flush=True)


def addon_fingerprint():
    """A hash of the addon's server-side source: a database built from other
    source is rebuilt instead of reused."""
    root = os.path.join(SOURCE["root"], ADDON)
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


def git(*args):
    run = subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True, check=False)
    return run.stdout.strip() if run.returncode == 0 else None


def export_addon(ref):
    """Export the addon as of git revision ``ref`` to a temporary directory,
    which becomes the addon's source root; returns the commit."""
    commit = git("rev-parse", "--verify", "--short", f"{ref}^{{commit}}")
    if not commit:
        die(f"--addon-ref {ref}: no such commit in {REPO}")
    root = tempfile.mkdtemp(prefix="iwa_bench_addon_")
    archive = subprocess.run(
        ["git", "-C", REPO, "archive", "--format=tar", commit, ADDON], capture_output=True, check=False
    )
    if archive.returncode:
        die(f"git archive {commit} {ADDON} failed: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", root], input=archive.stdout, check=True)
    SOURCE["root"] = root
    return commit


def addon_identity(fingerprint, ref=None, commit=None):
    """Which code of the addon is measured: git commit, local changes, fingerprint."""
    if ref:
        return f"commit {commit} (--addon-ref {ref}, exported with git archive; fingerprint {fingerprint})"
    head = git("rev-parse", "--short", "HEAD") or "unknown commit"
    changes = " + uncommitted changes" if git("status", "--porcelain", "--", ADDON) else ""
    return f"working tree: commit {head}{changes} (source fingerprint {fingerprint})"


def dataset_key(args, fingerprint):
    import odoo.release

    return json.dumps(
        {
            "version": DATASET_VERSION,
            "odoo": odoo.release.version,
            "addon_source": fingerprint,
            "list_size": args.list_size,
            "seeds": args.seed_invoices,
            "restricted_share": args.restricted_share,
        },
        sort_keys=True,
    )


def database_state(name):
    """What database ``name`` holds, read in SQL (no registry: the addon code may
    not match the database any more). None when it does not exist."""
    import psycopg2

    if not database_exists(name):
        return None
    conn = psycopg2.connect(dbname=name)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT to_regclass('ir_config_parameter'), to_regclass('account_move')")
            if None in cr.fetchone():
                return {"installed": set(), "dataset": None, "started": True, "out_invoices": None}
            cr.execute(
                "SELECT key, value FROM ir_config_parameter WHERE key IN %s", [(DATASET_PARAM, REFS_PARAM)]
            )
            params = dict(cr.fetchall())
            cr.execute(
                "SELECT name FROM ir_module_module WHERE state = 'installed' AND name IN ('account', %s)",
                [ADDON],
            )
            installed = {row[0] for row in cr.fetchall()}
            cr.execute("SELECT count(*) FROM account_move WHERE move_type = 'out_invoice'")
            out_invoices = cr.fetchone()[0]
    finally:
        conn.close()
    return {
        "installed": installed,
        "dataset": params.get(DATASET_PARAM),
        "started": REFS_PARAM in params,
        "out_invoices": out_invoices,
    }


def ready_databases(args, wanted):
    """One worker per database, on the same data: reused when both databases
    hold the wanted data set, else both built again (the same day, from the same
    source), so that they never differ but for the addon."""
    databases = {"plain": (args.plain_db, ["account"]), "addon": (args.addon_db, ["account", ADDON])}
    states = {kind: database_state(name) for kind, (name, _modules) in databases.items()}
    reuse = not args.rebuild and all(
        state and state["installed"] == set(databases[kind][1]) and state["dataset"] == wanted
        for kind, state in states.items()
    )
    workers = {}
    for kind, (name, modules) in databases.items():
        state = states[kind]
        if reuse:
            print(f"  {name}: reusing its data ({state['out_invoices']} customer invoices)", flush=True)
            workers[kind] = WorkerProcess(name, kind)
            continue
        blank = (
            state
            and state["installed"] == set(modules)
            and not state["dataset"]
            and not state["started"]
            and not state["out_invoices"]
        )
        if state and not blank:
            reason = "--rebuild" if args.rebuild else "other data set, addon source or modules"
            print(f"  {name}: dropping ({reason})", flush=True)
            drop_database(name)
        if not blank:
            install_database(name, modules)
        workers[kind] = WorkerProcess(name, kind)
        print(f"  {name}: generating {args.list_size} customer invoices", flush=True)
        timings = workers[kind].call(
            "prepare",
            list_size=args.list_size,
            seeds=args.seed_invoices,
            restricted_share=args.restricted_share,
            dataset=wanted,
        )
        print("  {}: data ready ({})".format(name, ", ".join(f"{k} {v:.1f}" for k, v in timings.items())))
    return workers


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


def measure_row(label, unit, plain, addon, digits):
    ratio = median(addon) / median(plain)
    return [
        label,
        f"{median(plain):.{digits}f} {unit}",
        f"{median(addon):.{digits}f} {unit}",
        f"{ratio:.3f}",
        f"< {TARGET_RATIO:.2f}",
        "PASS" if ratio < TARGET_RATIO else "FAIL",
    ]


def spread(values, digits):
    return f"{min(values):.{digits}f} / {median(values):.{digits}f} / {max(values):.{digits}f}"


def build_report(args, data):
    per = args.round_size
    create_plain = [r["seconds"] * 100 / per for r in data["create"]["plain"]]
    create_addon = [r["seconds"] * 100 / per for r in data["create"]["addon"]]
    lists = data["list"]
    main_rows = [
        measure_row(
            f"Create + post 100 invoices ({args.invoices} in {args.rounds} rounds)",
            "s",
            create_plain,
            create_addon,
            3,
        ),
        measure_row(
            f"Invoice list, first page (web_search_read, limit {LIST_LIMIT})",
            "ms",
            lists["plain"]["page_ms"],
            lists["addon"]["page_ms"],
            1,
        ),
        measure_row(
            "Invoice list, count (search_count)",
            "ms",
            lists["plain"]["count_ms"],
            lists["addon"]["count_ms"],
            1,
        ),
    ]
    header = ["Measure", "Plain median", "Addon median", "Ratio addon/plain", "Target", "Result"]

    def queries_per_invoice(kind):
        return median(r["queries"] for r in data["create"][kind]) / per

    def spread_row(label, plain, addon, digits):
        return [
            label,
            str(len(plain)),
            spread(plain, digits),
            spread(addon, digits),
            f"{median(addon) / median(plain):.3f}",
            f"{min(addon) / min(plain):.3f}",
        ]

    spread_rows = [
        spread_row("Create + post 100 invoices (s)", create_plain, create_addon, 3),
        spread_row("List first page (ms)", lists["plain"]["page_ms"], lists["addon"]["page_ms"], 1),
        spread_row("List count (ms)", lists["plain"]["count_ms"], lists["addon"]["count_ms"], 1),
        spread_row(
            "List first page, plain view's fields only (ms)",
            lists["plain"]["page_ms"],
            lists["addon_plain_fields"]["page_ms"],
            1,
        ),
    ]
    spread_header = [
        "Measure",
        "Samples per DB",
        "Plain min / median / max",
        "Addon min / median / max",
        "Median ratio",
        "Min ratio",
    ]
    detail_rows = [
        [
            "SQL queries per invoice created",
            f"{queries_per_invoice('plain'):.1f}",
            f"{queries_per_invoice('addon'):.1f}",
        ],
        [
            "SQL queries per list page / count",
            f"{lists['plain']['page_queries']} / {lists['plain']['count_queries']}",
            f"{lists['addon']['page_queries']} / {lists['addon']['count_queries']}",
        ],
        [
            "Fields read by the list page",
            str(len(lists["plain"]["fields"])),
            f"{len(lists['addon']['fields'])}: + "
            + ", ".join(sorted(set(lists["addon"]["fields"]) - set(lists["plain"]["fields"]))),
        ],
        [
            "Invoices counted by the user (page length)",
            f"{lists['plain']['count']} ({lists['plain']['page_length']})",
            f"{lists['addon']['count']} ({lists['addon']['page_length']})",
        ],
    ]
    detail_header = ["Detail", "Plain", "Addon"]

    info = data["info"]
    machine = data["machine"]
    data_rows = [
        ["Customer invoices", str(info["plain"]["out_invoices"]), str(info["addon"]["out_invoices"])],
        ["  of which hidden from the bench user", "0", str(info["addon"]["restricted_invoices"])],
        ["Journal entries (account_move)", str(info["plain"]["moves"]), str(info["addon"]["moves"])],
        ["Journal items (account_move_line)", str(info["plain"]["lines"]), str(info["addon"]["lines"])],
        [
            "Table account_move, 8 kB pages",
            str(info["plain"]["move_pages"]),
            str(info["addon"]["move_pages"]),
        ],
        [
            "Table account_move_line, 8 kB pages",
            str(info["plain"]["line_pages"]),
            str(info["addon"]["line_pages"]),
        ],
    ]
    text = [
        "# Benchmark: invoice_workflow_audit vs plain Odoo",
        "",
        f"- Date: {data['date']}",
        f"- Odoo {info['plain']['odoo_version']}, PostgreSQL {info['plain']['postgres_version']}, "
        f"Python {machine['python']}",
        f"- Machine: {machine['cpu']}, {machine['memory']} RAM, {machine['system']}",
        f"- Load average (1 min) before / after: {data['load_before']:.2f} / {data['load_after']:.2f}",
        f"- Databases: `{args.plain_db}` (account) and `{args.addon_db}` (account + {ADDON})",
        f"- Addon source: {data['addon']}",
        f"- Creation: {args.invoices} invoices per database in {args.rounds} rounds of {per}, "
        f"alternating plain/addon, after a warm-up round of {args.warmup} invoices",
        f"- List: {args.list_reps} repetitions per database, alternating in blocks of {args.block}, "
        "each call in a new cursor and environment (like a new request)",
        f"- Whole run: {data['total_seconds']:.0f} s",
        "",
        *([f"**Warning: {data['warning']}**", ""] if data.get("warning") else []),
        markdown_table(header, main_rows),
        "",
        markdown_table(spread_header, spread_rows),
        "",
        markdown_table(detail_header, detail_rows),
        "",
        markdown_table(["Data", "Plain", "Addon"], data_rows),
        "",
    ]
    what_if = data.get("what_if")
    if what_if and what_if.get("existing"):
        text += [
            f"## What if: index on account_move ({WHAT_IF_INDEX})",
            "",
            f"Skipped: the addon database already has such an index (`{what_if['existing']}`).",
            "",
        ]
    elif what_if:
        text += [
            f"## What if: index on account_move ({WHAT_IF_INDEX})",
            "",
            "Not part of the targets. The addon database read again with that index created in a "
            "transaction that is rolled back afterwards (nothing stays), alternating with the plain "
            f"database; {len(what_if['addon']['page_ms'])} repetitions each.",
            "",
            markdown_table(
                ["Measure", "Plain median", "Addon + index median", "Ratio"],
                [
                    [
                        label,
                        f"{median(what_if['plain'][key]):.1f} ms",
                        f"{median(what_if['addon'][key]):.1f} ms",
                        f"{median(what_if['addon'][key]) / median(what_if['plain'][key]):.3f}",
                    ]
                    for label, key in (("List first page", "page_ms"), ("List count", "count_ms"))
                ],
            ),
            "",
            "```",
            what_if["count_plan"],
            "```",
            "",
        ]
    text += [
        "## SQL statements, timed with EXPLAIN ANALYZE as the bench user",
        "",
        "Every SELECT run by one list page and one count, run again under EXPLAIN "
        "(ANALYZE, BUFFERS): execution time in ms, per database.",
        "",
    ]
    for kind in ("plain", "addon"):
        statements = data["explain"][kind]
        rows = [[s["label"], f"{s['ms']:.3f}"] for s in statements]
        rows.append(["total", f"{sum(s['ms'] for s in statements):.3f}"])
        text += [f"{kind}:", "", markdown_table(["Statement", "ms"], rows), ""]
    heavy = ("page: search_fetch", "page: count", "page: duplicated", "count (search_count)")
    for kind in ("plain", "addon"):
        for statement in data["explain"][kind]:
            if not statement["label"].startswith(heavy):
                continue
            text += [
                f"### {kind}: {statement['label']}",
                "",
                "```sql",
                " ".join(statement["sql"].split()),
                "```",
                "",
                "```",
                statement["plan"],
                "```",
                "",
            ]
    table = "\n\n".join(
        [
            markdown_table(header, main_rows),
            markdown_table(spread_header, spread_rows),
            markdown_table(detail_header, detail_rows),
        ]
    )
    return "\n".join(text), table


def measure_what_if(workers, reps):
    """The addon database with the what-if index against the plain one, one
    repetition at a time, alternating."""
    existing = workers["addon"].call("what_if_begin")
    if existing:
        print(f"What if: skipped, the addon database already has index {existing}", flush=True)
        return {"existing": existing}
    print(f"What if: index on account_move ({WHAT_IF_INDEX}), {reps} repetitions", flush=True)
    result = {"plain": {"page_ms": [], "count_ms": []}, "addon": {"page_ms": [], "count_ms": []}}
    try:
        for index in range(reps):
            for kind in ("plain", "addon") if index % 2 == 0 else ("addon", "plain"):
                if kind == "plain":
                    times = workers["plain"].call("list_reps", reps=1)
                else:
                    times = workers["addon"].call("what_if_reps", reps=1)
                result[kind]["page_ms"] += times["page_ms"]
                result[kind]["count_ms"] += times["count_ms"]
    finally:
        result["count_plan"] = workers["addon"].call("what_if_end")
    return result


def parse_args():
    parser = argparse.ArgumentParser(
        description="Benchmark invoice_workflow_audit against plain Odoo 18.0 on the same data.",
    )
    parser.add_argument("--invoices", type=int, default=1000, help="invoices created per database")
    parser.add_argument("--rounds", type=int, default=10, help="rounds the invoices are created in")
    parser.add_argument("--warmup", type=int, default=20, help="invoices of the unmeasured warm-up round")
    parser.add_argument("--list-size", type=int, default=100_000, help="customer invoices in the list")
    parser.add_argument(
        "--seed-invoices", type=int, default=300, help="invoices created by the ORM before the SQL copy"
    )
    parser.add_argument(
        "--restricted-share", type=float, default=0.10, help="share of invoices in the restricted status"
    )
    parser.add_argument("--list-reps", type=int, default=100, help="list page and count repetitions")
    parser.add_argument("--block", type=int, default=1, help="list repetitions per turn of a database")
    parser.add_argument(
        "--what-if-reps", type=int, default=30, help="repetitions of the what-if index measure (0: skip)"
    )
    parser.add_argument("--plain-db", default="iwa_bench_plain", help="database with account only")
    parser.add_argument("--addon-db", default="iwa_bench_addon", help="database with account + the addon")
    parser.add_argument("--rebuild", action="store_true", help="drop and recreate both databases")
    parser.add_argument("--output", default=RESULTS, help="results file (Markdown)")
    parser.add_argument(
        "--addon-ref",
        metavar="REV",
        help="measure the addon as of this git revision (exported to a temporary directory) "
        "instead of the working tree",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--source-root", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return args
    for name in (args.plain_db, args.addon_db):
        if not name.startswith("iwa_bench_"):
            parser.error(f"database names must start with iwa_bench_: {name}")
    if args.invoices % args.rounds:
        parser.error("--invoices must be a multiple of --rounds")
    args.round_size = args.invoices // args.rounds
    if args.seed_invoices > args.list_size:
        parser.error("--seed-invoices cannot exceed --list-size")
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

    started = time.perf_counter()
    data = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "load_before": os.getloadavg()[0],
        "machine": machine_info(),
    }
    commit = export_addon(args.addon_ref) if args.addon_ref else None
    fingerprint = addon_fingerprint()
    data["addon"] = addon_identity(fingerprint, args.addon_ref, commit)
    print(f"Addon source: {data['addon']}", flush=True)
    print("Databases:", flush=True)
    workers = ready_databases(args, dataset_key(args, fingerprint))
    try:
        data["info"] = {kind: worker.call("info") for kind, worker in workers.items()}
        kinds = list(workers)

        print(f"Creating + posting invoices: warm-up ({args.warmup}), then {args.rounds} rounds", flush=True)
        for worker in workers.values():
            worker.call("create_round", count=args.warmup)
        data["create"] = {kind: [] for kind in kinds}
        for round_index in range(args.rounds):
            order = kinds if round_index % 2 == 0 else kinds[::-1]
            for kind in order:
                data["create"][kind].append(workers[kind].call("create_round", count=args.round_size))
            print(
                f"  round {round_index + 1}/{args.rounds}: "
                + ", ".join(f"{k} {data['create'][k][-1]['seconds']:.2f} s" for k in kinds),
                flush=True,
            )

        for worker in workers.values():
            worker.call("vacuum")
        print(f"Reading the invoice list: {args.list_reps} repetitions per database", flush=True)
        plain_fields = workers["plain"].call("list_reps", reps=2)["fields"]  # warm-up
        workers["addon"].call("list_reps", reps=2)
        # "addon_plain_fields": the addon database read with the fields of the
        # plain list view only, to tell the record rule from the added columns.
        calls = {
            "plain": ("plain", {}),
            "addon": ("addon", {}),
            "addon_plain_fields": ("addon", {"only_fields": plain_fields}),
        }
        data["list"] = {}
        done, turn = 0, 0
        while done < args.list_reps:
            block = min(args.block, args.list_reps - done)
            order = list(calls) if turn % 2 == 0 else list(calls)[::-1]
            for key in order:
                kind, extra = calls[key]
                result = workers[kind].call("list_reps", reps=block, **extra)
                if key not in data["list"]:
                    data["list"][key] = result
                else:
                    data["list"][key]["page_ms"] += result["page_ms"]
                    data["list"][key]["count_ms"] += result["count_ms"]
            done += block
            turn += 1
        data["explain"] = {kind: worker.call("explain") for kind, worker in workers.items()}
        if args.what_if_reps:
            data["what_if"] = measure_what_if(workers, args.what_if_reps)
    finally:
        for worker in workers.values():
            worker.stop()

    data["load_after"] = os.getloadavg()[0]
    if addon_fingerprint() != fingerprint:
        data["warning"] = (
            "The addon source changed during the run: the results may mix two versions of the "
            "addon. Run again, or measure a commit with --addon-ref."
        )
    if SOURCE["root"] != REPO:
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
