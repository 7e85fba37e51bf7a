# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    """Sending, refused on documents whose status holds it: the check every
    way of sending passes (the wizards, Send & Print, the batch)."""

    _inherit = "account.move.send"

    @api.model
    def _check_move_constrains(self, moves):
        moves._check_lifecycle_hold("hold_sending")
        return super()._check_move_constrains(moves)
