# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _routing_handle_bounce(self, email_message, message_dict):
        # A bounce comes back by the mail gateway: the e-mail of a logged
        # sending action did not reach its recipient after all.
        result = super()._routing_handle_bounce(email_message, message_dict)
        messages = message_dict.get("bounced_message")
        if messages:
            messages = messages.sudo()
            self.env["invoice.activity.log"]._set_send_state(messages, messages._activity_log_send_outcomes())
        return result
