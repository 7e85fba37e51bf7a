# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

# Outcome of a notification e-mail, as the activity history shows it.
NOTIFICATION_SEND_STATES = {
    "ready": "pending",
    "process": "pending",
    "pending": "pending",
    "sent": "sent",
    "exception": "failed",
    "canceled": "failed",
    "bounce": "bounced",
}


class MailNotification(models.Model):
    _inherit = "mail.notification"

    def write(self, vals):
        result = super().write(vals)
        state = NOTIFICATION_SEND_STATES.get(vals.get("notification_status"))
        if state:
            # Only messages of logged sending actions have rows to follow.
            self.env["invoice.activity.log"]._update_send_state(self.mail_message_id, state)
        return result
