# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib
import hmac
import json

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..common import OWNER_GROUP

SEAL_FORMAT = "invoice_workflow_audit.seal/1"


class InvoiceActivityLogSeal(models.Model):
    """A seal of a company's activity history: how long its chain was at a
    moment, and the hash of its last link.

    The seal is the anchor outside the database: the account owner downloads
    it, or receives it by e-mail every day while the history is on, and keeps
    it. "Verify Integrity" with a seal tells whether the chain still holds that
    hash at that position: a database superuser who deletes rows and computes
    the whole chain again cannot produce it. The signature (HMAC with the
    database secret) only says which database made the seal; its strength is
    the copy the owner keeps.
    """

    _name = "invoice.activity.log.seal"
    _inherit = ["invoice.append.only.mixin"]
    _description = "Activity History Seal"
    _order = "date desc, id desc"
    _rec_name = "date"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    position = fields.Integer(string="Chain Length", required=True, readonly=True)
    head_hash = fields.Char(string="Last Hash", required=True, readonly=True)
    seal_text = fields.Text(string="Seal", readonly=True)

    # ------------------------------------------------------------------
    # Making seals
    # ------------------------------------------------------------------

    @api.model
    def _signature(self, payload):
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret", "")
        return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()

    @api.model
    def _payload(self, values):
        return json.dumps(values, sort_keys=True, ensure_ascii=True, separators=(",", ":"))

    @api.model
    def _make_seal(self, company):
        """Seal what is pending, then record and return the seal of ``company``'s chain."""
        Link = self.env["invoice.activity.log.link"].sudo()
        Link._seal(company)
        position, head_hash = Link._chain_head(company.id)
        date = fields.Datetime.now()
        values = {
            "format": SEAL_FORMAT,
            "database": self.env["ir.config_parameter"].sudo().get_param("database.uuid"),
            "company_id": company.id,
            "company": company.name,
            "position": position,
            "hash": head_hash,
            "date": fields.Datetime.to_string(date),
        }
        payload = self._payload(values)
        text = json.dumps({**values, "signature": self._signature(payload)}, indent=1, sort_keys=True)
        return self.sudo()._create_protected(
            [
                {
                    "company_id": company.id,
                    "date": date,
                    "position": position,
                    "head_hash": head_hash,
                    "seal_text": text,
                }
            ]
        )

    @api.model
    def _parse(self, text):
        """The seal ``text`` as a dict, its signature checked; UserError when it is no seal."""
        try:
            values = json.loads(text)
            signature = values.pop("signature")
            valid = (
                values.get("format") == SEAL_FORMAT
                and {"company_id", "position", "hash"} <= values.keys()
                and isinstance(signature, str)
            )
        except (ValueError, TypeError, AttributeError, KeyError):
            valid = False
        if not valid:
            raise UserError(self.env._("This is not a seal of the activity history."))
        if not hmac.compare_digest(signature, self._signature(self._payload(values))):
            raise UserError(
                self.env._(
                    "This seal was not made by this database, or it was edited: its signature does not match."
                )
            )
        return values

    def _filename(self):
        self.ensure_one()
        return f"activity-history-seal-{self.company_id.id}-{fields.Datetime.to_string(self.date)[:10]}.json"

    def action_download(self):
        self.ensure_one()
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self._filename(),
                    "raw": self.seal_text.encode(),
                    "mimetype": "application/json",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        token = attachment.generate_access_token()[0]
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true&access_token={token}",
            "target": "download",
        }

    # ------------------------------------------------------------------
    # The daily seal by e-mail
    # ------------------------------------------------------------------

    @api.model
    def _cron_mail_seals(self):
        """Seal the history of every company that has it on and e-mail the
        seal to its account owners, who keep it outside the database."""
        owners = self.env.ref(OWNER_GROUP).sudo().users.filtered("email")
        for company in self.env["res.company"].sudo().search([("activity_log_enabled", "=", True)]):
            seal = self._make_seal(company)
            recipients = owners.filtered(lambda user, company=company: company in user.company_ids)
            if recipients:
                seal._mail_to(recipients)

    def _mail_to(self, users):
        self.ensure_one()
        env = self.with_context(lang=users[:1].lang or self.env.lang).env
        body = env._(
            "The seal of the activity history of %(company)s: %(count)s rows, last hash %(hash)s. "
            "Keep this e-mail or its attachment: Verify Integrity with it proves that the history "
            "was not rewritten since.",
            company=self.company_id.name,
            count=self.position,
            hash=self.head_hash,
        )
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self._filename(),
                    "datas": base64.b64encode(self.seal_text.encode()),
                    "mimetype": "application/json",
                }
            )
        )
        self.env["mail.mail"].sudo().create(
            {
                "subject": env._("Activity history seal of %(company)s", company=self.company_id.name),
                "body_html": Markup("<p>%s</p><pre>%s</pre>") % (body, self.seal_text),
                "email_to": ",".join(users.mapped("email_formatted")),
                "email_from": self.company_id.email_formatted or self.env.user.email_formatted,
                "attachment_ids": [fields.Command.link(attachment.id)],
                "auto_delete": False,
            }
        )
