# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.2.0 gives each history row the family of its action type, set at
insert from then on. The rows written before get theirs here, from the same
mapping the writers use (each capability's _activity_log_families), in one
UPDATE. The family is outside the hash and the MAC: filling it changes no
proof."""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    families = env["invoice.activity.log"]._activity_log_families()
    if not families:
        return
    cr.execute(
        SQL(
            "UPDATE invoice_activity_log AS log SET family = mapping.family"
            " FROM (VALUES %s) AS mapping (action_type, family)"
            " WHERE log.action_type = mapping.action_type AND log.family IS NULL",
            SQL(", ").join(SQL("(%s, %s)", action_type, family) for action_type, family in families.items()),
        )
    )
