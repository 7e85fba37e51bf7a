# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from ..common import INTERNAL_CALL, SENDING_KEY


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    def _send_mail(self, move, mail_template, **kwargs):
        # account.move.message_post recognises the sending by this key and logs it.
        return super()._send_mail(move.with_context(**{SENDING_KEY: INTERNAL_CALL}), mail_template, **kwargs)
