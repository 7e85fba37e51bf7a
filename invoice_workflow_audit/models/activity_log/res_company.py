# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..common import OWNER_GROUP

# The outcome of the company's last Verify Integrity, kept by the
# verification itself (invoice.activity.log.verify._run) for the owner to
# find where Verify was asked, also after a verification in the background.
VERIFY_RESULT_FIELDS = (
    "activity_log_verified_on",
    "activity_log_verified_by_id",
    "activity_log_verify_result",
    "activity_log_verify_result_type",
)


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "invoice.protected.fields.mixin"]

    activity_log_enabled = fields.Boolean(
        string="Activity History",
        help="Record every invoicing action of this company (who, when, from which IP address, "
        "what) in the central, tamper-evident activity history.",
    )
    activity_log_public_key = fields.Text(
        string="History Public Key",
        compute="_compute_activity_log_public_key",
        groups=OWNER_GROUP,
        help="The public key of the history's signing key (Ed25519): anyone checks a seal with it, "
        "without Odoo. Keep a copy outside the database.",
    )
    activity_log_key_id = fields.Char(
        string="History Key ID", compute="_compute_activity_log_public_key", groups=OWNER_GROUP
    )
    activity_log_key_file = fields.Char(
        string="History Key File", compute="_compute_activity_log_public_key", groups=OWNER_GROUP
    )

    activity_log_retention_years = fields.Integer(
        string="Keep the History Online (Years)",
        default=0,
        groups=OWNER_GROUP,
        help="How many years the activity history stays in the database (0: keep everything). Older rows "
        "are purged only once their period is closed and archived; the chain continues from a signed "
        "anchor and the archives prove the purged part.",
    )

    activity_log_verified_on = fields.Datetime(
        string="History Last Verified On", readonly=True, copy=False, groups=OWNER_GROUP
    )
    activity_log_verified_by_id = fields.Many2one(
        "res.users", string="History Last Verified By", readonly=True, copy=False, groups=OWNER_GROUP
    )
    activity_log_verify_result = fields.Text(
        string="Last Verification of the History", readonly=True, copy=False, groups=OWNER_GROUP
    )
    activity_log_verify_result_type = fields.Selection(
        [("success", "Intact"), ("danger", "Altered")],
        string="Last Verification Outcome",
        readonly=True,
        copy=False,
        groups=OWNER_GROUP,
    )

    # Fields of the history that the account owner sets (no other right on
    # companies needed), each change logged.
    _ACTIVITY_LOG_OWNER_FIELDS = frozenset({"activity_log_enabled", "activity_log_retention_years"})

    @api.model
    def _protected_fields(self):
        # Written by Verify Integrity only: nobody sets an outcome by hand.
        return (*super()._protected_fields(), *VERIFY_RESULT_FIELDS)

    def _compute_activity_log_public_key(self):
        # One key per database: the current one (the key file read when held,
        # else the public key the database keeps).
        Key = self.env["invoice.activity.log.key"].sudo()
        held = Key._current_key()
        current = Key.search([("date_end", "=", False)], limit=1)
        for company in self:
            company.activity_log_public_key = held.public_pem if held else current.public_key
            company.activity_log_key_id = held.key_id if held else current.key_id
            company.activity_log_key_file = Key._key_path()

    def action_activity_log_new_key(self):
        """Rotation: a new signing key signs from now on; the old public keys
        stay with the seals they signed, which stay valid."""
        if not self.env.user.has_group(OWNER_GROUP):
            raise AccessError(self.env._("Only the account owner may make a new signing key."))
        key = self.env["invoice.activity.log.key"].sudo()._rotate()
        for company in self.env.user.company_ids.filtered("activity_log_enabled"):
            self.env["invoice.activity.log"]._log_action(
                company,
                "signing_key_rotated",
                lambda env: env._("New signing key %(key)s", key=key.key_id),
                chatter_body=None,
            )
        return True

    def action_activity_log_close(self, period):
        """Close every complete period of kind ``period`` (``day``, ``month``
        or ``year``, the company's fiscal year) not closed yet, for these
        companies (the current one when called on none): the account owner
        only. Returns the list of the new closings."""
        if not self.env.user.has_group(OWNER_GROUP):
            raise AccessError(self.env._("Only the account owner may close periods of the activity history."))
        Closing = self.env["invoice.activity.log.closing"]
        Closing._check_period(period)
        companies = self or self.env.company
        if companies - self.env.user.company_ids:
            raise AccessError(self.env._("You may close the periods of your own companies only."))
        off = companies.filtered(lambda company: not company.activity_log_enabled)
        if off:
            raise UserError(
                self.env._(
                    "The activity history of %(companies)s is off: switch it on before closing periods.",
                    companies=", ".join(off.mapped("name")),
                )
            )
        closings = Closing.browse()
        for company in companies:
            closings |= Closing._close(company, period)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "invoice_workflow_audit.action_invoice_activity_log_closing"
        )
        action["domain"] = [("id", "in", closings.ids)]
        return action

    def action_activity_log_purge(self):
        """Purge, for these companies (the current one when called on none),
        the history rows that their retention and archives allow: the account
        owner only. Returns the anchors made."""
        if not self.env.user.has_group(OWNER_GROUP):
            raise AccessError(self.env._("Only the account owner may purge the activity history."))
        companies = self or self.env.company
        if companies - self.env.user.company_ids:
            raise AccessError(self.env._("You may purge the history of your own companies only."))
        keep = companies.sudo().filtered(lambda company: company.activity_log_retention_years <= 0)
        if keep:
            raise UserError(
                self.env._(
                    "%(companies)s keep the whole activity history online: set how many years to keep it "
                    "first (Settings > Invoicing > Activity History).",
                    companies=", ".join(keep.mapped("name")),
                )
            )
        Anchor = self.env["invoice.activity.log.anchor"]
        anchors = Anchor.browse()
        for company in companies.sudo():
            anchors |= Anchor._purge(company)
        return anchors.ids

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
        if "partner_id" in vals:
            # The history's detail is written in the language of the company's
            # partner, cached (invoice.activity.log._company_lang).
            self.env.registry.clear_cache()
        if not self._ACTIVITY_LOG_OWNER_FIELDS & vals.keys():
            return super().write(vals)
        self._check_may_switch_activity_log()
        if "activity_log_retention_years" in vals:
            self._log_retention_change(vals["activity_log_retention_years"])
        # The owner needs no other right on companies to set the history's fields.
        writer = super(ResCompany, self.sudo()) if vals.keys() <= self._ACTIVITY_LOG_OWNER_FIELDS else super()
        if "activity_log_enabled" not in vals:
            return writer.write(vals)
        changed = self.filtered(
            lambda company: company.activity_log_enabled != bool(vals["activity_log_enabled"])
        )
        Log = self.env["invoice.activity.log"]
        # Switching off is logged while the history is still on, switching on
        # once it is on: both ends of a gap are in the chain.
        if not vals["activity_log_enabled"]:
            Log._log_action(changed, "log_disabled", chatter_body=None)
        result = writer.write(vals)
        if vals["activity_log_enabled"]:
            Log._log_action(changed, "log_enabled", chatter_body=None)
        return result

    def _log_retention_change(self, years):
        if isinstance(years, bool) or not isinstance(years, int) or not 0 <= years <= 100:
            raise ValidationError(
                self.env._("The history is kept online from 0 (everything) to 100 years, in whole years.")
            )
        for company in self.sudo():
            if company.activity_log_retention_years != years:
                env = self.env["invoice.activity.log"]._company_language_env(company)
                self.env["invoice.activity.log"]._log_action(
                    company,
                    "retention_changed",
                    env._(
                        "Keep the history online: %(old)s → %(new)s years (0: everything).",
                        old=company.activity_log_retention_years,
                        new=years,
                    ),
                    chatter_body=None,
                )
