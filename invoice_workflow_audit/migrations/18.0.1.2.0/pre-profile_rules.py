# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The limited profiles' record rules changed: until 18.0.1.1.0 one rule gave
them read, write and create on every document of their side and another
deletion of drafts; from 18.0.1.2.0 one rule gives read on their side and
another write, create and deletion on drafts only, so that no door reaches a
posted document. security/ir_rules.xml is noupdate: Odoo never updates an
existing record of it, and never removes one whose id left the file. The old
rules are removed here, before the data is loaded, which then creates the new
ones."""

from odoo.tools import SQL

OLD_RULES = tuple(
    f"{model}_profile_{profile}_{kind}"
    for model in ("account_move", "account_move_line")
    for profile in ("sales_rep", "purchasing")
    for kind in ("rule", "unlink_rule")
)


def migrate(cr, version):
    cr.execute(
        SQL(
            "DELETE FROM ir_rule WHERE id IN (SELECT res_id FROM ir_model_data"
            " WHERE module = 'invoice_workflow_audit' AND model = 'ir.rule' AND name IN %(names)s)",
            names=OLD_RULES,
        )
    )
    cr.execute(
        SQL(
            "DELETE FROM ir_model_data WHERE module = 'invoice_workflow_audit' AND model = 'ir.rule'"
            " AND name IN %(names)s",
            names=OLD_RULES,
        )
    )
