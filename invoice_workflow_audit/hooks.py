# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


def post_init_hook(env):
    """Give the documents that existed before the installation their status.

    The status fields are computed when their columns are created, before the
    default statuses are loaded: recompute them now that statuses exist.
    """
    moves = env["account.move"].search(
        [("move_type", "in", env["account.move"].get_invoice_types()), ("workflow_status_id", "=", False)]
    )
    fields = [moves._fields[name] for name in ("workflow_status_id", "workflow_status_date")]
    for field in fields:
        env.add_to_compute(field, moves)
    moves._recompute_recordset([field.name for field in fields])
