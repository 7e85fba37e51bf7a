# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.2.0 computes the notified flags of the time limits from the status
date and the date of the notice (workflow_overdue_notice_date,
workflow_escalation_notice_date, new columns). Documents already told of their
current status get a notice date after their status date, so that the flags
keep their value: the deadline the notice followed, when it is still known."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(
        SQL(
            """
            UPDATE account_move
               SET workflow_overdue_notice_date = CASE WHEN workflow_overdue_notified
                       THEN COALESCE(workflow_status_deadline, NOW() AT TIME ZONE 'UTC') END,
                   workflow_escalation_notice_date = CASE WHEN workflow_escalation_notified
                       THEN COALESCE(workflow_escalation_deadline, NOW() AT TIME ZONE 'UTC') END
             WHERE workflow_overdue_notified OR workflow_escalation_notified
            """
        )
    )
