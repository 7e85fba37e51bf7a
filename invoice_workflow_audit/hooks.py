# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Installing on a database that already holds invoices.

The ORM fills a new stored computed column by computing it record by record
(about 18 ms per invoice for the status fields: hours at a million invoices,
with the database blocked). As Odoo's own modules do for large tables, the
columns are created empty before the ORM sees them (pre-init), so that it
computes nothing, then filled in a few set-based statements once the default
statuses exist (post-init).
"""

from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from .models.common import SETTLED_PAYMENT_STATES

# Stored computed columns the addon adds to account_move.
PRECREATED_COLUMNS = {
    "workflow_status_id": "int4",
    "workflow_status_group": "varchar",
    "workflow_status_date": "timestamp",
    "workflow_status_deadline": "timestamp",
    "workflow_escalation_deadline": "timestamp",
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
    automatic status of the group matching its accounting state, in SQL."""
    cr = env.cr
    invoice_types = tuple(env["account.move"].get_invoice_types())
    cr.execute(
        SQL(
            """
            WITH target AS (
                SELECT id,
                       CASE WHEN state = 'draft' THEN 'new'
                            WHEN state = 'cancel' THEN 'cancelled'
                            WHEN payment_state IN %(settled)s THEN 'paid'
                            ELSE 'in_progress' END AS grp
                  FROM account_move
                 WHERE move_type IN %(types)s AND workflow_status_id IS NULL
            ), automatic AS (
                SELECT DISTINCT ON ("group") "group" AS grp, id, time_limit_hours
                  FROM invoice_workflow_status
                 WHERE is_automatic AND active AND company_id IS NULL
                 ORDER BY "group", sequence, id
            )
            UPDATE account_move move
               SET workflow_status_id = automatic.id,
                   workflow_status_group = automatic.grp,
                   workflow_status_date = COALESCE(move.write_date, NOW() AT TIME ZONE 'UTC'),
                   workflow_status_deadline = CASE WHEN automatic.time_limit_hours > 0
                       THEN COALESCE(move.write_date, NOW() AT TIME ZONE 'UTC')
                            + automatic.time_limit_hours * INTERVAL '1 hour' END
              FROM target JOIN automatic ON automatic.grp = target.grp
             WHERE move.id = target.id
            """,
            settled=SETTLED_PAYMENT_STATES,
            types=invoice_types,
        )
    )
    env["account.move"].invalidate_model()
