# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Until 18.0.1.2.0 ``account.move.is_recurring`` was a stored column, filled
at install by an UPDATE of every journal entry and written with each
generated document. It is ``recurrence_id`` seen as a flag, now computed and
searched through ``recurrence_id``: the column goes."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(SQL("ALTER TABLE account_move DROP COLUMN IF EXISTS is_recurring"))
