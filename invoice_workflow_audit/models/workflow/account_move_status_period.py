# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools import SQL


class AccountMove(models.Model):
    """The periods each document spends in each status, for the
    time-in-status report (invoice.workflow.status.period says why they are
    recorded rather than read back from the chatter)."""

    _inherit = "account.move"

    def _workflow_record_status_periods(self, now):
        """The documents entered their current status at ``now``: close their
        open period and open one in that status.

        Plain SQL on purpose: this runs inside the status compute, in the
        middle of account's own recomputations (posting, cancelling), where an
        ORM search or unlink would flush them half done. Values come from the
        cache, the period rows are nobody's cache."""
        moves = self.filtered(lambda move: isinstance(move.id, int))
        if not moves:
            return
        cr = self.env.cr
        # A status entered and left within the same second is no stay (Change
        # Status to a custom In progress status posts first, and posting
        # passes through the first In progress status): it is dropped.
        cr.execute(
            SQL(
                """
                DELETE FROM invoice_workflow_status_period
                 WHERE move_id IN %(moves)s AND date_end IS NULL AND date_start >= %(now)s
                """,
                moves=tuple(moves.ids),
                now=now,
            )
        )
        cr.execute(
            SQL(
                """
                UPDATE invoice_workflow_status_period
                   SET date_end = %(now)s, write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
                 WHERE move_id IN %(moves)s AND date_end IS NULL
                """,
                moves=tuple(moves.ids),
                now=now,
                uid=self.env.uid,
            )
        )
        rows = [
            SQL(
                "(%s, %s, %s, %s, %s, %s, NOW() AT TIME ZONE 'UTC', %s, NOW() AT TIME ZONE 'UTC')",
                move.id,
                move.company_id.id,
                move.workflow_status_id.id,
                self.env.uid,
                now,
                self.env.uid,
                self.env.uid,
            )
            for move in moves
            if move.workflow_status_id
        ]
        if rows:
            cr.execute(
                SQL(
                    """
                    INSERT INTO invoice_workflow_status_period
                           (move_id, company_id, status_id, user_id, date_start,
                            create_uid, create_date, write_uid, write_date)
                    VALUES %s
                    """,
                    SQL(", ").join(rows),
                )
            )
        self.env["invoice.workflow.status.period"].invalidate_model()
