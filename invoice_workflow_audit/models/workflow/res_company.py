# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, fields, models
from odoo.exceptions import AccessError

from .lifecycle_codes import (
    CODE_GROUP,
    CODE_SET_BY,
    FINAL_CODES,
    HOLD_PAYMENT_CODES,
    LIFECYCLE_CODES,
    LIFECYCLE_TRANSITIONS,
    SUSPENDED_CODE,
    SUSPENDED_TIME_LIMIT_HOURS,
    VENDOR_DECISION_CODES,
)

STATUS_MANAGER_GROUP = "invoice_workflow_audit.group_invoice_workflow_manager"


class ResCompany(models.Model):
    """The e-invoicing lifecycle, loaded on demand per company."""

    _inherit = "res.company"

    einvoicing_decision_group_id = fields.Many2one(
        "res.groups",
        string="E-invoicing Decisions By",
        help="The user group that approves, disputes, suspends or refuses vendor bills "
        "(lifecycle statuses 205 to 208 and 210). Empty: every invoicing user.",
    )

    def write(self, vals):
        result = super().write(vals)
        if "einvoicing_decision_group_id" in vals:
            for company in self:
                company._lifecycle_decision_statuses().group_ids = [
                    Command.set(company.einvoicing_decision_group_id.ids)
                ]
        return result

    def _lifecycle_statuses(self):
        """This company's lifecycle statuses, archived ones included."""
        self.ensure_one()
        return (
            self.env["invoice.workflow.status"]
            .with_context(active_test=False)
            .search([("company_id", "=", self.id), ("lifecycle_code", "!=", False)])
        )

    def _lifecycle_decision_statuses(self):
        return self._lifecycle_statuses().filtered(
            lambda status: (
                status.lifecycle_side == "vendor" and status.lifecycle_code in VENDOR_DECISION_CODES
            )
        )

    def action_load_einvoicing_lifecycle(self):
        """Create the statuses of the French e-invoicing lifecycle for these
        companies (customer invoices and vendor bills) with the transitions of
        the specification. Idempotent: a status already there (by company,
        code and side, archived included) is kept as the administrator left
        it, and only missing transitions are added."""
        if not self.env.su and not self.env.user.has_group(STATUS_MANAGER_GROUP):
            raise AccessError(self.env._("Only the invoice status managers load the e-invoicing lifecycle."))
        for company in self:
            if company not in self.env.user.company_ids and not self.env.su:
                raise AccessError(
                    self.env._(
                        "You cannot load the e-invoicing lifecycle of %(company)s.", company=company.name
                    )
                )
            company._load_einvoicing_lifecycle()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "The e-invoicing lifecycle is loaded: its statuses come after your own ones "
                    "(Invoicing > Configuration > Invoice Statuses)."
                ),
                "next": {"type": "ir.actions.client", "tag": "reload"},
            },
        }

    def _load_einvoicing_lifecycle(self):
        self.ensure_one()
        Status = self.env["invoice.workflow.status"]
        existing = {(s.lifecycle_side, s.lifecycle_code): s for s in self._lifecycle_statuses()}
        last = Status.with_context(active_test=False).search([], order="sequence desc", limit=1)
        sequence = (last.sequence or 0) + 10
        to_create = []
        for side in ("customer", "vendor"):
            for code, label in LIFECYCLE_CODES:
                if (side, code) in existing:
                    continue
                set_by = CODE_SET_BY[code]
                decision = side == "vendor" and code in VENDOR_DECISION_CODES
                to_create.append(
                    {
                        "name": label,
                        "sequence": sequence,
                        "company_id": self.id,
                        "group": CODE_GROUP.get(code, "in_progress"),
                        "lifecycle_code": code,
                        "lifecycle_side": side,
                        "lifecycle_set_by": set_by,
                        "time_limit_hours": SUSPENDED_TIME_LIMIT_HOURS if code == SUSPENDED_CODE else 0.0,
                        "hold_payment": code in HOLD_PAYMENT_CODES,
                        "group_ids": [Command.set(self.einvoicing_decision_group_id.ids)] if decision else [],
                    }
                )
                sequence += 1
        if to_create:
            for status in Status.create(to_create):
                existing[(status.lifecycle_side, status.lifecycle_code)] = status
        starts = {
            "in_progress": Status._get_first_status("in_progress", self),
            "paid": Status._get_first_status("paid", self),
        }
        for side in ("customer", "vendor"):
            for source_code, target_codes in LIFECYCLE_TRANSITIONS.items():
                source = starts.get(source_code) or existing.get((side, source_code))
                if not source or source_code in FINAL_CODES:
                    continue
                targets = Status.browse(
                    [existing[(side, code)].id for code in target_codes if (side, code) in existing]
                )
                missing = targets - source.next_status_ids
                if missing:
                    source.next_status_ids = [Command.link(target.id) for target in missing]
        return True
