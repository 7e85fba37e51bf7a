#!/usr/bin/env python3
"""Benchmark the central activity log of invoice_workflow_audit.

Up to four databases, one run, the same invoicing data:

* ``iwa_bench_log_off``: ``account`` + ``invoice_workflow_audit``, the
  company's activity history switched off;
* ``iwa_bench_log_on``: the same, switched on (``activity_log_enabled``);
* ``iwa_bench_log_auditlog``: ``account`` + OCA ``auditlog``, a subscribed rule
  on ``account.move`` in "full" log type (create, write, unlink; all users);
* ``iwa_bench_log_plain``: ``account`` only, the baseline (``--skip-plain``).

Each one is driven by its own python3 subprocess (this script with
``--worker``), and the measures alternate between them so that they share the
machine's noise:

1. create, post and edit customer invoices through the ORM as an invoicing
   user, one by one as the form does, each step followed by what its commit
   runs (``env.flush_all()``, ``cr.precommit.run()``), in rounds that are rolled
   back (median seconds per 100 invoices);
2. in ``iwa_bench_log_on`` only, with ``--log-rows`` log rows generated in SQL:
   the log's default filtered list as the account owner (``web_search_read``
   of the list view's fields, limit 80, and ``search_count``), with EXPLAIN
   ANALYZE plans, and a what-if composite index (rolled back) when the list is
   over its target or with ``--what-if always``.

The results go to ``bench/results/activity_log.md`` and to stdout. The
databases are kept for the next run (``--rebuild`` recreates them).

    bench/bench_activity_log.py                   # full size: ~14 min, ~11 reusing the databases
    bench/bench_activity_log.py --addon-ref HEAD  # the addon as committed, not the working tree
    bench/bench_activity_log.py --invoices 100 --rounds 4 --log-rows 50000 --list-reps 10 \\
        --db-prefix iwa_bench_log_small_
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
RESULTS = os.path.join(BENCH_DIR, "results", "activity_log.md")
DB_PREFIX = "iwa_bench_log_"

# Bump when the generated data set changes: databases built by another version
# of this script are rebuilt instead of reused.
DATASET_VERSION = 1
DATASET_PARAM = "iwa_bench_log.dataset"
REFS_PARAM = "iwa_bench_log.refs"

# Left out of the source fingerprint: what the server does not run.
FINGERPRINT_SKIPPED_DIRS = {"tests", "i18n", "static", "readme", "__pycache__"}
FINGERPRINT_SKIPPED_SUFFIXES = (".pyc", ".po", ".pot", ".md", ".rst")

# The databases: label, modules installed, what they are. Measured in this order.
KINDS = {
    "off": (["account", ADDON], f"account + {ADDON}, activity history off"),
    "on": (["account", ADDON], f"account + {ADDON}, activity history on"),
    "auditlog": (["account", "auditlog"], "account + OCA auditlog, rule on account.move, full log"),
    "plain": (["account"], "account only (baseline)"),
}

BENCH_LOGIN = "iwa_bench_log_invoicing_user"
OWNER_LOGIN = "iwa_bench_log_account_owner"
LOG_USER_LOGIN = "iwa_bench_log_user_{:02d}"
CUSTOMER_COUNT = 5
LIST_LIMIT = 80
COUNT_LIMIT = 10001  # what the web client sends (DEFAULT_COUNT_LIMIT + 1)
LIST_VIEW = f"{ADDON}.invoice_activity_log_view_list"
LIST_DAYS = 30  # the list view's default filter "Last 30 Days"
# The filtered list: the busiest user's modifications of the last 30 days.
LIST_ACTION = "document_modified"

TARGET_ON_OFF = 1.15  # the log costs less than 15 % over the log switched off
TARGET_ON_AUDITLOG = 1.00  # and less than auditlog in full mode
TARGET_LIST_MS = 50.0  # median of the filtered list's page and count

# The index tried (and rolled back) by the "what if" measure.
WHAT_IF_INDEX_NAME = "iwa_bench_log_what_if_idx"
WHAT_IF_COLUMNS = ["company_id", "action_type", "user_id", "date DESC", "id DESC"]

# Share of each action type in the generated log (rows per 10,000): invoices
# are created, modified, posted and sent far more often than the
# configuration changes.
ACTION_WEIGHTS = [
    ("document_modified", 2200),
    ("status_changed", 1600),
    ("document_created", 1400),
    ("document_posted", 1300),
    ("document_printed", 800),
    ("document_sent", 800),
    ("send_state_changed", 700),
    ("payment_created", 300),
    ("payment_reconciled", 300),
    ("reminder_sent", 200),
    ("document_reset", 100),
    ("document_cancelled", 100),
    ("payment_modified", 60),
    ("document_deleted", 50),
    ("payment_unreconciled", 40),
    ("payment_deleted", 20),
    ("status_config_modified", 12),
    ("status_config_created", 8),
    ("status_config_deleted", 4),
    ("log_enabled", 3),
    ("log_disabled", 3),
]


def die(message):
    print(f"\n*** {message}", file=sys.stderr, flush=True)
    sys.exit(2)


# Where the addon is read from: this repository, or a directory that
# --addon-ref exported a commit of the addon to.
SOURCE = {"root": REPO}


def addons_path():
    """The addon's source root, then Odoo's own addons directories (auditlog,
    installed from PyPI, is found in the odoo.addons namespace)."""
    import odoo

    paths = [SOURCE["root"], os.path.join(os.path.dirname(odoo.__file__), "addons")]
    root_addons = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons")
    if os.path.isdir(root_addons):
        paths.append(root_addons)
    return ",".join(dict.fromkeys(paths))


def user_weights(count):
    """Share of each generated user in the log: a few busy users, a long tail
    (weight 1 / rank^0.8)."""
    raw = [1 / (rank**0.8) for rank in range(1, count + 1)]
    return [weight / sum(raw) for weight in raw]


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

    def has_module(self, name):
        return name in self.registry._init_modules

    def load_refs(self):
        if self.refs is None:
            with self.cursor() as cr:
                raw = self.env(cr)["ir.config_parameter"].get_param(REFS_PARAM)
            self.refs = json.loads(raw)
        return self.refs

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

    @staticmethod
    def _max_ids(cr, tables):
        """The highest id of each of ``tables`` that exists (0 when empty)."""
        result = {}
        for table in tables:
            cr.execute("SELECT to_regclass(%s)", [table])
            if cr.fetchone()[0]:
                cr.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')
                result[table] = cr.fetchone()[0]
        return result

    # -- commands ------------------------------------------------------

    def cmd_info(self):
        with self.cursor() as cr:
            cr.execute("SHOW server_version")
            pg_version = cr.fetchone()[0]
            cr.execute(
                "SELECT name, latest_version FROM ir_module_module WHERE state = 'installed' AND name IN %s",
                [("account", ADDON, "auditlog")],
            )
            modules = dict(cr.fetchall())
            info = {
                "odoo_version": self.odoo.release.version,
                "postgres_version": pg_version,
                "modules": modules,
            }
            if self.has_module(ADDON):
                cr.execute("SELECT bool_or(activity_log_enabled) FROM res_company")
                info["log_enabled"] = bool(cr.fetchone()[0])
                cr.execute(
                    "SELECT count(*), pg_relation_size('invoice_activity_log') / 8192,"
                    " pg_indexes_size('invoice_activity_log') / 8192 FROM invoice_activity_log"
                )
                info["log_rows"], info["log_pages"], info["log_index_pages"] = cr.fetchone()
                cr.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'invoice_activity_log'"
                    " ORDER BY indexname"
                )
                info["log_indexes"] = [row[1] for row in cr.fetchall()]
            if self.has_module("auditlog"):
                cr.execute(
                    "SELECT r.log_type, r.state, r.log_create, r.log_write, r.log_unlink,"
                    " (SELECT count(*) FROM audittail_rules_users u WHERE u.rule_id = r.id)"
                    " FROM auditlog_rule r JOIN ir_model m ON m.id = r.model_id"
                    " WHERE m.model = 'account.move'"
                )
                row = cr.fetchone()
                info["auditlog_rule"] = (
                    dict(zip(("log_type", "state", "create", "write", "unlink", "users"), row, strict=True))
                    if row
                    else None
                )
        return info

    def cmd_prepare(self, kind, dataset, log_rows, log_users):
        """Chart of accounts, the bench users, customers and product; then the
        kind's own setup: the activity history switched on (``on``), the
        auditlog rule (``auditlog``); the generated log rows (``on``)."""
        timings = {}
        started = time.perf_counter()
        with self.cursor() as cr:
            env = self.env(cr)
            if not env.company.chart_template:
                env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)
        timings["chart_of_accounts_s"] = time.perf_counter() - started

        with self.cursor() as cr:
            env = self.env(cr)
            refs = self._create_master_data(env)
            if kind == "on":
                env.company.sudo().activity_log_enabled = True
            if kind == "auditlog":
                refs["auditlog_rule_id"] = self._create_auditlog_rule(env)
            env["ir.config_parameter"].set_param(REFS_PARAM, json.dumps(refs))
        self.refs = refs

        if kind == "on" and log_rows:
            started = time.perf_counter()
            with self.cursor() as cr:
                refs.update(self._generate_log(self.env(cr), log_rows, log_users))
                self.env(cr)["ir.config_parameter"].set_param(REFS_PARAM, json.dumps(refs))
            timings["log_rows_s"] = time.perf_counter() - started

        started = time.perf_counter()
        self._maintenance("SET default_statistics_target = 1000", "VACUUM ANALYZE")
        timings["vacuum_analyze_s"] = time.perf_counter() - started

        with self.cursor() as cr:
            self.env(cr)["ir.config_parameter"].set_param(DATASET_PARAM, dataset)
        return timings

    def _create_master_data(self, env):
        from odoo import Command

        company = env.company
        groups = [env.ref("base.group_user").id, env.ref("account.group_account_invoice").id]
        Users = env["res.users"].with_context(no_reset_password=True)
        user = Users.create(
            {
                "name": "IWA Bench Invoicing User",
                "login": BENCH_LOGIN,
                "email": "iwa.bench.log@example.com",
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "groups_id": [Command.set(groups)],
            }
        )
        refs = {"user_id": user.id}
        if self.has_module(ADDON):
            owner = Users.create(
                {
                    "name": "IWA Bench Account Owner",
                    "login": OWNER_LOGIN,
                    "email": "iwa.bench.owner@example.com",
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [
                        Command.set(
                            [env.ref("base.group_user").id, env.ref(f"{ADDON}.group_account_owner").id]
                        )
                    ],
                }
            )
            refs["owner_id"] = owner.id
        partners = env["res.partner"].create(
            [
                {"name": f"IWA Bench Customer {index:02d}", "email": f"customer{index:02d}@example.com"}
                for index in range(1, CUSTOMER_COUNT + 1)
            ]
        )
        product = env["product.product"].create(
            {"name": "IWA Bench Service", "type": "service", "list_price": 100.0}
        )
        refs.update(partner_ids=partners.ids, product_id=product.id)
        return refs

    def _create_auditlog_rule(self, env):
        """A rule on account.move, full log of create / write / unlink, for
        every user (no user listed), subscribed as the form's button does."""
        rule = env["auditlog.rule"].create(
            {
                "name": "Journal entries (IWA bench)",
                "model_id": env["ir.model"]._get_id("account.move"),
                "log_type": "full",
                "log_create": True,
                "log_write": True,
                "log_unlink": True,
                "log_read": False,
            }
        )
        rule.subscribe()
        return rule.id

    def _generate_log(self, env, rows, user_count):
        """``rows`` log rows in SQL: one company, ``user_count`` users, the
        action types of ACTION_WEIGHTS, dates spread evenly over the last two
        years in the order of the ids (an append-only log), a placeholder
        hash. Deterministic (setseed)."""
        from odoo import Command

        cr = env.cr
        company = env.company
        group_ids = [env.ref("base.group_user").id, env.ref("account.group_account_invoice").id]
        users = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                [
                    {
                        "name": f"IWA Bench Log User {index:02d}",
                        "login": LOG_USER_LOGIN.format(index),
                        "company_id": company.id,
                        "company_ids": [Command.set(company.ids)],
                        "groups_id": [Command.set(group_ids)],
                    }
                    for index in range(1, user_count + 1)
                ]
            )
        )
        total = sum(weight for _action, weight in ACTION_WEIGHTS)
        action_ranges, low = [], 0.0
        for action, weight in ACTION_WEIGHTS:
            action_ranges.append((action, low, low + weight / total))
            low += weight / total
        user_ranges, low = [], 0.0
        for user_id, share in zip(users.ids, user_weights(user_count), strict=True):
            user_ranges.append((user_id, users.browse(user_id).login, low, low + share))
            low += share
        cr.execute("SELECT setseed(0.42)")
        cr.execute(
            "CREATE TEMP TABLE bench_actions (action varchar, lo float8, hi float8) ON COMMIT DROP;"
            "CREATE TEMP TABLE bench_users (user_id int, login varchar, lo float8, hi float8) ON COMMIT DROP"
        )
        cr.execute(
            "INSERT INTO bench_actions VALUES " + ", ".join(["(%s, %s, %s)"] * len(action_ranges)),
            [value for row in action_ranges for value in row],
        )
        cr.execute(
            "INSERT INTO bench_users VALUES " + ", ".join(["(%s, %s, %s, %s)"] * len(user_ranges)),
            [value for row in user_ranges for value in row],
        )
        cr.execute(
            """
            INSERT INTO invoice_activity_log
                   (date, user_id, ip_address, company_id, action_type, res_model, res_id,
                    document_name, description, send_state, hash)
            SELECT g.date, u.user_id, '192.0.2.' || (10 + u.user_id %% 200), %(company)s, a.action,
                   'account.move', g.res_id,
                   'INV/' || to_char(g.date, 'YYYY') || '/' || lpad((g.res_id %% 100000)::text, 5, '0'),
                   CASE a.action
                        WHEN 'document_modified' THEN 'Reference: - → BENCH/' || g.k
                        WHEN 'status_changed' THEN 'Workflow Status: New → In progress'
                        WHEN 'document_posted' THEN 'Status: Draft → Posted'
                        WHEN 'document_printed' THEN 'Printed: Invoices'
                        WHEN 'document_sent' THEN 'Recipients: customer@example.com'
                        WHEN 'send_state_changed' THEN 'E-mail Sent'
                        ELSE NULL END,
                   CASE WHEN a.action IN ('document_sent', 'reminder_sent', 'send_state_changed')
                        THEN 'sent' END,
                   md5(g.k::text) || md5((g.k + 1)::text)
              FROM (
                    SELECT k, random() AS ra, random() AS ru,
                           (now() AT TIME ZONE 'UTC') - interval '730 days'
                               + (k - 1) * (interval '730 days' / %(rows)s)
                               + random() * interval '1 minute' AS date,
                           1 + floor(random() * 100000)::int AS res_id
                      FROM generate_series(1, %(rows)s) AS k
                   ) g
              JOIN bench_actions a ON g.ra >= a.lo AND (g.ra < a.hi OR a.hi >= 0.999999999)
              JOIN bench_users u ON g.ru >= u.lo AND (g.ru < u.hi OR u.hi >= 0.999999999)
             ORDER BY g.k
            """,
            {"company": company.id, "rows": rows},
        )
        inserted = cr.rowcount
        return {"log_user_ids": users.ids, "list_user_id": users.ids[0], "log_rows_inserted": inserted}

    def cmd_vacuum(self):
        """Clear the rows of the rolled back creation rounds before the list is read."""
        started = time.perf_counter()
        self._maintenance("VACUUM invoice_activity_log", "VACUUM invoice_activity_log_chain")
        return time.perf_counter() - started

    # -- 1. creating, posting and editing invoices ----------------------

    def cmd_create_round(self, count):
        """Create, post and edit ``count`` invoices one by one as the bench
        user; each step (a request of the web client) is followed by what its
        commit runs but the COMMIT itself: ``env.flush_all()``, then the
        pre-commit hooks (chatter tracking, the activity log's INSERT), then
        ``env.flush_all()`` again. The ORM cache is kept from step to step: the
        fixed cost is the smallest, which makes the ratios the strictest. The
        round is rolled back, so that every round and every run sees the same
        data."""
        from odoo import Command, fields

        refs = self.load_refs()
        tables = ["invoice_activity_log", "auditlog_log", "auditlog_log_line", "mail_message"]
        tables.append("mail_tracking_value")
        cr = self.cursor()
        try:
            env = self.env(cr, refs["user_id"], {"default_move_type": "out_invoice"})
            Move = env["account.move"]
            today = fields.Date.context_today(Move)
            vals = {
                "move_type": "out_invoice",
                "partner_id": refs["partner_ids"][0],
                "invoice_date": today,
                "invoice_line_ids": [
                    Command.create({"product_id": refs["product_id"], "quantity": 1.0, "price_unit": 100.0})
                ],
            }
            before = self._max_ids(cr, tables)
            phases = {"create": 0.0, "post": 0.0, "edit": 0.0, "commit": 0.0}
            queries = cr.sql_log_count

            def commit():
                started = time.perf_counter()
                env.flush_all()
                cr.precommit.run()
                env.flush_all()
                phases["commit"] += time.perf_counter() - started

            started_all = time.perf_counter()
            for index in range(count):
                started = time.perf_counter()
                move = Move.create(vals)
                phases["create"] += time.perf_counter() - started
                commit()
                started = time.perf_counter()
                move.action_post()
                phases["post"] += time.perf_counter() - started
                commit()
                started = time.perf_counter()
                move.write(
                    {"ref": f"BENCH/{index:05d}", "invoice_date_due": today + datetime.timedelta(days=45)}
                )
                phases["edit"] += time.perf_counter() - started
                commit()
            elapsed = time.perf_counter() - started_all
            queries = cr.sql_log_count - queries
            # Counted, not told by max(id): the sequences went on through the
            # rounds rolled back before.
            written = {}
            for table, max_id in before.items():
                cr.execute(f'SELECT count(*) FROM "{table}" WHERE id > %s', [max_id])
                written[table] = cr.fetchone()[0]
            log_actions = {}
            if "invoice_activity_log" in before:
                cr.execute(
                    "SELECT action_type, count(*) FROM invoice_activity_log"
                    " WHERE id > %s GROUP BY 1 ORDER BY 1",
                    [before["invoice_activity_log"]],
                )
                log_actions = dict(cr.fetchall())
            check = self._check_round(env, move, today)
        finally:
            cr.rollback()
            cr.close()
        return {
            "seconds": elapsed,
            "queries": queries,
            "phases": phases,
            "rows": written,
            "log_actions": log_actions,
            "check": check,
        }

    def _check_round(self, env, move, today):
        """What the last invoice of a round looks like: posted and edited."""
        move = move.sudo()
        return {
            "state": move.state,
            "ref": move.ref,
            "due_days": (move.invoice_date_due - today).days,
        }

    # -- 2. the activity log's filtered list ---------------------------

    def list_domain(self):
        refs = self.load_refs()
        since = datetime.datetime.combine(
            datetime.date.today() - datetime.timedelta(days=LIST_DAYS), datetime.time(0, 0)
        )
        return [
            ("action_type", "=", LIST_ACTION),
            ("user_id", "=", refs["list_user_id"]),
            ("date", ">=", since.strftime("%Y-%m-%d %H:%M:%S")),
        ]

    def list_context(self):
        return {"bin_size": True, "search_default_filter_last_30_days": 1}

    def list_specification(self, env):
        """The fields of the log's list view, as get_views gives it to the user
        and the web client asks them."""
        from lxml import etree

        Log = env["invoice.activity.log"]
        view = env.ref(LIST_VIEW)
        result = Log.get_views([(view.id, "list")])
        arch = etree.fromstring(result["views"]["list"]["arch"])
        fields_info = result["models"]["invoice.activity.log"]["fields"]
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

    def _list_once(self, env, spec, domain, times):
        Log = env["invoice.activity.log"]
        started = time.perf_counter()
        result = Log.web_search_read(domain, spec, limit=LIST_LIMIT, count_limit=COUNT_LIMIT)
        times["page_ms"].append((time.perf_counter() - started) * 1000)
        env.invalidate_all()
        started = time.perf_counter()
        total = Log.search_count(domain)
        times["count_ms"].append((time.perf_counter() - started) * 1000)
        return result, total

    def cmd_list_reps(self, reps):
        """``reps`` times: the first page of the filtered log list as the owner,
        then the count of the same domain, each in a fresh cursor and
        environment (a new request)."""
        refs = self.load_refs()
        domain = self.list_domain()
        times = {"page_ms": [], "count_ms": []}
        page_queries = count_queries = length = total = page_length = None
        spec = {}
        for _rep in range(reps):
            with self.cursor() as cr:
                env = self.env(cr, refs["owner_id"], self.list_context())
                spec = self.list_specification(env)
                Log = env["invoice.activity.log"]
                queries = cr.sql_log_count
                started = time.perf_counter()
                result = Log.web_search_read(domain, spec, limit=LIST_LIMIT, count_limit=COUNT_LIMIT)
                times["page_ms"].append((time.perf_counter() - started) * 1000)
                page_queries = cr.sql_log_count - queries
                length, page_length = result["length"], len(result["records"])
                cr.rollback()
            with self.cursor() as cr:
                env = self.env(cr, refs["owner_id"], self.list_context())
                queries = cr.sql_log_count
                started = time.perf_counter()
                total = env["invoice.activity.log"].search_count(domain)
                times["count_ms"].append((time.perf_counter() - started) * 1000)
                count_queries = cr.sql_log_count - queries
                cr.rollback()
        return {
            **times,
            "page_queries": page_queries,
            "count_queries": count_queries,
            "length": length,
            "page_length": page_length,
            "count": total,
            "fields": list(spec),
            "domain": domain,
        }

    def cmd_list_data(self):
        """How many rows the list's filters keep, one by one and together."""
        refs = self.load_refs()
        since = self.list_domain()[2][2]
        with self.cursor() as cr:
            cr.execute(
                """
                SELECT count(*),
                       count(*) FILTER (WHERE date >= %(since)s),
                       count(*) FILTER (WHERE action_type = %(action)s),
                       count(*) FILTER (WHERE user_id = %(user)s),
                       count(*) FILTER (WHERE date >= %(since)s AND action_type = %(action)s
                                          AND user_id = %(user)s),
                       count(DISTINCT action_type), count(DISTINCT user_id),
                       min(date), max(date)
                  FROM invoice_activity_log
                """,
                {"since": since, "action": LIST_ACTION, "user": refs["list_user_id"]},
            )
            keys = ("rows", "in_window", "of_action", "of_user", "matching", "actions", "users")
            row = cr.fetchone()
            data = dict(zip(keys, row[:7], strict=True))
            data["first_date"], data["last_date"] = str(row[7]), str(row[8])
        return data

    def cmd_explain(self):
        """EXPLAIN ANALYZE of every SELECT on the log that one page and one
        count run as the owner (captured while they run, record rules included)."""
        import odoo.sql_db

        refs = self.load_refs()
        domain = self.list_domain()
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
                env = self.env(cr, refs["owner_id"], self.list_context())
                spec = self.list_specification(env)
                del captured[:]
                env["invoice.activity.log"].web_search_read(
                    domain, spec, limit=LIST_LIMIT, count_limit=COUNT_LIMIT
                )
                calls["page"] = list(captured)
                del captured[:]
                env["invoice.activity.log"].search_count(domain)
                calls["count"] = list(captured)
                cr.rollback()
        finally:
            odoo.sql_db.Cursor.execute = original
        with self.cursor() as cr:
            statements = self._explain_statements(cr, calls)
            cr.rollback()
        return statements

    @staticmethod
    def _explain_statements(cr, calls):
        statements = []
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
        return statements

    # "What if" index: created in a transaction kept open across the calls
    # below, then rolled back: nothing of it stays in the database.

    def cmd_what_if_begin(self):
        """Create the index unless the table has one on the same columns;
        returns the definition of that existing index, or None."""
        columns = ", ".join(WHAT_IF_COLUMNS)
        with self.cursor() as cr:
            cr.execute(
                "SELECT indexdef FROM pg_indexes"
                " WHERE tablename = 'invoice_activity_log' AND indexdef LIKE %s",
                [f"%({columns})%"],
            )
            row = cr.fetchone()
        if row:
            return row[0]
        self.what_if_cr = self.cursor()
        self.what_if_cr.execute(f"CREATE INDEX {WHAT_IF_INDEX_NAME} ON invoice_activity_log ({columns})")
        return None

    def cmd_what_if_reps(self, reps, with_index):
        """The page and the count as in cmd_list_reps, in one transaction that
        holds the index (``with_index``) or in a fresh one without it, each call
        starting from an empty cache."""
        refs = self.load_refs()
        domain = self.list_domain()
        times = {"page_ms": [], "count_ms": []}
        cr = self.what_if_cr if with_index else self.cursor()
        try:
            env = self.env(cr, refs["owner_id"], self.list_context())
            spec = self.list_specification(env)
            for _rep in range(reps):
                env.invalidate_all()
                result, total = self._list_once(env, spec, domain, times)
                env.invalidate_all()
        finally:
            if not with_index:
                cr.rollback()
                cr.close()
        return {**times, "length": result["length"], "count": total}

    def cmd_what_if_end(self):
        """EXPLAIN ANALYZE of the page and the count with the index, then roll it back."""
        from odoo.tools import SQL

        refs = self.load_refs()
        cr = self.what_if_cr
        try:
            env = self.env(cr, refs["owner_id"], self.list_context())
            Log = env["invoice.activity.log"]
            query = Log._search(self.list_domain(), limit=LIST_LIMIT, order=Log._order)
            plans = {}
            cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", query.select()))
            plans["page"] = "\n".join(row[0] for row in cr.fetchall())
            query = Log._search(self.list_domain())
            cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", query.select("COUNT(*)")))
            plans["count"] = "\n".join(row[0] for row in cr.fetchall())
            return plans
        finally:
            cr.rollback()
            cr.close()
            self.what_if_cr = None


def statement_label(call, query):
    """A short name for a statement of the list page or of the count."""
    flat = " ".join(query.split())
    if call == "count" and flat.startswith("SELECT COUNT(*)"):
        return "count (search_count)"
    if "COUNT(*)" in flat:
        return f"page: count up to {COUNT_LIMIT - 1} (count_limit)"
    if 'FROM "invoice_activity_log"' in flat and f"LIMIT {LIST_LIMIT}" in flat:
        return f"page: search_fetch (ORDER BY, LIMIT {LIST_LIMIT})"
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


def check_db_name(name):
    if not name.startswith(DB_PREFIX):
        die(f"Refusing to touch database {name}: benchmark databases are named {DB_PREFIX}*")


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

    check_db_name(name)
    conn = psycopg2.connect(dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


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


def auditlog_version():
    """The installed auditlog package, or None when it is missing."""
    from importlib import metadata

    try:
        import odoo.addons.auditlog  # noqa: F401
    except ImportError:
        return None
    try:
        return metadata.version("odoo-addon-auditlog")
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
    root = tempfile.mkdtemp(prefix="iwa_bench_log_addon_")
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


def dataset_key(args, kind, fingerprint, auditlog):
    """What a database of ``kind`` must hold to be reused: the key depends on
    the addon's source only where the addon is installed."""
    import odoo.release

    key = {"version": DATASET_VERSION, "odoo": odoo.release.version, "kind": kind}
    if ADDON in KINDS[kind][0]:
        key["addon_source"] = fingerprint
    if kind == "on":
        key.update(log_rows=args.log_rows, log_users=args.log_users)
    if kind == "auditlog":
        key["auditlog"] = auditlog
    return json.dumps(key, sort_keys=True)


def database_state(name):
    """What database ``name`` holds, read in SQL (no registry: the addon code may
    not match the database any more). None when it does not exist."""
    import psycopg2

    if not database_exists(name):
        return None
    conn = psycopg2.connect(dbname=name)
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
                [("account", ADDON, "auditlog")],
            )
            installed = {row[0] for row in cr.fetchall()}
    finally:
        conn.close()
    return {"installed": installed, "dataset": params.get(DATASET_PARAM), "started": REFS_PARAM in params}


def ready_databases(args, fingerprint, auditlog):
    """One worker per database: reused when it holds the wanted data set, else
    built again. Each database depends on its own modules only: a change of
    the addon rebuilds ``off`` and ``on``, not ``plain`` nor ``auditlog``."""
    workers, timings = {}, {}
    for kind in args.kinds:
        name = args.databases[kind]
        modules = KINDS[kind][0]
        wanted = dataset_key(args, kind, fingerprint, auditlog)
        state = database_state(name)
        if state and not args.rebuild and state["installed"] == set(modules) and state["dataset"] == wanted:
            print(f"  {name}: reusing it", flush=True)
            workers[kind] = WorkerProcess(name, kind)
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
        workers[kind] = WorkerProcess(name, kind)
        print(f"  {name}: preparing the data", flush=True)
        timings[kind].update(
            workers[kind].call(
                "prepare", kind=kind, dataset=wanted, log_rows=args.log_rows, log_users=args.log_users
            )
        )
        print(
            "  {}: data ready ({})".format(name, ", ".join(f"{k} {v:.1f}" for k, v in timings[kind].items())),
            flush=True,
        )
    return workers, timings


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


def measure_creation(args, workers, data):
    kinds = list(workers)
    print(
        f"Creating + posting + editing invoices: warm-up ({args.warmup}), then {args.rounds} rounds",
        flush=True,
    )
    for kind, worker in workers.items():
        check = worker.call("create_round", count=max(args.warmup, 1))["check"]
        if check != {"state": "posted", "ref": f"BENCH/{max(args.warmup, 1) - 1:05d}", "due_days": 45}:
            die(f"The {kind} database did not post and edit the invoices as expected: {check}")
    data["create"] = {kind: [] for kind in kinds}
    for round_index in range(args.rounds):
        # Every database takes every place in the order in turn.
        shift = round_index % len(kinds)
        order = kinds[shift:] + kinds[:shift]
        if round_index // len(kinds) % 2:
            order.reverse()
        for kind in order:
            data["create"][kind].append(workers[kind].call("create_round", count=args.round_size))
        print(
            f"  round {round_index + 1}/{args.rounds}: "
            + ", ".join(f"{k} {data['create'][k][-1]['seconds']:.2f} s" for k in kinds),
            flush=True,
        )


def measure_list(args, worker, data):
    worker.call("vacuum")
    data["list_data"] = worker.call("list_data")
    print(
        f"Reading the filtered log list: {args.list_reps} repetitions "
        f"({data['list_data']['matching']} rows match out of {data['list_data']['rows']})",
        flush=True,
    )
    worker.call("list_reps", reps=2)  # warm-up
    result = None
    for _block in range(args.list_reps):
        times = worker.call("list_reps", reps=1)
        if result is None:
            result = times
        else:
            result["page_ms"] += times["page_ms"]
            result["count_ms"] += times["count_ms"]
    data["list"] = result
    data["explain"] = worker.call("explain")
    over = max(median(result["page_ms"]), median(result["count_ms"])) >= TARGET_LIST_MS
    if args.what_if == "always" or (args.what_if == "auto" and over):
        data["what_if"] = measure_what_if(worker, args.what_if_reps)


def measure_what_if(worker, reps):
    """The list with the what-if index against the list without it, one
    repetition at a time, alternating, both in the same mode (one transaction,
    empty cache for each call)."""
    existing = worker.call("what_if_begin")
    if existing:
        print(f"What if: skipped, the log already has such an index: {existing}", flush=True)
        return {"existing": existing}
    print(f"What if: index on invoice_activity_log ({', '.join(WHAT_IF_COLUMNS)}), {reps} repetitions")
    result = {"without": {"page_ms": [], "count_ms": []}, "with": {"page_ms": [], "count_ms": []}}
    try:
        for index in range(reps):
            for key in ("without", "with") if index % 2 == 0 else ("with", "without"):
                times = worker.call("what_if_reps", reps=1, with_index=key == "with")
                result[key]["page_ms"] += times["page_ms"]
                result[key]["count_ms"] += times["count_ms"]
                result[key]["count"] = times["count"]
    finally:
        result["plans"] = worker.call("what_if_end")
    return result


# -- the report ----------------------------------------------------------


def creation_values(args, data, kind):
    return [r["seconds"] * 100 / args.round_size for r in data["create"][kind]]


def ratio_row(args, data, label, top, bottom, target=None):
    tops, bottoms = creation_values(args, data, top), creation_values(args, data, bottom)
    ratio = median(tops) / median(bottoms)
    return [
        label,
        f"{median(tops):.3f} s / {median(bottoms):.3f} s",
        f"{ratio:.3f}",
        f"{min(tops) / min(bottoms):.3f}",
        f"< {target:.2f}" if target else "-",
        verdict(ratio, target) if target else "-",
    ]


def target_rows(args, data):
    rows = [
        ratio_row(args, data, "Create + post + edit: log on / log off", "on", "off", TARGET_ON_OFF),
        ratio_row(
            args, data, "Create + post + edit: log on / auditlog full", "on", "auditlog", TARGET_ON_AUDITLOG
        ),
        ratio_row(args, data, "Create + post + edit: auditlog full / log off", "auditlog", "off"),
    ]
    if "plain" in data["create"]:
        rows += [
            ratio_row(args, data, "Create + post + edit: log off / plain account", "off", "plain"),
            ratio_row(args, data, "Create + post + edit: log on / plain account", "on", "plain"),
            ratio_row(args, data, "Create + post + edit: auditlog full / plain account", "auditlog", "plain"),
        ]
    return rows


def list_rows(data):
    lists = data["list"]
    rows = []
    for label, key in (
        (f"Filtered log list, first page (web_search_read, limit {LIST_LIMIT})", "page_ms"),
        ("Filtered log list, count (search_count)", "count_ms"),
    ):
        value = median(lists[key])
        rows.append(
            [
                label,
                f"{value:.1f} ms",
                spread(lists[key], 1),
                f"< {TARGET_LIST_MS:.0f} ms",
                verdict(value, TARGET_LIST_MS),
            ]
        )
    return rows


def creation_detail(args, data):
    per = args.round_size
    kinds = list(data["create"])
    header = ["Detail (medians per invoice unless said)", *kinds]

    def row(label, getter, digits=1):
        return [label] + [f"{median(getter(r) for r in data['create'][kind]):.{digits}f}" for kind in kinds]

    def rows_of(table):
        return lambda r: r["rows"].get(table, 0) / per

    rows = [
        ["Seconds per 100 invoices, min / median / max"]
        + [spread(creation_values(args, data, kind), 3) for kind in kinds],
        row("  of which create (ms)", lambda r: r["phases"]["create"] * 1000 / per),
        row("  of which action_post (ms)", lambda r: r["phases"]["post"] * 1000 / per),
        row("  of which write ref + due date (ms)", lambda r: r["phases"]["edit"] * 1000 / per),
        row(
            "  of which flush + pre-commit, 3 per invoice (ms)", lambda r: r["phases"]["commit"] * 1000 / per
        ),
        row("SQL queries", lambda r: r["queries"] / per),
        row("Activity log rows (invoice_activity_log)", rows_of("invoice_activity_log"), 2),
        row("auditlog_log rows", rows_of("auditlog_log"), 2),
        row("auditlog_log_line rows", rows_of("auditlog_log_line"), 2),
        row("Chatter messages (mail_message)", rows_of("mail_message"), 2),
        row("Tracking values (mail_tracking_value)", rows_of("mail_tracking_value"), 2),
    ]
    return header, rows


def log_actions_table(args, data):
    """Activity log rows per invoice by action type, from the last round of ``on``."""
    actions = data["create"]["on"][-1]["log_actions"]
    rows = [[action, f"{count / args.round_size:.2f}"] for action, count in actions.items()]
    rows.append(["total", f"{sum(actions.values()) / args.round_size:.2f}"])
    return markdown_table(["Activity log rows per invoice (log on)", "Rows"], rows)


def what_if_section(data):
    what_if = data.get("what_if")
    columns = ", ".join(WHAT_IF_COLUMNS)
    if not what_if:
        return []
    title = f"## What if: index on invoice_activity_log ({columns})"
    if what_if.get("existing"):
        return [title, "", f"Skipped: the table already has such an index (`{what_if['existing']}`).", ""]
    rows = []
    for label, key in (("First page", "page_ms"), ("Count", "count_ms")):
        without, with_index = median(what_if["without"][key]), median(what_if["with"][key])
        rows.append(
            [
                label,
                f"{without:.1f} ms",
                f"{with_index:.1f} ms",
                f"{with_index / without:.3f}",
                verdict(with_index, TARGET_LIST_MS),
            ]
        )
    return [
        title,
        "",
        "Not part of the addon. Measured with the index created in a transaction that is rolled back "
        "afterwards (nothing stays), alternating with the same calls in a transaction without it; "
        f"{len(what_if['with']['page_ms'])} repetitions each, every call from an empty cache.",
        "",
        markdown_table(["Measure", "Without (median)", "With the index (median)", "Ratio", "< 50 ms"], rows),
        "",
        "With the index, the page:",
        "",
        "```",
        what_if["plans"]["page"],
        "```",
        "",
        "and the count:",
        "",
        "```",
        what_if["plans"]["count"],
        "```",
        "",
    ]


def explain_section(data):
    statements = data["explain"]
    rows = [[s["label"], f"{s['ms']:.3f}"] for s in statements]
    rows.append(["total", f"{sum(s['ms'] for s in statements):.3f}"])
    text = [
        "## SQL statements of the list, timed with EXPLAIN ANALYZE as the owner",
        "",
        "Every SELECT run by one page and one count, run again under EXPLAIN (ANALYZE, BUFFERS): "
        "execution time in ms.",
        "",
        markdown_table(["Statement", "ms"], rows),
        "",
    ]
    for statement in statements:
        if not statement["label"].startswith(("page: search_fetch", "page: count", "count (search_count)")):
            continue
        text += [
            f"### {statement['label']}",
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
    return text


def databases_section(args, data):
    rows = []
    for kind in data["create"]:
        info = data["info"][kind]
        modules = ", ".join(f"{name} {version}" for name, version in sorted(info["modules"].items()))
        setup = KINDS[kind][1]
        if kind in ("off", "on"):
            setup += f" (activity_log_enabled = {info['log_enabled']}, {info['log_rows']} log rows)"
        if kind == "auditlog" and info.get("auditlog_rule"):
            rule = info["auditlog_rule"]
            setup += (
                f" (rule: {rule['log_type']}, {rule['state']}, create/write/unlink "
                f"{rule['create']}/{rule['write']}/{rule['unlink']}, {rule['users']} users listed = all)"
            )
        rows.append([kind, f"`{args.databases[kind]}`", modules, setup])
    return markdown_table(["Kind", "Database", "Modules", "Setup"], rows)


def list_detail(data):
    lists, ld = data["list"], data["list_data"]
    on = data["info"]["on"]
    rows = [
        ["Log rows (invoice_activity_log)", str(ld["rows"])],
        ["  dates", f"{ld['first_date'][:16]} to {ld['last_date'][:16]}"],
        ["  action types / users", f"{ld['actions']} / {ld['users']}"],
        [f"  in the last {LIST_DAYS} days", str(ld["in_window"])],
        [f"  of action {LIST_ACTION}", str(ld["of_action"])],
        ["  of the list's user (the busiest)", str(ld["of_user"])],
        ["  matching the whole domain (count)", f"{ld['matching']} ({lists['count']})"],
        ["Table / indexes, 8 kB pages", f"{on['log_pages']} / {on['log_index_pages']}"],
        ["Page: records, length", f"{lists['page_length']}, {lists['length']}"],
        ["SQL queries per page / count", f"{lists['page_queries']} / {lists['count_queries']}"],
        ["Fields read by the page", ", ".join(lists["fields"])],
        ["Domain", f"`{lists['domain']}` + record rule company_id in company_ids"],
    ]
    return markdown_table(["List data", "Value"], rows)


def build_report(args, data):
    create_header = ["Measure", "Medians (per 100 invoices)", "Median ratio", "Min ratio", "Target", "Result"]
    create_table = markdown_table(create_header, target_rows(args, data))
    list_table = None
    if data.get("list"):
        list_table = markdown_table(
            ["Measure", "Median", "Min / median / max", "Target", "Result"], list_rows(data)
        )
    detail_header, detail_rows = creation_detail(args, data)
    info = next(iter(data["info"].values()))
    machine = data["machine"]
    text = [
        "# Benchmark: the activity log of invoice_workflow_audit",
        "",
        f"- Date: {data['date']}",
        f"- Odoo {info['odoo_version']}, PostgreSQL {info['postgres_version']}, Python {machine['python']}",
        f"- Machine: {machine['cpu']}, {machine['memory']} RAM, {machine['system']}",
        f"- Load average (1 min) before / after: {data['load_before']:.2f} / {data['load_after']:.2f}",
        f"- Addon source: {data['addon']}; auditlog: {data['auditlog']}",
        f"- Creation: {args.invoices} invoices per database in {args.rounds} rounds of {args.round_size}, "
        f"the databases in turn, after a warm-up round of {args.warmup}; per invoice: create, "
        "action_post, write (ref, invoice_date_due), each followed by env.flush_all() + "
        "cr.precommit.run(); every round rolled back",
        f"- List: {args.list_reps} repetitions in `{args.databases['on']}` as the account owner, "
        "each call in a new cursor and environment (like a new request)",
        f"- Whole run: {data['total_seconds']:.0f} s"
        + (f" (building the databases: {data['build_seconds']:.0f} s)" if data.get("build_seconds") else ""),
        "",
        *([f"**Warning: {data['warning']}**", ""] if data.get("warning") else []),
        "## Targets",
        "",
        create_table,
        "",
        *([list_table, ""] if list_table else []),
        "## Creating, posting and editing invoices",
        "",
        markdown_table(detail_header, detail_rows),
        "",
        log_actions_table(args, data),
        "",
        databases_section(args, data),
        "",
    ]
    if data.get("list"):
        text += ["## The filtered log list", "", list_detail(data), ""]
        text += what_if_section(data)
        text += explain_section(data)
    table = "\n\n".join(filter(None, [create_table, list_table, markdown_table(detail_header, detail_rows)]))
    return "\n".join(text), table


def parse_args():
    parser = argparse.ArgumentParser(
        description="Benchmark the activity log of invoice_workflow_audit: log off / on / OCA auditlog.",
    )
    parser.add_argument("--invoices", type=int, default=1000, help="invoices created per database")
    parser.add_argument("--rounds", type=int, default=10, help="rounds the invoices are created in")
    parser.add_argument("--warmup", type=int, default=5, help="invoices of the unmeasured warm-up round")
    parser.add_argument(
        "--log-rows", type=int, default=1_000_000, help="log rows generated in the 'on' database"
    )
    parser.add_argument("--log-users", type=int, default=20, help="users the generated log rows belong to")
    parser.add_argument("--list-reps", type=int, default=40, help="repetitions of the list page and count")
    parser.add_argument(
        "--what-if",
        choices=("auto", "always", "never"),
        default="auto",
        help="measure the what-if index: when the list is over target (auto), always or never",
    )
    parser.add_argument("--what-if-reps", type=int, default=30, help="repetitions of the what-if measure")
    parser.add_argument("--skip-plain", action="store_true", help="leave out the plain account baseline")
    parser.add_argument("--skip-list", action="store_true", help="leave out the list measure")
    parser.add_argument(
        "--db-prefix", default=DB_PREFIX, help=f"prefix of the database names (must start with {DB_PREFIX})"
    )
    parser.add_argument("--rebuild", action="store_true", help="drop and recreate the databases")
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
    if not args.db_prefix.startswith(DB_PREFIX):
        parser.error(f"--db-prefix must start with {DB_PREFIX}")
    if args.invoices % args.rounds:
        parser.error("--invoices must be a multiple of --rounds")
    if args.log_users < 1 or args.log_rows < 0:
        parser.error("--log-users must be at least 1 and --log-rows positive")
    args.round_size = args.invoices // args.rounds
    args.skip_list = args.skip_list or not args.log_rows
    args.kinds = [kind for kind in KINDS if not (kind == "plain" and args.skip_plain)]
    args.databases = {kind: f"{args.db_prefix}{kind}" for kind in args.kinds}
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
    auditlog = auditlog_version()
    if not auditlog:
        die(
            "OCA auditlog is not installed: pip install 'odoo-addon-auditlog==18.0.*' "
            "(with --no-deps if pip wants to install odoo)"
        )

    started = time.perf_counter()
    data = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "load_before": os.getloadavg()[0],
        "machine": machine_info(),
        "auditlog": f"odoo-addon-auditlog {auditlog}",
    }
    commit = export_addon(args.addon_ref) if args.addon_ref else None
    fingerprint = addon_fingerprint()
    data["addon"] = addon_identity(fingerprint, args.addon_ref, commit)
    print(f"Addon source: {data['addon']}", flush=True)
    print("Databases:", flush=True)
    workers, build = ready_databases(args, fingerprint, auditlog)
    data["build_seconds"] = time.perf_counter() - started if build else 0
    data["build"] = build
    try:
        data["info"] = {kind: worker.call("info") for kind, worker in workers.items()}
        measure_creation(args, workers, data)
        if not args.skip_list:
            measure_list(args, workers["on"], data)
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
