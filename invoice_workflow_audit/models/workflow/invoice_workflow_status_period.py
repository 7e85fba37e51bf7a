# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class InvoiceWorkflowStatusPeriod(models.Model):
    """One stay of a document in a status: from when it entered to when it
    left, open (no end) while the document is still there. The time-in-status
    report reads these rows.

    Recorded here rather than read back from elsewhere: the history's
    ``status_changed`` rows exist only where the company enabled the history,
    and the chatter's tracking values are skipped whenever a caller passes
    ``tracking_disable`` or ``mail_notrack`` in its context, which a client
    sends as it likes. The one method that records a change of status
    (``account.move._record_status_change``) records each period, whatever
    the context says. Nobody but them writes
    these rows: no access right is granted on this model."""

    _name = "invoice.workflow.status.period"
    _description = "Workflow Status Period"
    _order = "date_start, id"

    move_id = fields.Many2one(
        "account.move", string="Document", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    # Deleting a status its documents left long ago drops its periods: the
    # report speaks of the statuses that exist.
    status_id = fields.Many2one("invoice.workflow.status", required=True, ondelete="cascade")
    user_id = fields.Many2one(
        "res.users", string="Moved By", ondelete="set null", help="Who moved the document into the status."
    )
    date_start = fields.Datetime(string="Entered On", required=True)
    date_end = fields.Datetime(string="Left On", index="btree_not_null")
