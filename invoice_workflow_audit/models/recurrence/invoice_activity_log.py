# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

# The families of the recurrences' action types (see activity_log's FAMILIES).
ACTION_FAMILIES = {
    "recurrence_created": "created",
    "recurrence_modified": "modified",
    "recurrence_deleted": "deleted",
    "recurring_document_created": "created",
    "recurring_document_sent": "sent",
    "recurrence_stopped": "status",
    "recurrence_reactivated": "status",
    "recurrence_ended": "status",
    "recurrence_price_revised": "modified",
}


class InvoiceActivityLog(models.Model):
    _inherit = "invoice.activity.log"

    # The recurring invoices' action types.
    action_type = fields.Selection(
        selection_add=[
            ("recurrence_created", "Recurrence created"),
            ("recurrence_modified", "Recurrence modified"),
            ("recurrence_deleted", "Recurrence deleted"),
            ("recurring_document_created", "Recurring document created"),
            ("recurring_document_sent", "Recurring document sent"),
            ("recurrence_stopped", "Recurrence stopped"),
            ("recurrence_reactivated", "Recurrence reactivated"),
            ("recurrence_ended", "Recurrence ended"),
            ("recurrence_price_revised", "Recurrence price revised"),
        ],
        ondelete={
            "recurrence_created": "cascade",
            "recurrence_modified": "cascade",
            "recurrence_deleted": "cascade",
            "recurring_document_created": "cascade",
            "recurring_document_sent": "cascade",
            "recurrence_stopped": "cascade",
            "recurrence_reactivated": "cascade",
            "recurrence_ended": "cascade",
            "recurrence_price_revised": "cascade",
        },
    )

    @api.model
    def _activity_log_families(self):
        return {**super()._activity_log_families(), **ACTION_FAMILIES}
