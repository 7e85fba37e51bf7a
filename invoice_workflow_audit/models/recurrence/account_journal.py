# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    # Shown on the Invoicing dashboard: generation failed and someone must decide.
    stopped_recurrence_count = fields.Integer(compute="_compute_stopped_recurrence_count")

    def _compute_stopped_recurrence_count(self):
        counts = dict(
            self.env["invoice.recurrence"]._read_group(
                [("journal_id", "in", self.ids), ("state", "=", "stopped")], ["journal_id"], ["__count"]
            )
        )
        for journal in self:
            journal.stopped_recurrence_count = counts.get(journal, 0)

    def action_open_stopped_recurrences(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "invoice_workflow_audit.action_invoice_recurrence_vendor"
            if self.type == "purchase"
            else "invoice_workflow_audit.action_invoice_recurrence_customer"
        )
        action["domain"] = [("journal_id", "=", self.id), ("state", "=", "stopped")]
        return action
