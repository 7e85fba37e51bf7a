# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.2.0 signs with a key the database does not hold: the key pair is
made now, its private key in a file of the server (see
models/activity_log/invoice_activity_log_key.py). Rows written before carry
no MAC: Verify counts them as unprotected before their seal."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["invoice.activity.log.key"]._ensure_key()
