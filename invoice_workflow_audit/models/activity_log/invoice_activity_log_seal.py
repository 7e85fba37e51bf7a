# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import binascii
import json
import logging

from cryptography.exceptions import InvalidSignature
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..common import OWNER_GROUP

_logger = logging.getLogger(__name__)

# Seals signed with Ed25519 by the key file of the server (18.0.1.2.0). The
# first format, signed with HMAC(database.secret), is refused: whoever could
# rewrite the history could read that secret and mint such a seal.
SEAL_FORMAT = "invoice_workflow_audit.seal/2"
DATABASE_SECRET_SEAL_FORMAT = "invoice_workflow_audit.seal/1"


def seal_payload(values):
    """The bytes a seal signs: every field of the seal but its signature, as
    compact JSON with sorted keys (tools/verify_seal.py does the same)."""
    signed = {name: value for name, value in values.items() if name != "signature"}
    return json.dumps(signed, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()


class InvoiceActivityLogSeal(models.Model):
    """A seal of a company's activity history: how long its chain was at a
    moment, and the hash of its last link, signed with the server's key.

    The seal is the anchor outside the database: the account owner downloads
    it or receives it by e-mail every day while the history is on, and the
    company's accountant downloads it from the portal. "Verify Integrity" with
    a seal tells whether the chain still holds that hash at that position: a
    database superuser who deletes rows and computes the whole chain again
    cannot produce it, nor sign a seal of his own (the private key is a file
    of the server, not in the database). Anyone checks a seal with the public
    key alone (tools/verify_seal.py).
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
    key_id = fields.Char(string="Key ID", readonly=True)
    signing_key_id = fields.Many2one("invoice.activity.log.key", readonly=True, ondelete="restrict")

    # ------------------------------------------------------------------
    # Making seals
    # ------------------------------------------------------------------

    @api.model
    def _make_seal(self, company):
        """Seal what is pending, then record and return the signed seal of
        ``company``'s chain. UserError when the key file is missing."""
        Key = self.env["invoice.activity.log.key"].sudo()
        key = Key._require_key()
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
            "key_id": key.key_id,
        }
        signature = base64.b64encode(key.sign(seal_payload(values))).decode()
        text = json.dumps({**values, "signature": signature}, indent=1, sort_keys=True)
        return self.sudo()._create_protected(
            [
                {
                    "company_id": company.id,
                    "date": date,
                    "position": position,
                    "head_hash": head_hash,
                    "seal_text": text,
                    "key_id": key.key_id,
                    "signing_key_id": Key.search([("key_id", "=", key.key_id)], limit=1).id,
                }
            ]
        )

    @api.model
    def _parse(self, text):
        """The seal ``text`` as a dict, its signature checked with the public
        key it names; UserError when it is no seal, a seal of the old format
        or a seal whose signature does not match."""
        try:
            values = json.loads(text)
            valid = isinstance(values, dict) and values.get("format") in (
                SEAL_FORMAT,
                DATABASE_SECRET_SEAL_FORMAT,
            )
            valid = valid and {"company_id", "position", "hash", "signature"} <= values.keys()
        except (ValueError, TypeError, AttributeError):
            valid = False
        if not valid:
            raise UserError(self.env._("This is not a seal of the activity history."))
        if values["format"] == DATABASE_SECRET_SEAL_FORMAT:
            raise UserError(
                self.env._(
                    "This seal was signed with the database's own secret (the format before version "
                    "18.0.1.2.0): whoever could rewrite the history could also make such a seal, so it "
                    "proves nothing. Use a seal signed with the server's key (received or downloaded "
                    "since the upgrade)."
                )
            )
        public_key = self.env["invoice.activity.log.key"].sudo()._public_keys().get(values.get("key_id"))
        if not public_key:
            raise UserError(
                self.env._(
                    "This seal was signed with the key %(key)s, which this database never used.",
                    key=values.get("key_id"),
                )
            )
        try:
            public_key.verify(base64.b64decode(values["signature"], validate=True), seal_payload(values))
        except (InvalidSignature, binascii.Error, TypeError, ValueError) as error:
            raise UserError(
                self.env._(
                    "This seal was not made by this database, or it was edited: its signature does not match."
                )
            ) from error
        return values

    def _signed_by_held_key(self):
        """Whether this stored seal's signature is verified by a key file of
        this server (a public key read from the database proves nothing
        against whoever writes the database)."""
        self.ensure_one()
        key = self.env["invoice.activity.log.key"]._key_by_id(self.key_id)
        if not key:
            return False
        try:
            values = json.loads(self.seal_text)
            key.private_key.public_key().verify(base64.b64decode(values["signature"]), seal_payload(values))
        except (InvalidSignature, ValueError, TypeError, KeyError, binascii.Error):
            return False
        return values.get("position") == self.position and values.get("hash") == self.head_hash

    def _filename(self):
        self.ensure_one()
        return f"activity-history-seal-{self.company_id.id}-{fields.Datetime.to_string(self.date)[:10]}.json"

    def action_download(self):
        self.ensure_one()
        return self._download_json(self, self._filename(), self.seal_text)

    @api.model
    def _download_json(self, record, name, text):
        """The download of a signed JSON document of ``record`` (a seal, a
        closing): an attachment of the record, opened by a one-time URL."""
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": text.encode(),
                    "mimetype": "application/json",
                    "res_model": record._name,
                    "res_id": record.id,
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
        Key = self.env["invoice.activity.log.key"].sudo()
        if not Key._current_key():
            _logger.warning("%s", Key._missing_key_message())
            return
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
                "body_html": Markup("<p>%s</p><pre>%s</pre><p>%s</p><pre>%s</pre>")
                % (
                    body,
                    self.seal_text,
                    env._("The public key that checks this seal, without Odoo (tools/verify_seal.py):"),
                    self.signing_key_id.public_key or "",
                ),
                "email_to": ",".join(users.mapped("email_formatted")),
                "email_from": self.company_id.email_formatted or self.env.user.email_formatted,
                "attachment_ids": [fields.Command.link(attachment.id)],
                "auto_delete": False,
            }
        )
