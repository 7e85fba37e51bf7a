"""What runs inside a worker: master data and invoices through the ORM, copies
in SQL, and the list measures of two benchmarks (first page and count of a
list view, their EXPLAIN ANALYZE, a what-if index in a rolled back transaction)."""

import time
from functools import partial

LIST_LIMIT = 80
COUNT_LIMIT = 10001  # what the web client sends (DEFAULT_COUNT_LIMIT + 1)


def users(env, specs):
    """Users of the main company: ``specs`` is a list of (login, name, group
    xmlids[, more values]); the password is the login."""
    from odoo import Command

    company, vals = env.company, []
    for login, name, groups, *more in specs:
        group_ids = [env.ref(xmlid).id for xmlid in groups]
        vals.append(
            {"name": name, "login": login, "password": login, "email": f"{login}@example.com"}
            | {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
            | {"groups_id": [Command.set(group_ids)], **(more[0] if more else {})}
        )
    return env["res.users"].with_context(no_reset_password=True).create(vals)


def customers_and_product(env, count, product_name="IWA Bench Service", price=100.0):
    """``count`` customers and one service product with the company's default
    sales tax."""
    from odoo import Command

    vals = [
        {"name": f"IWA Bench Customer {i:02d}", "email": f"c{i:02d}@example.com"} for i in range(1, count + 1)
    ]
    partners = env["res.partner"].create([v | {"customer_rank": 1} for v in vals])
    product = env["product.product"].create({"name": product_name, "type": "service", "list_price": price})
    if not product.taxes_id and env.company.account_sale_tax_id:
        product.taxes_id = [Command.set(env.company.account_sale_tax_id.ids)]
    return {"partner_ids": partners.ids, "product_id": product.id}


def invoice_vals(refs, index=0, quantity=1.0, price=100.0, date=None):
    """A customer invoice of one line of the product, for customer ``index``."""
    from odoo import Command, fields

    partners = refs["partner_ids"]
    return {
        "move_type": "out_invoice",
        "partner_id": partners[index % len(partners)],
        "invoice_date": date or fields.Date.today(),
        "invoice_line_ids": [
            Command.create({"product_id": refs["product_id"], "quantity": quantity, "price_unit": price})
        ],
    }


def seed_invoices(env, refs, count):
    """``count`` posted invoices, customers in turn, varied quantities and prices."""
    Move = env["account.move"].with_context(default_move_type="out_invoice")
    moves = Move.browse()
    for start in range(0, count, 100):
        indexes = range(start, min(start + 100, count))
        batch = Move.create([invoice_vals(refs, i, 1 + i % 5, 50.0 + (i * 37) % 450) for i in indexes])
        batch.action_post()
        moves |= batch
    return moves


def multiply_invoices(cr, seed_ids, count, move_overrides=None):
    """Copy the seed invoices and their lines ``count`` times in SQL: every
    column copied, dates over the last 730 days, unique names per year in the
    seeds' sequence. ``move_overrides``: more columns of the copies, as SQL on
    ``m`` (the map, ``m.new_id``) and ``src`` (the seed)."""
    if count <= 0:
        return
    cr.execute(
        """
        CREATE TEMP TABLE bench_map ON COMMIT DROP AS
        WITH seeds AS (
            SELECT id, row_number() OVER (ORDER BY id) - 1 AS rank FROM account_move WHERE id = ANY(%(seeds)s)
        ), copies AS (
            SELECT k, seeds.id AS src_id, (CURRENT_DATE - ((k - 1) %% 730))::date AS new_date
              FROM generate_series(1, %(count)s) AS k JOIN seeds ON seeds.rank = (k - 1) %% %(seed_count)s
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
          FROM numbered LEFT JOIN (
                SELECT journal_id, sequence_prefix, max(sequence_number) AS last_number
                  FROM account_move GROUP BY journal_id, sequence_prefix
          ) used ON used.journal_id = numbered.journal_id AND used.sequence_prefix = numbered.prefix
        """,
        {"seeds": seed_ids, "count": count, "seed_count": len(seed_ids)},
    )
    cr.execute("ALTER TABLE bench_map ADD COLUMN name varchar")
    cr.execute("UPDATE bench_map SET name = prefix || lpad(number::text, 5, '0')")
    cr.execute("CREATE INDEX ON bench_map (src_id)")
    moves = {
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
        **(move_overrides or {}),
    }
    insert_copy(cr, "account_move", moves, "FROM bench_map m JOIN account_move src ON src.id = m.src_id")
    lines = {
        "id": "nextval('account_move_line_id_seq')",
        "move_id": "m.new_id",
        "move_name": "m.name",
        "date": "m.new_date",
        "invoice_date": "m.new_date",
        "date_maturity": "m.new_date + (src.date_maturity - src.date)",
    }
    insert_copy(
        cr,
        "account_move_line",
        lines,
        "FROM bench_map m JOIN account_move_line src ON src.move_id = m.src_id",
    )


def insert_copy(cr, table, overrides, from_clause):
    """INSERT ... SELECT of every column of ``table``, ``overrides`` replacing some."""
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    columns = [row[0] for row in cr.fetchall()]
    if set(overrides) - set(columns):
        raise RuntimeError(f"Unknown columns in {table}: {sorted(set(overrides) - set(columns))}")
    values = ", ".join(overrides.get(column, f'src."{column}"') for column in columns)
    names = ", ".join(f'"{column}"' for column in columns)
    cr.execute(f"INSERT INTO {table} ({names}) SELECT {values} {from_clause}")


def max_ids(cr, tables):
    """The highest id of each of ``tables`` that exists."""
    result = {}
    for table in tables:
        cr.execute("SELECT to_regclass(%s)", [table])
        if cr.fetchone()[0]:
            cr.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')
            result[table] = cr.fetchone()[0]
    return result


def list_spec(env, model, view_xmlid, only=None):
    """The fields of a list view as ``get_views`` gives it to the user and the
    web client asks them; ``only``: keep these fields only."""
    from lxml import etree

    result = env[model].get_views([(env.ref(view_xmlid).id, "list")])
    fields_info = result["models"][model]["fields"]
    spec = {}
    for node in etree.fromstring(result["views"]["list"]["arch"]).iter("field"):
        kind = fields_info[node.get("name")]["type"]
        if only is None or node.get("name") in only:
            relational = {"many2one": {"fields": {"display_name": {}}}, "one2many": {"fields": {}}}
            spec[node.get("name")] = relational.get("one2many" if kind == "many2many" else kind, {})
    return spec


class ListProbe:
    """The first page of a list (``web_search_read``, limit 80, count_limit
    10001) and the count of its domain (``search_count``), as ``uid``."""

    def __init__(self, worker, model, view, domain, uid, context):
        self.worker, self.model, self.view, self.domain = worker, model, view, domain
        self.uid, self.context = uid, context

    def _page(self, env, spec):
        return env[self.model].web_search_read(self.domain, spec, limit=LIST_LIMIT, count_limit=COUNT_LIMIT)

    def _timed(self, cr, call, out, key):
        queries, started = cr.sql_log_count, time.perf_counter()
        result = call()
        out[key + "_ms"].append((time.perf_counter() - started) * 1000)
        out[key + "_queries"] = cr.sql_log_count - queries
        return result

    def reps(self, reps, only=None, index=None):
        """``reps`` pages and counts, each in a new cursor and environment (a
        new request). With ``index`` (SQL, or "" for none), all in one
        transaction holding that index, from an empty cache each time, then
        rolled back."""
        out = {"page_ms": [], "count_ms": []}
        shared = self.worker.cursor() if index is not None else None
        if index:
            shared.execute(index)
        try:
            for call in range(reps * 2):
                cr = shared or self.worker.cursor()
                try:
                    env = self.worker.env(cr, self.uid, self.context)
                    env.invalidate_all()
                    if call % 2:
                        count = partial(env[self.model].search_count, self.domain)
                        out["count"] = self._timed(cr, count, out, "count")
                        continue
                    spec = list_spec(env, self.model, self.view, only)
                    page = self._timed(cr, partial(self._page, env, spec), out, "page")
                    out.update(length=page["length"], records=len(page["records"]), fields=list(spec))
                finally:
                    if not shared:
                        cr.rollback()
                        cr.close()
        finally:
            if shared:
                shared.rollback()
                shared.close()
        return out

    def explain(self):
        """EXPLAIN (ANALYZE, BUFFERS) of every SELECT one page and one count
        run (captured while they run, record rules included)."""
        import odoo.sql_db

        captured, calls = [], {}
        original = odoo.sql_db.Cursor.execute

        def spy(cursor, query, params=None, log_exceptions=True):
            result = original(cursor, query, params, log_exceptions)
            captured.append(cursor._obj.query.decode())
            return result

        odoo.sql_db.Cursor.execute = spy
        try:
            with self.worker.cursor() as cr:
                env = self.worker.env(cr, self.uid, self.context)
                spec = list_spec(env, self.model, self.view)
                del captured[:]
                self._page(env, spec)
                calls["page"] = list(captured)
                del captured[:]
                env[self.model].search_count(self.domain)
                calls["count"] = list(captured)
                cr.rollback()
        finally:
            odoo.sql_db.Cursor.execute = original
        statements = []
        with self.worker.cursor() as cr:
            for call, queries in calls.items():
                for query in (q for q in queries if q.lstrip().upper().startswith("SELECT")):
                    cr.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}")
                    plan = "\n".join(row[0] for row in cr.fetchall())
                    ms = float(plan.rsplit("Execution Time:", 1)[1].split()[0])
                    statements.append(
                        {"label": self.label(call, query), "sql": query, "plan": plan, "ms": ms}
                    )
            cr.rollback()
        return statements

    def label(self, call, query):
        flat = " ".join(query.split())
        if call == "count" and flat.startswith("SELECT COUNT(*)"):
            return "count (search_count)"
        if f"LIMIT {COUNT_LIMIT}" in flat and "COUNT(*)" in flat:
            return f"page: count up to {COUNT_LIMIT - 1} (count_limit)"
        if f'FROM "{self.model.replace(".", "_")}"' in flat and f"LIMIT {LIST_LIMIT}" in flat:
            return f"page: search_fetch (ORDER BY, LIMIT {LIST_LIMIT})"
        table = flat.split(" FROM ", 1)[1].split()[0].strip('"') if " FROM " in flat else "?"
        return f"{call}: {table}"
