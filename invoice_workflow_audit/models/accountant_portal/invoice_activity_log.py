# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

# The families of the accountant portal's action types (see activity_log's FAMILIES).
ACTION_FAMILIES = {
    "accountant_access_granted": "access",
    "accountant_access_revoked": "access",
    "accountant_processed_set": "status",
    "accountant_processed_cleared": "status",
    "books_stamped": "system",
    "portal_document_sent": "sent",
    "entries_exported": "export",
}


class InvoiceActivityLog(models.Model):
    _inherit = "invoice.activity.log"

    # The accountant portal's action types.
    action_type = fields.Selection(
        selection_add=[
            ("accountant_access_granted", "Accountant access granted"),
            ("accountant_access_revoked", "Accountant access revoked"),
            ("accountant_processed_set", "Marked processed by the accountant"),
            ("accountant_processed_cleared", "Processed mark cleared by the accountant"),
            ("books_stamped", "Books stamped up to date"),
            ("portal_document_sent", "Document e-mailed from the accountant portal"),
            ("entries_exported", "Entries exported"),
        ],
        ondelete={
            "accountant_access_granted": "cascade",
            "accountant_access_revoked": "cascade",
            "accountant_processed_set": "cascade",
            "accountant_processed_cleared": "cascade",
            "books_stamped": "cascade",
            "portal_document_sent": "cascade",
            "entries_exported": "cascade",
        },
    )

    @api.model
    def _activity_log_families(self):
        return {**super()._activity_log_families(), **ACTION_FAMILIES}
