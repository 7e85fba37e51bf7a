# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .lifecycle_codes import LIFECYCLE_CODES

CONNECTOR_GROUP = "invoice_workflow_audit.group_einvoicing_connector"
EXPORT_COLUMNS = (
    "id",
    "company_vat",
    "document",
    "document_type",
    "partner",
    "partner_vat",
    "lifecycle_code",
    "reason_code",
    "comment",
    "amount",
    "currency",
    "date",
    "state",
    "external_ref",
)


class InvoiceLifecycleEvent(models.Model):
    """A lifecycle status exchanged with the e-invoicing platform: sent (what
    this company sets, queued until the connector marks it sent or in error)
    or received (what the platform reported, kept so that an event reported
    twice changes the document once). Nobody changes an event through the
    ORM: the addon creates them and the connector marks them through
    ``action_mark_sent`` / ``action_mark_error``."""

    _name = "invoice.lifecycle.event"
    _inherit = ["invoice.append.only.mixin"]
    _description = "E-invoicing Lifecycle Event"
    _order = "id desc"
    _check_company_auto = True

    move_id = fields.Many2one(
        "account.move", string="Document", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    direction = fields.Selection(
        [("outgoing", "To the platform"), ("incoming", "From the platform")],
        required=True,
        readonly=True,
        default="outgoing",
    )
    lifecycle_code = fields.Selection(LIFECYCLE_CODES, required=True, readonly=True)
    reason_id = fields.Many2one("invoice.lifecycle.reason", readonly=True, ondelete="restrict")
    comment = fields.Text(readonly=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    date = fields.Date(readonly=True, default=fields.Date.context_today)
    state = fields.Selection(
        [("to_send", "To send"), ("sent", "Sent"), ("error", "Error"), ("received", "Received")],
        required=True,
        readonly=True,
        default="to_send",
        index=True,
    )
    external_ref = fields.Char(
        string="Platform Reference",
        readonly=True,
        help="The platform's or the connector's reference of the event.",
    )
    error_message = fields.Text(readonly=True)

    def init(self):
        # The same event reported twice changes the document once: enforced
        # here too, for two connector requests racing each other.
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS invoice_lifecycle_event_incoming_ref_uniq"
            " ON invoice_lifecycle_event (move_id, external_ref)"
            " WHERE direction = 'incoming' AND external_ref IS NOT NULL"
        )

    @api.depends("move_id", "lifecycle_code")
    def _compute_display_name(self):
        labels = dict(LIFECYCLE_CODES)
        for event in self:
            event.display_name = f"{event.move_id.display_name} - {labels.get(event.lifecycle_code, '')}"

    # ------------------------------------------------------------------
    # Queue (the addon's own code)
    # ------------------------------------------------------------------

    @api.model
    def _queue(self, moves, code, reason=None, comment=None, amounts=None, direction="outgoing", ref=None):
        """Record one event per document of ``moves``; ``amounts`` maps move
        ids to the amount sent with the status (211, 212)."""
        vals_list = [
            {
                "move_id": move.id,
                "direction": direction,
                "lifecycle_code": code,
                "reason_id": reason.id if reason else False,
                "comment": comment or False,
                "amount": (amounts or {}).get(move.id, 0.0),
                "state": "received" if direction == "incoming" else "to_send",
                "external_ref": ref or False,
            }
            for move in moves
        ]
        # sudo: the status change that queues the event was checked; users
        # read events, nobody writes them.
        events = self.sudo()._create_protected(vals_list)
        if direction == "outgoing":
            labels = dict(LIFECYCLE_CODES)
            self.env["invoice.activity.log"]._log_action(
                moves,
                "lifecycle_event_queued",
                lambda env: env._("Queued for the e-invoicing platform: %(code)s", code=labels[code]),
            )
        return events.with_env(self.env)

    # ------------------------------------------------------------------
    # The connector
    # ------------------------------------------------------------------

    def _check_connector(self):
        if not self.env.su and not self.env.user.has_group(CONNECTOR_GROUP):
            raise AccessError(
                self.env._("Only the e-invoicing platform connector reports the events of the platform.")
            )

    def _check_outgoing_to_mark(self):
        self.check_access("read")
        for event in self:
            if event.direction != "outgoing":
                raise UserError(
                    self.env._(
                        "%(event)s was received from the platform: it is not sent.", event=event.display_name
                    )
                )

    def action_mark_sent(self, external_ref=None):
        """The connector delivered these events to the platform."""
        self._check_connector()
        if external_ref not in (None, False) and not isinstance(external_ref, str):
            raise UserError(self.env._("The platform reference must be a text."))
        self._check_outgoing_to_mark()
        vals = {"state": "sent", "error_message": False}
        if external_ref:
            vals["external_ref"] = external_ref
        self.sudo()._write_protected(vals)
        for event in self:
            self.env["invoice.activity.log"]._log_action(
                event.move_id,
                "lifecycle_event_sent",
                lambda env, event=event: env._(
                    "Sent to the e-invoicing platform: %(event)s (reference %(ref)s)",
                    event=event.with_env(env).display_name,
                    ref=event.external_ref or "-",
                ),
            )
        return True

    def action_mark_error(self, message=None):
        """The platform refused these events, or the connector failed to send them."""
        self._check_connector()
        if message not in (None, False) and not isinstance(message, str):
            raise UserError(self.env._("The error message must be a text."))
        self._check_outgoing_to_mark()
        self.sudo()._write_protected({"state": "error", "error_message": message or False})
        for event in self:
            self.env["invoice.activity.log"]._log_action(
                event.move_id,
                "lifecycle_event_error",
                lambda env, event=event: env._(
                    "Not delivered to the e-invoicing platform: %(event)s: %(message)s",
                    event=event.with_env(env).display_name,
                    message=message or "-",
                ),
            )
        return True

    # ------------------------------------------------------------------
    # Export: CSV (semicolons, as a French spreadsheet reads it) and JSON Lines
    # ------------------------------------------------------------------

    def _export_rows(self):
        for event in self:
            move = event.move_id
            yield {
                "id": event.id,
                "company_vat": move.company_id.vat or "",
                "document": move.name or "",
                "document_type": move.move_type,
                "partner": move.commercial_partner_id.name or "",
                "partner_vat": move.commercial_partner_id.vat or "",
                "lifecycle_code": event.lifecycle_code,
                "reason_code": event.reason_id.code or "",
                "comment": event.comment or "",
                "amount": event.amount if event.lifecycle_code in ("211", "212") else None,
                "currency": event.currency_id.name or "",
                "date": fields.Date.to_string(event.date) if event.date else "",
                "state": event.state,
                "external_ref": event.external_ref or "",
            }

    def _export_jsonl(self):
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in self._export_rows())

    def _export_csv(self):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(EXPORT_COLUMNS)
        for row in self._export_rows():
            writer.writerow([_csv_cell(row[column]) for column in EXPORT_COLUMNS])
        return buffer.getvalue()

    @api.model
    def export_lifecycle_events(self, file_format="jsonl", state="to_send"):
        """The outgoing events in ``state`` of the user's companies, as a JSON
        Lines or CSV text: what a connector of any platform reads."""
        if file_format not in ("jsonl", "csv"):
            raise UserError(self.env._("Export the events as jsonl or csv."))
        if state not in ("to_send", "sent", "error"):
            raise UserError(self.env._("Export the events to send, sent or in error."))
        events = self.search([("direction", "=", "outgoing"), ("state", "=", state)], order="id")
        return events._export_jsonl() if file_format == "jsonl" else events._export_csv()

    def action_export_csv(self):
        return self._action_download("csv")

    def action_export_jsonl(self):
        return self._action_download("jsonl")

    def _action_download(self, file_format):
        events = self or self.search([("direction", "=", "outgoing"), ("state", "=", "to_send")], order="id")
        content = events._export_jsonl() if file_format == "jsonl" else events._export_csv()
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"lifecycle_events.{file_format}",
                "raw": content.encode("utf-8-sig" if file_format == "csv" else "utf-8"),
                "mimetype": "text/csv" if file_format == "csv" else "application/jsonl",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }


def _csv_cell(value):
    """A cell a spreadsheet reads as text, never as a formula (OWASP); decimal
    commas, as a French accountant imports them."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    value = str(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
