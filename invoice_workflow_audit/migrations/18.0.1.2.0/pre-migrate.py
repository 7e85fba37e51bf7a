# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Until 18.0.1.2.0 every link was hashed over a JSON of its row (version 1);
from now on over a canonical text PostgreSQL computes as well (version 2).
The links made so far keep version 1, so that Verify checks each link with
the format it was made with and none turns "altered" by the upgrade."""

from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, table_exists


def migrate(cr, version):
    # From 18.0.1.0.0 the link table does not exist yet: the ORM creates it.
    if not table_exists(cr, "invoice_activity_log_link"):
        return
    if not column_exists(cr, "invoice_activity_log_link", "hash_version"):
        create_column(cr, "invoice_activity_log_link", "hash_version", "int4")
    cr.execute(SQL("UPDATE invoice_activity_log_link SET hash_version = 1 WHERE hash_version IS NULL"))
