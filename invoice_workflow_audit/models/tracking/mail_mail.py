# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        # The final outcome of each e-mail, once SMTP answered (not the
        # transient "exception" Odoo writes just before sending): the history
        # follows it on the rows of the sending actions.
        messages = self.mail_message_id
        result = super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
        if messages:
            outcomes = self.env["mail.message"].browse(messages.ids)._activity_log_send_outcomes(failure_type)
            self.env["invoice.activity.log"]._set_send_state(messages, outcomes)
        return result
