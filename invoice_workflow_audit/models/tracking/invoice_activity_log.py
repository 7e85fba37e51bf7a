# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

# The families of the tracking's action types (see activity_log's FAMILIES).
ACTION_FAMILIES = {
    "document_created": "created",
    "document_modified": "modified",
    "document_deleted": "deleted",
    "document_printed": "printed",
    "document_sent": "sent",
    "reminder_sent": "sent",
    "payment_created": "created",
    "payment_modified": "modified",
    "payment_deleted": "deleted",
    "payment_reconciled": "status",
    "payment_unreconciled": "status",
}


class InvoiceActivityLog(models.Model):
    _inherit = "invoice.activity.log"

    # The action types of per-document and per-payment tracking.
    action_type = fields.Selection(
        selection_add=[
            ("document_created", "Document created"),
            ("document_modified", "Document modified"),
            ("document_deleted", "Document deleted"),
            ("document_printed", "Document printed"),
            ("document_sent", "Document sent"),
            ("reminder_sent", "Payment reminder sent"),
            ("payment_created", "Payment created"),
            ("payment_modified", "Payment modified"),
            ("payment_deleted", "Payment deleted"),
            ("payment_reconciled", "Payment reconciled"),
            ("payment_unreconciled", "Payment unreconciled"),
        ],
        ondelete={
            "document_created": "cascade",
            "document_modified": "cascade",
            "document_deleted": "cascade",
            "document_printed": "cascade",
            "document_sent": "cascade",
            "reminder_sent": "cascade",
            "payment_created": "cascade",
            "payment_modified": "cascade",
            "payment_deleted": "cascade",
            "payment_reconciled": "cascade",
            "payment_unreconciled": "cascade",
        },
    )

    @api.model
    def _activity_log_families(self):
        return {**super()._activity_log_families(), **ACTION_FAMILIES}
