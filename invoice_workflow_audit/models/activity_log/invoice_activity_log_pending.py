# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError


class InvoiceActivityLogPending(models.Model):
    """History rows written but not chained yet: the sealer's work list.

    A writer inserts its rows and their entries here in one statement; the
    sealer chains them and removes the entries. Verification counts a row that
    is neither chained nor listed here as removed from the chain.
    """

    _name = "invoice.activity.log.pending"
    _description = "Activity History Row Awaiting its Seal"
    _log_access = False
    _rec_name = "log_id"

    log_id = fields.Many2one(
        "invoice.activity.log", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")

    # Written by the writers' INSERT and removed by the sealer, both in SQL:
    # through the ORM, nobody touches the work list (a removed entry would
    # keep a row out of the chain).
    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        raise AccessError(self.env._("The sealer's work list is written by the activity history only."))

    def write(self, vals):  # pylint: disable=method-required-super
        raise AccessError(self.env._("The sealer's work list is written by the activity history only."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(self.env._("The sealer's work list is written by the activity history only."))
