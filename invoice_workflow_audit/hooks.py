# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Installing on a database that already holds invoices.

The ORM fills a new stored computed column by computing it record by record
(about 18 ms per invoice for the status fields: hours at a million invoices,
with the database blocked), and flushes every row it computed, even to write
the value NULL already means (False), with ``write_date``. As Odoo's own
modules do for large tables, the columns are created empty before the ORM
sees them (pre-init), so that it computes nothing.

The statuses themselves are given once the default statuses exist
(post-init), without an UPDATE of every journal entry: PostgreSQL stores the
constant default of a column added to a table in its catalogue, as the value
of every row already there, without writing them (``ADD COLUMN ... DEFAULT``,
PostgreSQL 11+). The value the most entries need (usually the status of the
posted invoices) is given that way, by adding the empty status columns again
with it; only the other entries are updated. Measured by
``bench/bench_install_large.py``.
"""

from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from .models.common import SETTLED_PAYMENT_STATES

# Stored computed columns the addon adds to account_move: created empty
# (NULL: no status, no reason, and False for the booleans) before the ORM
# sees them.
PRECREATED_COLUMNS = {
    "workflow_status_id": "int4",
    "workflow_status_group": "varchar",
    "workflow_status_date": "timestamp",
    "workflow_status_deadline": "timestamp",
    "workflow_escalation_deadline": "timestamp",
    "workflow_status_reason_id": "int4",
    "workflow_overdue_notified": "bool",
    "workflow_escalation_notified": "bool",
}
# The columns a document's status fills, with their types.
STATUS_COLUMNS = {
    "workflow_status_id": "int4",
    "workflow_status_group": "varchar",
    "workflow_status_date": "timestamp",
    "workflow_status_deadline": "timestamp",
}


def pre_init_hook(env):
    for column, column_type in PRECREATED_COLUMNS.items():
        if not column_exists(env.cr, "account_move", column):
            create_column(env.cr, "account_move", column, column_type)


def post_init_hook(env):
    fill_workflow_statuses(env)
    # The history's signing key: a file of the server, made with the database.
    env["invoice.activity.log.key"]._ensure_key()


def fill_workflow_statuses(env):
    """Give every invoice, credit note, bill and refund without a status the
    automatic status of the group matching its accounting state, in SQL; its
    stay in that status starts now (the addon did not follow it before)."""
    cr = env.cr
    env.flush_all()  # the columns may be added again below
    invoice_types = tuple(env["account.move"].get_invoice_types())
    # One row per status to give: the automatic status of each group, its
    # deadline, and how many documents without a status are in that group.
    cr.execute(
        SQL(
            """
            CREATE TEMP TABLE iwa_install_status ON COMMIT DROP AS
            WITH automatic AS (
                SELECT DISTINCT ON ("group") "group" AS grp, id, time_limit_hours
                  FROM invoice_workflow_status
                 WHERE is_automatic AND active AND company_id IS NULL
                 ORDER BY "group", sequence, id
            ), target AS (
                SELECT CASE WHEN state = 'draft' THEN 'new'
                            WHEN state = 'cancel' THEN 'cancelled'
                            WHEN payment_state IN %(settled)s THEN 'paid'
                            ELSE 'in_progress' END AS grp
                  FROM account_move
                 WHERE move_type IN %(types)s AND workflow_status_id IS NULL
            )
            SELECT automatic.grp, automatic.id,
                   NOW() AT TIME ZONE 'UTC' AS since,
                   CASE WHEN automatic.time_limit_hours > 0
                        THEN NOW() AT TIME ZONE 'UTC' + automatic.time_limit_hours * INTERVAL '1 hour'
                   END AS deadline,
                   (SELECT count(*) FROM target WHERE target.grp = automatic.grp) AS documents
              FROM automatic
            """,
            settled=SETTLED_PAYMENT_STATES,
            types=invoice_types,
        )
    )
    cr.execute(
        "SELECT grp, id, since, deadline, documents FROM iwa_install_status ORDER BY documents DESC LIMIT 1"
    )
    commonest = cr.fetchone()
    cr.execute(
        SQL(
            "SELECT count(*) FILTER (WHERE workflow_status_id IS NOT NULL),"
            " count(*) FILTER (WHERE move_type NOT IN %s) FROM account_move",
            invoice_types,
        )
    )
    with_status, others = cr.fetchone()
    given = None
    if commonest and not with_status and commonest[4] > others:
        # A first install: no entry has a status yet, and more documents
        # need this status than entries need none.
        given = commonest[0]
        status_id, since, deadline = commonest[1:4]
        _give_every_row(
            cr,
            {
                "workflow_status_id": status_id,
                "workflow_status_group": given,
                "workflow_status_date": since,
                "workflow_status_deadline": deadline,
            },
        )
        # Entries that are not documents have no status.
        cr.execute(
            SQL(
                "UPDATE account_move SET %s WHERE move_type NOT IN %s",
                SQL(", ").join(SQL("%s = NULL", SQL.identifier(column)) for column in STATUS_COLUMNS),
                invoice_types,
            )
        )
    cr.execute(
        SQL(
            """
            UPDATE account_move move
               SET workflow_status_id = status.id,
                   workflow_status_group = status.grp,
                   workflow_status_date = status.since,
                   workflow_status_deadline = status.deadline
              FROM iwa_install_status status
             WHERE move.move_type IN %(types)s
               AND status.grp = CASE WHEN move.state = 'draft' THEN 'new'
                                     WHEN move.state = 'cancel' THEN 'cancelled'
                                     WHEN move.payment_state IN %(settled)s THEN 'paid'
                                     ELSE 'in_progress' END
               -- after _give_every_row, the documents of the other groups
               AND (move.workflow_status_id IS NULL OR status.grp <> %(given)s)
            """,
            settled=SETTLED_PAYMENT_STATES,
            types=invoice_types,
            given=given,
        )
    )
    cr.execute("DROP TABLE iwa_install_status")
    env["account.move"].invalidate_model()


def _give_every_row(cr, values):
    """Give every row of account_move the ``values`` of the empty status
    columns without writing the rows: each column is added again with the
    value as its default (kept in the catalogue for the rows already there),
    which is then dropped; the column's indexes and foreign keys, and the SQL
    views reading it (the Time in Status report), made again."""
    cr.execute(
        """
        SELECT DISTINCT view.oid::regclass::text, pg_get_viewdef(view.oid)
          FROM pg_depend dep
          JOIN pg_rewrite rule ON rule.oid = dep.objid
          JOIN pg_class view ON view.oid = rule.ev_class
          JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
         WHERE dep.refobjid = 'account_move'::regclass AND view.oid <> dep.refobjid
           AND a.attname = ANY(%s)
        """,
        [list(values)],
    )
    views = cr.fetchall()
    for view, _definition in views:
        cr.execute(SQL("DROP VIEW %s", SQL(view)))
    cr.execute(
        """
        SELECT DISTINCT 'index', pg_get_indexdef(i.indexrelid)
          FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = 'account_move'::regclass AND a.attname = ANY(%(columns)s)
         UNION
        SELECT DISTINCT 'constraint', format('ALTER TABLE account_move ADD CONSTRAINT %%I %%s',
                                             c.conname, pg_get_constraintdef(c.oid))
          FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
         WHERE c.conrelid = 'account_move'::regclass AND a.attname = ANY(%(columns)s)
        """,
        {"columns": list(values)},
    )
    definitions = sorted(cr.fetchall())  # constraints, then indexes
    for column, value in values.items():
        column_sql = SQL.identifier(column)
        cr.execute(SQL("ALTER TABLE account_move DROP COLUMN %s", column_sql))
        cr.execute(
            SQL(
                "ALTER TABLE account_move ADD COLUMN %s %s DEFAULT %s",
                column_sql,
                SQL(STATUS_COLUMNS[column]),
                SQL("NULL") if value is None else SQL("%s::%s", value, SQL(STATUS_COLUMNS[column])),
            )
        )
        cr.execute(SQL("ALTER TABLE account_move ALTER COLUMN %s DROP DEFAULT", column_sql))
    for _kind, definition in definitions:
        cr.execute(definition)
    for view, definition in views:
        cr.execute(SQL("CREATE VIEW %s AS %s", SQL(view), SQL(definition)))
