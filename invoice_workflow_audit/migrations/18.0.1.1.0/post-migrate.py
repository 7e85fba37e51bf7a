# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.0.0 chained the history as it was written, with a head row per
company that every writer updated. From 18.0.1.1.0 writers only insert and
the sealer chains: the rows written so far are queued for sealing, in the
order they were written, and the old head table and hash column go."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(
        SQL(
            "INSERT INTO invoice_activity_log_pending (log_id, company_id)"
            " SELECT log.id, log.company_id FROM invoice_activity_log log"
            " WHERE NOT EXISTS (SELECT 1 FROM invoice_activity_log_link k WHERE k.log_id = log.id)"
            " AND NOT EXISTS (SELECT 1 FROM invoice_activity_log_pending p WHERE p.log_id = log.id)"
            " ORDER BY log.id"
        )
    )
    cr.execute(SQL("DROP TABLE IF EXISTS invoice_activity_log_chain"))
    # The shipped statuses become the automatic status of their group (until
    # 18.0.1.1.0, the first status of a group by sequence was).
    cr.execute(
        SQL(
            "UPDATE invoice_workflow_status SET is_automatic = TRUE WHERE id IN"
            " (SELECT res_id FROM ir_model_data WHERE module = 'invoice_workflow_audit'"
            " AND model = 'invoice.workflow.status'"
            " AND name IN ('status_new', 'status_in_progress', 'status_paid', 'status_cancelled'))"
        )
    )
    cr.execute(SQL("ALTER TABLE invoice_activity_log DROP COLUMN IF EXISTS hash"))
