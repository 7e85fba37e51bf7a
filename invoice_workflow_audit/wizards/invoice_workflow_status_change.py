# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.workflow.lifecycle_codes import REASON_REQUIRED_CODES


class InvoiceWorkflowStatusChange(models.TransientModel):
    _name = "invoice.workflow.status.change"
    _description = "Change the Workflow Status of Invoices"

    move_ids = fields.Many2many("account.move", string="Documents", required=True)
    current_status_id = fields.Many2one(
        "invoice.workflow.status",
        compute="_compute_current_status_id",
    )
    allowed_status_ids = fields.Many2many(
        "invoice.workflow.status",
        compute="_compute_allowed_status_ids",
    )
    status_id = fields.Many2one(
        "invoice.workflow.status",
        string="New Status",
        required=True,
        domain="[('id', 'in', allowed_status_ids)]",
    )
    require_comment = fields.Boolean(related="status_id.require_comment")
    comment = fields.Text(help="Posted in the chatter of each document with the status change.")
    lifecycle_code = fields.Selection(related="status_id.lifecycle_code")
    require_reason = fields.Boolean(compute="_compute_require_reason")
    reason_id = fields.Many2one(
        "invoice.lifecycle.reason",
        domain="[('lifecycle_code', '=', lifecycle_code)]",
        help="The reason code sent with the e-invoicing lifecycle status, from the list of that status.",
    )

    @api.depends("status_id")
    def _compute_require_reason(self):
        for wizard in self:
            wizard.require_reason = wizard.status_id.lifecycle_code in REASON_REQUIRED_CODES

    @api.onchange("status_id")
    def _onchange_status_id_reason(self):
        if self.reason_id and self.reason_id.lifecycle_code != self.status_id.lifecycle_code:
            self.reason_id = False

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "account.move" and "move_ids" in fields_list:
            values["move_ids"] = [fields.Command.set(self.env.context.get("active_ids", []))]
        return values

    @api.depends("move_ids")
    def _compute_current_status_id(self):
        for wizard in self:
            statuses = wizard.move_ids.workflow_status_id
            wizard.current_status_id = statuses if len(statuses) == 1 else False

    @api.depends("move_ids")
    def _compute_allowed_status_ids(self):
        for wizard in self:
            allowed = None
            for status in wizard.move_ids.workflow_status_id:
                allowed = status.next_status_ids if allowed is None else allowed & status.next_status_ids
            allowed = allowed or self.env["invoice.workflow.status"]
            wizard.allowed_status_ids = allowed.filtered(
                lambda status, wizard=wizard: (
                    status._is_available_to_user()
                    and not status.lifecycle_received
                    and (not status.company_id or status.company_id in wizard.move_ids.company_id)
                    and all(status._is_available_to_document(move) for move in wizard.move_ids)
                )
            )

    def action_confirm(self):
        self.ensure_one()
        if not self.move_ids:
            raise UserError(self.env._("Select the documents whose status you want to change."))
        self.move_ids.action_set_workflow_status(self.status_id, self.comment, self.reason_id)
        return {"type": "ir.actions.act_window_close"}
