# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import binascii

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class InvoiceActivityLogVerify(models.TransientModel):
    """Verify Integrity: recompute the chain of the company's history and,
    with a seal the owner kept, check that the chain still holds it."""

    _name = "invoice.activity.log.verify"
    _description = "Verify the Activity History"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    seal_file = fields.Binary(help="A seal downloaded or received by e-mail earlier.")
    seal_filename = fields.Char()
    seal_text = fields.Text(string="Seal", help="Or paste the text of the seal here.")

    @api.model_create_multi
    def create(self, vals_list):
        self.env["invoice.activity.log"]._check_owner()
        return super().create(vals_list)

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
        seal = self._seal_values()
        Link = self.env["invoice.activity.log.link"].sudo()
        # Rows written in the last minute are sealed first: they are checked too.
        Link._seal(self.company_id)
        report = Link._verify_chain(self.company_id)
        message, kind = self._describe(report)
        if seal and report["intact"]:
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
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Verify integrity"),
                "message": message,
                "type": kind,
                "sticky": True,
            },
        }

    def _describe(self, report):
        company = self.company_id.name
        if report["intact"]:
            return (
                self.env._(
                    "Activity history of %(company)s is intact: %(count)s rows checked.",
                    company=company,
                    count=report["count"],
                ),
                "success",
            )
        reasons = {
            "missing_link": self.env._("a link of the chain was removed"),
            "missing_row": self.env._("the row of this position was deleted"),
            "altered_row": self.env._("the row of this position was changed"),
            "unchained_rows": self.env._(
                "%(count)s rows were taken out of the chain", count=report.get("unchained")
            ),
        }
        detail = ""
        if report.get("log_id"):
            row = self.env["invoice.activity.log"].sudo().browse(report["log_id"]).exists()
            if row:
                detail = f" ({row.date}, {row.document_name or ''})"
        return (
            self.env._(
                "Activity history of %(company)s was altered at position %(position)s%(detail)s: %(reason)s.",
                company=company,
                position=report["position"],
                detail=detail,
                reason=reasons[report["reason"]],
            ),
            "danger",
        )

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
