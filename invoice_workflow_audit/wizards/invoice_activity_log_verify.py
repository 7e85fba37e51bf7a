# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import binascii

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

# Links verified inside the web request at most (PostgreSQL checks about a
# million links a second): a longer chain is verified by a background job,
# never cut half-way by the request's time limit.
VERIFY_IN_REQUEST_MAX = 2_000_000

# What a verification writes, never the user.
OUTCOME_FIELDS = frozenset(
    {"state", "result", "result_type", "date_verified", "checked_count", "head_position", "head_hash"}
)


class InvoiceActivityLogVerify(models.TransientModel):
    """Verify Integrity: check the chain of the company's history, the MACs of
    its rows and, with a seal the owner kept, that the chain still holds it."""

    _name = "invoice.activity.log.verify"
    _description = "Verify the Activity History"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    seal_file = fields.Binary(help="A seal downloaded or received by e-mail earlier.")
    seal_filename = fields.Char()
    seal_text = fields.Text(string="Seal", help="Or paste the text of the seal here.")
    state = fields.Selection(
        [("draft", "To verify"), ("queued", "Verifying in the background"), ("done", "Verified")],
        default="draft",
        readonly=True,
    )
    result = fields.Text(readonly=True)
    result_type = fields.Selection([("success", "Intact"), ("danger", "Altered")], readonly=True)
    date_verified = fields.Datetime(string="Verified On", readonly=True)
    checked_count = fields.Integer(string="Rows Checked", readonly=True)
    head_position = fields.Integer(string="Chain Length", readonly=True)
    head_hash = fields.Char(string="Last Hash", readonly=True)
    # The company's last verification (this one or an earlier one, made here
    # or in the background), shown when Verify opens.
    last_verified_on = fields.Datetime(compute="_compute_last_verification")
    last_verified_by_id = fields.Many2one("res.users", compute="_compute_last_verification")
    last_result = fields.Text(string="Last Verification", compute="_compute_last_verification")
    last_result_type = fields.Selection(
        [("success", "Intact"), ("danger", "Altered")],
        string="Last Verification Outcome",
        compute="_compute_last_verification",
    )

    @api.depends("company_id", "state")
    def _compute_last_verification(self):
        for wizard in self:
            # The owner reads them (create checked it); stored on the company for the owners only.
            company = wizard.company_id.sudo()
            wizard.last_verified_on = company.activity_log_verified_on
            wizard.last_verified_by_id = company.activity_log_verified_by_id
            wizard.last_result = company.activity_log_verify_result
            wizard.last_result_type = company.activity_log_verify_result_type

    @api.model_create_multi
    def create(self, vals_list):
        self.env["invoice.activity.log"]._check_owner()
        wizards = super().create(vals_list)
        wizards._check_own_company()
        return wizards

    def write(self, vals):
        # The outcome is Verify's to write, never the user's.
        if OUTCOME_FIELDS & vals.keys() and not self.env.su:
            raise AccessError(self.env._("The result of a verification is written by the verification only."))
        result = super().write(vals)
        if "company_id" in vals:
            self._check_own_company()
        return result

    def _check_own_company(self):
        """An owner verifies, and reads the last verification of, the
        companies they belong to only: the wizard shows a company's last
        outcome, read as superuser."""
        if self.env.su:
            return
        for wizard in self:
            if wizard.company_id not in self.env.user.company_ids:
                raise AccessError(self.env._("You may verify the history of your own companies only."))

    def _seal_values(self):
        text = self.seal_text
        if self.seal_file:
            try:
                text = base64.b64decode(self.seal_file).decode()
            except (binascii.Error, UnicodeDecodeError) as error:
                raise UserError(self.env._("This is not a seal of the activity history.")) from error
        if not (text or "").strip():
            return None
        seal = self.env["invoice.activity.log.seal"]._parse(text)
        if seal["company_id"] != self.company_id.id:
            raise UserError(
                self.env._(
                    "This seal is the seal of %(sealed)s, not of %(company)s.",
                    sealed=seal.get("company") or seal["company_id"],
                    company=self.company_id.name,
                )
            )
        return seal

    def action_verify(self):
        self.ensure_one()
        self.env["invoice.activity.log"]._check_owner()
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(self.env._("You may verify the history of your own companies only."))
        self.env["invoice.activity.log.key"].sudo()._require_key()
        self._seal_values()  # a bad seal is refused at once, not in the background
        self.env.cr.execute(
            SQL("SELECT count(*) FROM invoice_activity_log_link WHERE company_id = %s", self.company_id.id)
        )
        [[links]] = self.env.cr.fetchall()
        if links > VERIFY_IN_REQUEST_MAX:
            self._queue()
        else:
            self._run()
        return self._reopen()

    def action_refresh(self):
        """Show the outcome of a verification running in the background, once done."""
        self.ensure_one()
        return self._reopen()

    def _reopen(self):
        """This dialog again, showing the outcome where Verify was asked (or
        that the history is being verified in the background)."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Verify Integrity"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def _run(self):
        """Seal what is pending, verify, and keep the outcome on the wizard."""
        seal = self._seal_values()
        Link = self.env["invoice.activity.log.link"].sudo()
        # Rows written in the last minute are sealed first: they are checked too.
        Link._seal(self.company_id)
        report = Link._verify_chain(self.company_id)
        message, kind = self._describe(report)
        # Every closing recomputed from the accounting: the first that no
        # longer matches is named.
        Closing = self.env["invoice.activity.log.closing"].sudo()
        closings = Closing._describe_problems(self.company_id, Closing._verify_closings(self.company_id))
        if closings:
            message = f"{message} {closings}"
            kind = "danger"
        if seal and kind == "success":
            held = Link._hash_at(self.company_id, seal["position"])
            if held == seal["hash"]:
                message += " " + self.env._(
                    "It still holds the seal of %(date)s: %(position)s rows, last hash %(hash)s.",
                    date=seal.get("date"),
                    position=seal["position"],
                    hash=seal["hash"],
                )
            else:
                kind = "danger"
                message = self._describe_broken_seal(seal, held, report)
        self._write_outcome(message, kind, report)
        return message, kind

    def _write_outcome(self, message, kind, report=None):
        """Keep the outcome on this wizard and, as the last verification, on the company."""
        now = fields.Datetime.now()
        position, last_hash = (report or {}).get("head") or (0, "")
        self.sudo().write(
            {
                "state": "done",
                "result": message,
                "result_type": kind,
                "date_verified": now,
                "checked_count": (report or {}).get("count", 0),
                "head_position": position,
                "head_hash": last_hash or False,
            }
        )
        self.company_id.sudo()._write_protected(
            {
                "activity_log_verified_on": now,
                "activity_log_verified_by_id": self.create_uid.id or self.env.uid,
                "activity_log_verify_result": message,
                "activity_log_verify_result_type": kind,
            }
        )

    # ------------------------------------------------------------------
    # Long chains: verified by a background job
    # ------------------------------------------------------------------

    def _queue(self):
        self.sudo().write({"state": "queued"})
        self.env.ref("invoice_workflow_audit.ir_cron_activity_log_verify").sudo()._trigger()

    @api.model
    def _cron_verify_queued(self):
        """Run the verifications queued by Verify Integrity and post each
        result to the owner who asked for it."""
        for wizard in self.sudo().search([("state", "=", "queued")]):
            owner = wizard.create_uid
            try:
                message, kind = wizard.with_user(owner).with_context(lang=owner.lang)._run()
            except UserError as error:
                message, kind = str(error), "danger"
                wizard._write_outcome(message, kind)
            owner.partner_id.sudo().message_notify(
                partner_ids=owner.partner_id.ids,
                subject=self.with_context(lang=owner.lang).env._("Verify integrity"),
                body=Markup("<p>%s</p>") % message,
            )

    # ------------------------------------------------------------------
    # What the owner reads
    # ------------------------------------------------------------------

    def _describe(self, report):
        company = self.company_id.name
        notes = []
        if report.get("unprotected"):
            notes.append(
                self.env._(
                    "%(count)s rows were written without the signing key: nothing protected them "
                    "before their seal.",
                    count=report["unprotected"],
                )
            )
        if report.get("purged_until"):
            notes.append(
                self.env._(
                    "Positions 1 to %(position)s were purged after their archive: the chain continues from "
                    "the signed anchor, and the archives prove the purged part.",
                    position=report["purged_until"],
                )
            )
        if report["intact"]:
            message = self.env._(
                "Activity history of %(company)s is intact: %(count)s rows checked.",
                company=company,
                count=report["count"],
            )
            return " ".join([message, *notes]), "success"
        reasons = {
            "missing_link": self.env._("a link of the chain was removed"),
            "missing_row": self.env._("the row of this position was deleted"),
            "altered_row": self.env._("the row of this position was changed"),
            "altered_before_seal": self.env._(
                "the row was changed before its seal: it no longer matched the MAC it was written with"
            ),
            "mac_mismatch": self.env._(
                "the row was changed after its seal and the chain computed again: it no longer matches "
                "the MAC it was written with"
            ),
            "anchor_forged": self.env._(
                "the anchor recording the purged rows up to this position is not signed by this server's "
                "key, or was changed: rows were deleted outside a purge"
            ),
            "seal_broken": self.env._(
                "the chain no longer holds the seal kept in the database at this position: it was rewritten"
            ),
        }
        rows = {
            row.id: row
            for row in self.env["invoice.activity.log"]
            .sudo()
            .browse([problem["log_id"] for problem in report["problems"] if problem["log_id"]])
            .exists()
        }
        parts = []
        for problem in report["problems"]:
            if problem["reason"] == "unchained_rows":
                reason = self.env._("%(count)s rows were taken out of the chain", count=problem["unchained"])
            else:
                reason = reasons[problem["reason"]]
            row = rows.get(problem["log_id"])
            detail = ""
            if row:
                detail = f" (#{row.id}, {row.date}, {row.document_name or row.res_model or ''})"
            elif problem["log_id"]:
                detail = f" (#{problem['log_id']})"
            parts.append(
                self.env._(
                    "Activity history of %(company)s was altered at position %(position)s%(detail)s: %(reason)s.",  # noqa: E501
                    company=company,
                    position=problem["position"],
                    detail=detail,
                    reason=reason,
                )
            )
        return " ".join([*parts, *notes]), "danger"

    def _describe_broken_seal(self, seal, held, report):
        if held is None:
            return self.env._(
                "Activity history of %(company)s was altered: the seal of %(date)s counts %(position)s rows, "
                "the chain now has %(count)s. Rows were removed.",
                company=self.company_id.name,
                date=seal.get("date"),
                position=seal["position"],
                count=report["count"],
            )
        return self.env._(
            "Activity history of %(company)s was rewritten: at position %(position)s the seal of %(date)s "
            "holds %(sealed)s, the chain now holds %(held)s.",
            company=self.company_id.name,
            position=seal["position"],
            date=seal.get("date"),
            sealed=seal["hash"],
            held=held,
        )
