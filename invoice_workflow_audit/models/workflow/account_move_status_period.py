# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools import SQL


class AccountMove(models.Model):
    """The periods each document spends in each status, for the
    time-in-status report (invoice.workflow.status.period says why they are
    recorded rather than read back from the chatter)."""

    _inherit = "account.move"

    def _workflow_record_status_periods(self):
        """The documents entered their current status at their status date:
        close their open period and open one in that status.

        Plain SQL on purpose: this runs where the status is written (the
        flush, in the middle of account's own recomputations when posting or
        cancelling), where an ORM search or unlink would flush them half done.
        Values come from the cache, the period rows are nobody's cache."""
        moves = self.filtered(lambda move: isinstance(move.id, int))
        if not moves:
            return
        now = fields.Datetime.now()
        entered = SQL(", ").join(
            SQL(
                "(%s, %s, %s::int, %s::timestamp)",
                move.id,
                move.company_id.id,
                move.workflow_status_id.id or None,
                move.workflow_status_date or now,
            )
            for move in moves
        )
        # One statement, however many documents: closing the open stays and
        # opening the new ones run at every posting, payment and cancellation.
        # A status entered and left within the same second is no stay (a
        # payment marks the invoice Paid, then the lifecycle Encaissée): it
        # is dropped; the stay before is closed. The CTEs see the table as it
        # was before the statement: the rows inserted are not closed again.
        self.env.cr.execute(
            SQL(
                """
                WITH entered(move_id, company_id, status_id, date_start) AS (VALUES %(entered)s),
                dropped AS (
                    DELETE FROM invoice_workflow_status_period period
                     USING entered
                     WHERE period.move_id = entered.move_id AND period.date_end IS NULL
                       AND period.date_start >= entered.date_start
                ),
                closed AS (
                    UPDATE invoice_workflow_status_period period
                       SET date_end = entered.date_start, write_uid = %(uid)s,
                           write_date = NOW() AT TIME ZONE 'UTC'
                      FROM entered
                     WHERE period.move_id = entered.move_id AND period.date_end IS NULL
                       AND period.date_start < entered.date_start
                )
                INSERT INTO invoice_workflow_status_period
                       (move_id, company_id, status_id, user_id, date_start,
                        create_uid, create_date, write_uid, write_date)
                SELECT move_id, company_id, status_id, %(uid)s, date_start,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM entered
                 WHERE status_id IS NOT NULL
                """,
                entered=entered,
                uid=self.env.uid,
            )
        )
        self.env["invoice.workflow.status.period"].invalidate_model()
