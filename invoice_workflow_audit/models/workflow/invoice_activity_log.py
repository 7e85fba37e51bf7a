# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

# The families of the workflow's action types (see activity_log's FAMILIES).
ACTION_FAMILIES = {
    "document_posted": "status",
    "document_reset": "status",
    "document_cancelled": "status",
    "status_changed": "status",
    "status_escalated": "status",
    "status_received": "status",
    "lifecycle_event_queued": "status",
    "lifecycle_event_sent": "sent",
    "lifecycle_event_error": "status",
    "status_config_created": "created",
    "status_config_modified": "modified",
    "status_config_deleted": "deleted",
}


class InvoiceActivityLog(models.Model):
    _inherit = "invoice.activity.log"

    # The workflow's action types: statuses, their configuration, the document's
    # lifecycle (posting, reset, cancellation) and the e-invoicing lifecycle.
    action_type = fields.Selection(
        selection_add=[
            ("document_posted", "Document posted"),
            ("document_reset", "Document reset to draft"),
            ("document_cancelled", "Document cancelled"),
            ("status_changed", "Status changed"),
            ("status_escalated", "Status escalated"),
            ("status_received", "Status received from the e-invoicing platform"),
            ("lifecycle_event_queued", "E-invoicing lifecycle event queued"),
            ("lifecycle_event_sent", "E-invoicing lifecycle event sent"),
            ("lifecycle_event_error", "E-invoicing lifecycle event in error"),
            ("status_config_created", "Status configuration created"),
            ("status_config_modified", "Status configuration modified"),
            ("status_config_deleted", "Status configuration deleted"),
        ],
        ondelete={
            "document_posted": "cascade",
            "document_reset": "cascade",
            "document_cancelled": "cascade",
            "status_changed": "cascade",
            "status_escalated": "cascade",
            "status_received": "cascade",
            "lifecycle_event_queued": "cascade",
            "lifecycle_event_sent": "cascade",
            "lifecycle_event_error": "cascade",
            "status_config_created": "cascade",
            "status_config_modified": "cascade",
            "status_config_deleted": "cascade",
        },
    )

    @api.model
    def _activity_log_families(self):
        return {**super()._activity_log_families(), **ACTION_FAMILIES}
