# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.2.0 records the periods documents spend in each status (the
time-in-status report). Documents that already have a status open their
current period when they entered it; earlier stays were not recorded."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(
        SQL(
            """
            INSERT INTO invoice_workflow_status_period
                   (move_id, company_id, status_id, date_start,
                    create_uid, create_date, write_uid, write_date)
            SELECT move.id, move.company_id, move.workflow_status_id,
                   COALESCE(move.workflow_status_date, move.create_date),
                   1, NOW() AT TIME ZONE 'UTC', 1, NOW() AT TIME ZONE 'UTC'
              FROM account_move move
             WHERE move.workflow_status_id IS NOT NULL
               AND NOT EXISTS (
                   SELECT 1 FROM invoice_workflow_status_period period WHERE period.move_id = move.id
               )
            """
        )
    )
