#!/usr/bin/env python3
"""The hot path at the floor (issue 24, part 4): the SQL statements of
creating, posting and editing a customer invoice (three transactions), on
plain Odoo and with the addon, its activity history off and on.

Each database given (``-d``, repeatable) is measured in one transaction
rolled back at the end, nothing is kept: a company of its own with the
generic chart of accounts, an invoicing user, a customer and a service
product; then ``--rounds`` rounds of create + post + edit (``ref`` and
``invoice_date_due``) as the user, each step followed by what a commit runs
but the COMMIT (``flush_all``, the precommit hooks, ``flush_all``), the
first round warming the caches, the last one counted. With the addon
installed the rounds run with the company's history off, then on.

    bench/bench_hot_path.py -d plain_db -d addon_db [--dump off:post] [--output FILE]

``--dump SIDE:STEP`` prints the statements of one step of the counted round
(``plain:edit``, ``on:post``...). The plain database is ``python3 -m odoo -d
NAME -i account --without-demo=all --stop-after-init`` (``--make-plain NAME``
makes it).
"""

import argparse
import datetime
import logging
import os
import subprocess
import sys

STEPS = ("create", "post", "edit")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ODOO_ADDONS = "/opt/odoo18/odoo/addons"


class StatementLog(logging.Handler):
    """The statements odoo.sql_db logs at DEBUG level, while recording."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.recording = None
        self.dumped = []

    def emit(self, record):
        if self.recording is not None and record.getMessage().startswith("["):
            self.recording.append(record.getMessage().split("query: ", 1)[-1])


def setup(env):
    """Company, chart, user, customer and product, in the current transaction."""
    from odoo import Command

    company = env["res.company"].create({"name": "Hot Path Co", "currency_id": env.ref("base.USD").id})
    env = env(context=dict(env.context, allowed_company_ids=company.ids))
    env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    user = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": "Hot Path User",
                "login": "hot_path_user",
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "groups_id": [Command.set([env.ref("account.group_account_invoice").id])],
            }
        )
    )
    partner = env["res.partner"].create({"name": "Hot Path Customer", "company_id": False})
    product = env["product.product"].create(
        {"name": "Hot Path Service", "type": "service", "list_price": 100}
    )
    product.taxes_id = [Command.set(company.account_sale_tax_id.ids)]
    env.flush_all()
    return company, user, partner, product


def rounds(env, partner, product, count, log, dump_step):
    """``count`` rounds of create + post + edit; statements per step of the last."""
    from odoo import Command, fields

    cr, counts = env.cr, {}
    for index in range(count):
        last = index == count - 1

        def step(name, call, last=last):
            log.recording = [] if last and name == dump_step else None
            before = cr.sql_log_count
            result = call()
            env.flush_all()  # what a commit runs, but the COMMIT
            cr.precommit.run()
            env.flush_all()
            env.invalidate_all()  # a new transaction (a request) starts with an empty cache
            if last:
                counts[name] = cr.sql_log_count - before
            if log.recording is not None:
                log.dumped, log.recording = log.recording, None
            return result

        move = step(
            "create",
            lambda: env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [Command.create({"product_id": product.id, "price_unit": 100.0})],
                }
            ),
        )
        step("post", move.action_post)
        due = fields.Date.today() + datetime.timedelta(days=45)
        step("edit", lambda m=move, i=index, d=due: m.write({"ref": f"HOT/{i:03d}", "invoice_date_due": d}))
        assert move.state == "posted" and move.invoice_date_due == due
    log.recording = None
    return counts


def measure(database, count, dump, log, keep_restricted=False):
    import odoo
    from odoo import SUPERUSER_ID, api

    registry = odoo.modules.registry.Registry(database)
    addon = "invoice_workflow_audit" in registry._init_modules
    results = {}
    with registry.cursor() as cr:
        try:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company, user, partner, product = setup(env)
            user_env = api.Environment(cr, user.id, {"allowed_company_ids": company.ids})
            user_env = user_env(context=dict(user_env["res.users"].context_get(), **user_env.context))
            cr.sql_log_count = 0  # counted with or without --log-level debug_sql
            for side in ("off", "on") if addon else ("plain",):
                if addon:
                    company.activity_log_enabled = side == "on"
                    if not keep_restricted:
                        # As on plain Odoo, no status hides documents from the
                        # user: a hidden one adds its record rule to every
                        # search on the lines (measured with --keep-restricted).
                        Status = env["invoice.workflow.status"].with_context(active_test=False)
                        Status.search([("group_ids", "!=", False)]).group_ids = False
                    env.flush_all()
                dump_step = dump[1] if dump and dump[0] == side else None
                env.invalidate_all()
                results[side] = rounds(user_env, partner, product, count, log, dump_step)
                if dump_step:
                    print(f"--- {database} {side} {dump_step}: {results[side][dump_step]} statements")
                    for statement in log.dumped:
                        print(" ".join(statement.split()))
        finally:
            cr.rollback()
    return results


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-d", "--database", action="append", default=[], help="repeatable")
    parser.add_argument("--rounds", type=int, default=3, help="the first ones warm the caches (3)")
    parser.add_argument("--dump", help="SIDE:STEP, e.g. off:post, plain:create")
    parser.add_argument(
        "--keep-restricted", action="store_true", help="keep the statuses restricted to groups (the demo's)"
    )
    parser.add_argument("--make-plain", metavar="NAME", help="create a plain Odoo database (account) first")
    parser.add_argument("--output", help="write a Markdown table there")
    parser.add_argument(
        "--addon-source", default=ROOT, help="the directory holding invoice_workflow_audit (this checkout)"
    )
    args = parser.parse_args()
    if args.make_plain:
        subprocess.run(["createdb", args.make_plain], check=True)
        subprocess.run(
            [
                *(sys.executable, "-m", "odoo", "-d", args.make_plain, f"--addons-path={ODOO_ADDONS}"),
                *("-i", "account", "--without-demo=all", "--stop-after-init", "--max-cron-threads=0"),
            ],
            check=True,
        )
        args.database.insert(0, args.make_plain)

    import odoo

    odoo.tools.config.parse_config(
        [
            "--addons-path",
            f"{args.addon_source},{ODOO_ADDONS}",
            "--log-level",
            "warn",
            "--max-cron-threads",
            "0",
        ]
    )
    log = StatementLog()
    sql_logger = logging.getLogger("odoo.sql_db")
    if args.dump:
        sql_logger.setLevel(logging.DEBUG)
        sql_logger.addHandler(log)
        sql_logger.propagate = False
    dump = tuple(args.dump.split(":")) if args.dump else None

    table = []
    for database in args.database:
        for side, counts in measure(database, args.rounds, dump, log, args.keep_restricted).items():
            table.append((database, side, counts, sum(counts.values())))
    lines = [
        "| database | history | create | post | edit | total |",
        "|---|---|---|---|---|---|",
        *(
            f"| {db} | {side} | {c['create']} | {c['post']} | {c['edit']} | {total} |"
            for db, side, c, total in table
        ),
    ]
    print("\n".join(lines))
    if args.output:
        with open(args.output, "w") as out:
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
