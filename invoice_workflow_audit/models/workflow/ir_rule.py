# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class IrRule(models.Model):
    _inherit = "ir.rule"

    @api.model
    def _eval_context(self):
        """Expose the workflow statuses hidden from the user to record rules.

        The rule on account.move reads ``('workflow_status_id', 'not in',
        workflow_hidden_status_ids)``: while no status is restricted to groups
        the list is empty, the ORM reduces the rule to TRUE and invoice queries
        pay nothing for it.
        """
        context = super()._eval_context()
        context["workflow_hidden_status_ids"] = list(
            self.env["invoice.workflow.status"]._get_hidden_status_ids()
        )
        return context
