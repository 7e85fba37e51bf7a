# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailMessage(models.Model):
    _inherit = "mail.message"

    def _activity_log_send_outcomes(self, failure_type=None):
        """{message id: (send state, detail)}: the outcome of each message's
        e-mails per recipient, as their notifications say once sent. A message
        with e-mails still waiting for their turn stays pending."""
        outcomes = {}
        notifications = (
            self.env["mail.notification"]
            .sudo()
            .search([("mail_message_id", "in", self.ids), ("notification_type", "=", "email")])
        )
        by_message = notifications.grouped("mail_message_id")
        for message in self:
            mine = by_message.get(message, notifications.browse())
            if not mine:
                outcomes[message.id] = ("failed" if failure_type else "sent", "-")
                continue
            by_state = {}
            for notification in mine:
                by_state.setdefault(notification.notification_status, []).append(
                    notification.res_partner_id.email_formatted or notification.res_partner_id.display_name
                )
            if by_state.keys() & {"ready", "process", "pending"}:
                outcomes[message.id] = (
                    "pending",
                    ", ".join(email for emails in by_state.values() for email in emails),
                )
            elif by_state.keys() & {"exception", "canceled"}:
                failed = by_state.get("exception", []) + by_state.get("canceled", [])
                outcomes[message.id] = ("failed", ", ".join(failed))
            elif "bounce" in by_state:
                outcomes[message.id] = ("bounced", ", ".join(by_state["bounce"]))
            else:
                outcomes[message.id] = ("sent", ", ".join(by_state.get("sent", [])))
        return outcomes
