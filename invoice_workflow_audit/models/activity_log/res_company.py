# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..common import OWNER_GROUP, demo_env


class ResCompany(models.Model):
    _inherit = "res.company"

    activity_log_enabled = fields.Boolean(
        string="Activity History",
        help="Record every invoicing action of this company (who, when, from which IP address, "
        "what) in the central, tamper-evident activity history.",
    )

    def _check_may_switch_activity_log(self):
        if not self.env.su and not self.env.user.has_group(OWNER_GROUP):
            raise AccessError(self.env._("Only the account owner may switch the activity history on or off."))

    @api.model_create_multi
    def create(self, vals_list):
        # A company created with its history on: the switch is the owner's,
        # and the history starts with it.
        enabled = [bool(vals.get("activity_log_enabled")) for vals in vals_list]
        if any(enabled):
            self._check_may_switch_activity_log()
        companies = super().create(vals_list)
        started = companies.browse(company.id for company, on in zip(companies, enabled, strict=True) if on)
        if started:
            self.env["invoice.activity.log"]._log_action(started, "log_enabled", chatter_body=None)
        return companies

    def write(self, vals):
        if "activity_log_enabled" not in vals:
            return super().write(vals)
        self._check_may_switch_activity_log()
        changed = self.filtered(
            lambda company: company.activity_log_enabled != bool(vals["activity_log_enabled"])
        )
        Log = self.env["invoice.activity.log"]
        # Switching off is logged while the history is still on, switching on
        # once it is on: both ends of a gap are in the chain.
        if not vals["activity_log_enabled"]:
            Log._log_action(changed, "log_disabled", chatter_body=None)
        # The owner needs no other right on companies to flip this switch.
        result = super(ResCompany, self.sudo()).write(vals) if len(vals) == 1 else super().write(vals)
        if vals["activity_log_enabled"]:
            Log._log_action(changed, "log_enabled", chatter_body=None)
        return result

    @api.model
    def _iwa_demo_activity_history(self):
        """Demo data: the account owner switches the history on for the main
        company; what the demo does next is recorded in it."""
        env = demo_env(self.env)
        env.company.activity_log_enabled = True
