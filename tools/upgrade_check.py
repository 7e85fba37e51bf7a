"""Upgrade from the previous release: what a company configured and recorded
with it is still there, and still works, after ``-u invoice_workflow_audit``.

Run by ``./dev test`` inside ``odoo shell`` (``env`` is the shell's
environment): ``customise(env)`` on a fresh database where the previous
release (``PREVIOUS_RELEASE`` in ./dev, taken from git) is installed, then,
after the upgrade with this checkout, ``kept(env)``. Only the API the previous
release has is used before the upgrade. Raises on failure.
"""

import json
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError

ADDON = "invoice_workflow_audit"
SNAPSHOT_KEY = f"{ADDON}.upgrade_check_snapshot"


def customise(env):
    """Configure and use the previous release as a customer would have."""
    company = env.company
    env.user.groups_id |= env.ref(f"{ADDON}.group_account_owner")
    company.activity_log_enabled = True
    Status = env["invoice.workflow.status"]
    # A shipped status renamed and given a time limit; a custom status
    # restricted to managers with a required comment; a company status placed
    # first of its group (the previous release posted documents into it).
    in_progress = env.ref(f"{ADDON}.status_in_progress")
    in_progress.write({"name": "Being checked", "time_limit_hours": 48})
    review = Status.create(
        {
            "name": "Manager review",
            "group": "in_progress",
            "sequence": 25,
            "require_comment": True,
            "time_limit_hours": 24,
            "group_ids": [Command.set([env.ref("account.group_account_manager").id])],
        }
    )
    received = Status.create(
        {"name": "Received", "group": "in_progress", "sequence": 5, "company_id": company.id}
    )
    in_progress.next_status_ids = [Command.link(review.id)]
    received.next_status_ids = [Command.set([review.id, in_progress.id])]
    review.next_status_ids = [Command.set([in_progress.id])]

    partner = env["res.partner"].create({"name": "Upgrade Check", "email": "upgrade@example.com"})
    product = env["product.product"].create({"name": "Upgrade Hosting", "list_price": 40})
    invoices = env["account.move"]
    for price in (100, 200, 300):
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [Command.create({"name": "Service", "quantity": 1, "price_unit": price})],
            }
        )
        invoice.action_post()
        invoices |= invoice
    assert invoices.workflow_status_id == received, "the previous release posts into the first status"
    invoices[1].action_set_workflow_status(review, comment="Amount to confirm")
    invoices[2].action_set_workflow_status(in_progress)

    # A running recurrence with its documents, and one stopped with its cause.
    running = env["invoice.recurrence"].create(
        {
            "template_move_id": invoices[0].id,
            "interval_number": 2,
            "interval_type": "month",
            "date_start": fields.Date.today(),
        }
    )
    template = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_line_ids": [Command.create({"product_id": product.id, "quantity": 1})],
        }
    )
    # Drafts only: its Boolean was named auto_post (post_generated since 18.0.1.2.0).
    stopped = env["invoice.recurrence"].create(
        {
            "template_move_id": template.id,
            "date_start": fields.Date.today() - timedelta(days=40),
            "auto_post": False,
        }
    )
    # Monthly for three months on a base with payment terms: the previous
    # release copied the base's due date onto the receivable lines.
    with_terms = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": fields.Date.today() - timedelta(days=70),
            "invoice_payment_term_id": env.ref("account.account_payment_term_30days").id,
            "invoice_line_ids": [Command.create({"name": "Maintenance", "quantity": 1, "price_unit": 90})],
        }
    )
    with_terms.action_post()
    env["invoice.recurrence"].create(
        {"template_move_id": with_terms.id, "date_start": fields.Date.today() - timedelta(days=60)}
    )
    product.active = False
    env.ref(f"{ADDON}.ir_cron_invoice_recurrence").method_direct_trigger()
    env.invalidate_all()
    assert running.move_ids and running.state == "running", running.state
    assert stopped.state == "stopped" and stopped.error_message, stopped.state
    env.cr.commit()
    env["ir.config_parameter"].sudo().set_param(SNAPSHOT_KEY, json.dumps(_snapshot(env)))
    env.cr.commit()
    print("upgrade check: previous release configured and used")


def kept(env):
    """After the upgrade: everything of the snapshot, and the addon works on it."""
    env.invalidate_all()
    before = json.loads(env["ir.config_parameter"].sudo().get_param(SNAPSHOT_KEY))
    after = _snapshot(env)
    # What the previous release held, unchanged (the upgrade may add demo
    # records of its own: only the rows that existed are compared).
    for part in ("statuses", "document_statuses", "recurrences", "history"):
        changed = {key: row for key, row in before[part].items() if after[part].get(key) != row}
        assert not changed, f"{part} changed or lost by the upgrade: {changed}"

    # The documents generated by the previous release fall due as their
    # payment terms say (migrations/18.0.1.2.0/post-recurrence_due_dates.py).
    generated = env["account.move"].search(
        [("partner_id.name", "=", "Upgrade Check"), ("recurrence_id", "!=", False)]
    )
    with_terms = generated.filtered("invoice_payment_term_id")
    assert len(with_terms) >= 2, with_terms
    for move in generated:
        due = sorted(
            move.line_ids.filtered(lambda line: line.display_type == "payment_term").mapped("date_maturity")
        )
        assert due == sorted(key["date_maturity"] for key in move.needed_terms if key), (move.name, due)
    corrected = env["invoice.activity.log"].search_count(
        [
            ("res_model", "=", "account.move"),
            ("res_id", "in", with_terms.ids),
            ("action_type", "=", "document_modified"),
            ("description", "ilike", "Due date corrected"),
        ]
    )
    assert corrected == len(with_terms), f"{corrected} corrections logged for {len(with_terms)} documents"

    company = env.company
    Link = env["invoice.activity.log.link"]
    Link._seal()
    check = Link._verify_chain(company)
    assert check["intact"], check
    assert check["count"] >= len(before["history"]), check
    env.cr.execute(
        "SELECT count(*) FROM invoice_activity_log log WHERE NOT EXISTS"
        " (SELECT 1 FROM invoice_activity_log_link k WHERE k.log_id = log.id)"
    )
    assert env.cr.fetchone()[0] == 0, "every row written before the upgrade is sealed"

    # Documents still land where they did: the company's first status is its
    # automatic status of the group; the transitions and rules hold.
    Status = env["invoice.workflow.status"]
    received = Status.search([("name", "=", "Received")])
    assert received.is_automatic, "the first status of the previous release stays automatic"
    partner = env["res.partner"].search([("name", "=", "Upgrade Check")])
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": [Command.create({"name": "After upgrade", "quantity": 1, "price_unit": 50})],
        }
    )
    invoice.action_post()
    assert invoice.workflow_status_id == received, invoice.workflow_status_id.name
    review = Status.search([("name", "=", "Manager review")])
    try:
        invoice.action_set_workflow_status(review)
    except UserError as error:  # the required comment refuses it
        assert "comment" in str(error).lower(), error
    else:
        raise AssertionError("a status that requires a comment was set without one")
    invoice.action_set_workflow_status(review, comment="Checked after the upgrade")
    Link._seal()
    assert Link._verify_chain(company)["intact"], "the chain goes on after the upgrade"
    assert env["invoice.activity.log"].search_count(
        [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
    ), "actions after the upgrade are logged"
    env.cr.commit()
    print(
        f"upgrade check: {len(before['statuses'])} statuses, {len(before['recurrences'])} recurrences and "
        f"{len(before['history'])} history rows kept; chain intact over {check['count']} rows"
    )


def _snapshot(env):
    Status = env["invoice.workflow.status"].sudo().with_context(active_test=False)
    statuses = {
        str(status.id): [
            status.name,
            status.group,
            status.sequence,
            status.time_limit_hours,
            bool(status.require_comment),
            sorted(status.group_ids.ids),
            sorted(status.next_status_ids.ids),
            status.company_id.id,
            status.active,
        ]
        for status in Status.search([])
    }
    moves = env["account.move"].sudo().search([("partner_id.name", "=", "Upgrade Check")])
    recurrences = {
        str(recurrence.id): [
            recurrence.state,
            recurrence.interval_number,
            recurrence.interval_type,
            str(recurrence.date_next),
            recurrence.error_message or "",
            sorted(recurrence.move_ids.ids),
            recurrence["post_generated" if "post_generated" in recurrence._fields else "auto_post"],
        ]
        for recurrence in env["invoice.recurrence"].sudo().with_context(active_test=False).search([])
    }
    columns = "id, date, user_id, ip_address, company_id, action_type, res_model, res_id, description"
    env.cr.execute(f"SELECT {columns} FROM invoice_activity_log ORDER BY id")
    history = {str(row[0]): [str(value) for value in row[1:]] for row in env.cr.fetchall()}
    return {
        "statuses": statuses,
        "document_statuses": {str(move.id): move.workflow_status_id.id for move in moves},
        "recurrences": recurrences,
        "history": history,
    }
