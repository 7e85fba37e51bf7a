"""Install, use every capability, uninstall: Odoo's accounting still works.

Run by ``./dev test`` inside ``odoo shell`` on a fresh database where the addon
was just installed (``env`` is the shell's environment). Raises on failure.
"""

from odoo import Command, fields

ADDON = "invoice_workflow_audit"


def use_every_capability(env):
    company = env.company
    env.user.groups_id |= env.ref(f"{ADDON}.group_account_owner")
    company.activity_log_enabled = True
    partner = env["res.partner"].create({"name": "Uninstall Check", "email": "check@example.com"})
    portal = env["res.users"].create(
        {
            "name": "Check Accountant",
            "login": "iwa_check_accountant",
            "groups_id": [Command.set([env.ref("base.group_portal").id])],
        }
    )
    company.accountant_user_ids = [Command.link(portal.id)]
    status = env["invoice.workflow.status"].create(
        {"name": "Checked", "group": "in_progress", "time_limit_hours": 1}
    )
    env.ref(f"{ADDON}.status_in_progress").next_status_ids = [Command.link(status.id)]
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": [Command.create({"name": "Service", "quantity": 1, "price_unit": 100})],
        }
    )
    invoice.action_post()
    invoice.action_set_workflow_status(status)
    env["ir.actions.report"]._render_qweb_pdf("account.account_invoices", invoice.ids)
    invoice._set_accountant_processed(True)
    recurrence = env["invoice.recurrence"].create(
        {"template_move_id": invoice.id, "date_start": fields.Date.today()}
    )
    env.ref(f"{ADDON}.ir_cron_invoice_recurrence").method_direct_trigger()
    env["invoice.activity.log.link"]._seal()
    env["invoice.activity.log.seal"]._make_seal(company)
    assert recurrence.move_ids, "the recurrence generated its document"
    assert env["invoice.activity.log"].sudo().search_count([]) > 5, "the history was written"
    env.cr.commit()


def uninstall(env):
    env["ir.module.module"].search([("name", "=", ADDON)]).button_immediate_uninstall()
    env.cr.commit()


def accounting_still_works(env):
    env.invalidate_all()
    assert ADDON not in env.registry._init_modules or env["ir.module.module"].search(
        [("name", "=", ADDON), ("state", "=", "uninstalled")]
    ), "uninstalled"
    assert "invoice.activity.log" not in env, "the addon's models are gone"
    partner = env["res.partner"].create({"name": "After Uninstall"})
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": [Command.create({"name": "Service", "quantity": 2, "price_unit": 50})],
        }
    )
    invoice.action_post()
    assert invoice.state == "posted"
    env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
        {}
    )._create_payments()
    assert invoice.payment_state in ("paid", "in_payment"), invoice.payment_state
    posted = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": [Command.create({"name": "Service", "quantity": 1, "price_unit": 30})],
        }
    )
    posted.action_post()
    reversal = (
        env["account.move.reversal"]
        .with_context(active_model="account.move", active_ids=posted.ids)
        .create({"journal_id": posted.journal_id.id, "date": fields.Date.today()})
    )
    reversal.refund_moves()
    assert posted.reversal_move_ids, "reversed"
    env.cr.commit()
    print("uninstall check: accounting works after uninstalling", ADDON)
