# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Until 18.0.1.2.0 the Boolean "Post Automatically" of a recurrence was named
``auto_post``, the name of Odoo's own recurring entries on account.move (a
selection: no, at date, monthly, quarterly, yearly). It becomes
``post_generated``: the column is renamed before the registry loads (the ORM
would otherwise create an empty column with the default and drop the
customers' choice), and so are the field's metadata, so that its tracking
history, filters and defaults still point at it."""

from odoo.tools import SQL
from odoo.tools.sql import column_exists


def migrate(cr, version):
    if not column_exists(cr, "invoice_recurrence", "auto_post") or column_exists(
        cr, "invoice_recurrence", "post_generated"
    ):
        return
    cr.execute(SQL("ALTER TABLE invoice_recurrence RENAME COLUMN auto_post TO post_generated"))
    cr.execute(
        SQL(
            "UPDATE ir_model_fields SET name = 'post_generated'"
            " WHERE model = 'invoice.recurrence' AND name = 'auto_post'"
        )
    )
    cr.execute(
        SQL(
            "UPDATE ir_model_data SET name = 'field_invoice_recurrence__post_generated'"
            " WHERE module = 'invoice_workflow_audit' AND model = 'ir.model.fields'"
            " AND name = 'field_invoice_recurrence__auto_post'"
        )
    )
