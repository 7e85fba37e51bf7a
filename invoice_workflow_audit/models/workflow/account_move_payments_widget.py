# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class AccountMove(models.Model):
    """The payments widget of a visible invoice, without what it would tell of
    the documents in statuses hidden from the user."""

    _inherit = "account.move"

    # What the widget shows now depends on who reads it: one cached value per user.
    @api.depends_context("uid")
    def _compute_payments_widget_reconciled_info(self):
        # account computes the widget in superuser mode: it names the documents
        # reconciled with the invoice (a credit note's number and reason),
        # whether the user may see them or not.
        super()._compute_payments_widget_reconciled_info()
        hidden_status_ids = self.env["invoice.workflow.status"]._get_hidden_status_ids()
        if not hidden_status_ids or self.env.su:
            return
        for move in self:
            widget = move.invoice_payments_widget
            if not widget or not widget.get("content"):
                continue
            counterparts = self.browse(line["move_id"] for line in widget["content"]).sudo()
            hidden_ids = set(
                counterparts.filtered(lambda m: m.workflow_status_id.id in hidden_status_ids).ids
            )
            if hidden_ids:
                move.invoice_payments_widget = {
                    **widget,
                    "content": [
                        self._hide_payments_widget_line(line) if line["move_id"] in hidden_ids else line
                        for line in widget["content"]
                    ],
                }

    def _hide_payments_widget_line(self, line):
        # The amount and the date stay: they are the visible invoice's own
        # data (what was paid or credited on it, and when), which its residual
        # shows anyway. The counterpart's name, reason and journal go.
        label = self.env._("Hidden document")
        return {**line, "name": label, "ref": label, "journal_name": label, "payment_method_name": False}
