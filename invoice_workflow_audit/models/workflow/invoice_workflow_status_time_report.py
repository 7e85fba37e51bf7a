# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

# Measures aggregated as a percentile of the hours, whatever aggregate the
# client asks for: read_group knows sum/avg/min/max, not percentiles.
PERCENTILE_MEASURES = {"median_hours": 0.5, "p90_hours": 0.9}


class InvoiceWorkflowStatusTimeReport(models.Model):
    """Time in status: one line per stay of a document in a status (the
    recorded periods), with its length in hours; a stay still going on counts
    up to now. Averages, medians and 90th percentiles per status, user,
    partner or month come from the pivot and graph views."""

    _name = "invoice.workflow.status.time.report"
    _description = "Time in Status"
    _auto = False
    _order = "date_start desc, id desc"
    _rec_name = "move_id"

    move_id = fields.Many2one("account.move", string="Document", readonly=True)
    move_type = fields.Selection(
        selection=lambda self: self.env["account.move"]._fields["move_type"].selection,
        string="Type",
        readonly=True,
    )
    company_id = fields.Many2one("res.company", readonly=True)
    status_id = fields.Many2one("invoice.workflow.status", readonly=True)
    # The document's status today: what the visibility rule of restricted
    # statuses hides, as it hides the document itself.
    current_status_id = fields.Many2one("invoice.workflow.status", readonly=True)
    user_id = fields.Many2one("res.users", string="Moved By", readonly=True)
    invoice_user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    partner_id = fields.Many2one("res.partner", readonly=True)
    date_start = fields.Datetime(string="Entered On", readonly=True)
    date_end = fields.Datetime(string="Left On", readonly=True)
    is_open = fields.Boolean(string="Still in Status", readonly=True)
    hours = fields.Float(string="Hours (average)", readonly=True, aggregator="avg", digits=(16, 2))
    median_hours = fields.Float(string="Hours (median)", readonly=True, aggregator="avg", digits=(16, 2))
    p90_hours = fields.Float(
        string="Hours (90th percentile)", readonly=True, aggregator="avg", digits=(16, 2)
    )
    overdue_count = fields.Integer(
        string="Overdue",
        readonly=True,
        aggregator="sum",
        help="Stays longer than the time limit of their status.",
    )

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec != "__count":
            fname, __, __ = parse_read_group_spec(aggregate_spec)
            if fname in PERCENTILE_MEASURES:
                # _field_to_sql checks the field may be read, as the super does.
                return SQL(
                    "percentile_cont(%s) WITHIN GROUP (ORDER BY %s)",
                    PERCENTILE_MEASURES[fname],
                    self._field_to_sql(self._table, fname, query),
                )
        return super()._read_group_select(aggregate_spec, query)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # A stay still going on counts up to now.
        hours = SQL(
            "EXTRACT(EPOCH FROM COALESCE(period.date_end, NOW() AT TIME ZONE 'UTC') - period.date_start)"
            " / 3600.0"
        )
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(view)s AS (
                    SELECT period.id,
                           period.move_id,
                           move.move_type,
                           period.company_id,
                           period.status_id,
                           move.workflow_status_id AS current_status_id,
                           period.user_id,
                           move.invoice_user_id,
                           move.commercial_partner_id AS partner_id,
                           period.date_start,
                           period.date_end,
                           period.date_end IS NULL AS is_open,
                           %(hours)s AS hours,
                           %(hours)s AS median_hours,
                           %(hours)s AS p90_hours,
                           CASE WHEN COALESCE(status.time_limit_hours, 0) > 0
                                 AND %(hours)s > status.time_limit_hours
                                THEN 1 ELSE 0 END AS overdue_count
                      FROM invoice_workflow_status_period period
                      JOIN account_move move ON move.id = period.move_id
                      JOIN invoice_workflow_status status ON status.id = period.status_id
                )
                """,
                view=SQL.identifier(self._table),
                hours=hours,
            )
        )
