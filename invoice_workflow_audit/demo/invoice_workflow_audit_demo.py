# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Demo data of every capability (called from invoice_workflow_audit_demo.xml).

As Odoo's account keeps its demo in account/demo/account_demo.py, the demo
lives here and not in the production models: each capability fills its part
through its own business methods, acting as the demo administrator in the main
company, on account's demo documents of that company. Every step does nothing
when its data is there already (demo data is loaded again on -i).
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models

from ..hooks import fill_workflow_statuses


def demo_env(env, user_xmlid="base.user_admin"):
    """``env`` as the demo user ``user_xmlid`` (no superuser mode), in the main company."""
    company = env.ref("base.main_company")
    user = env.ref(user_xmlid)
    return env(user=user.id, su=False, context=dict(env.context, allowed_company_ids=[company.id]))


def demo_documents(env, *names):
    """Account's demo documents ``names`` of the main company that exist
    (their xml ids are per company: account.<company id>_<name>)."""
    company = env.ref("base.main_company")
    Move = env["account.move"]
    return Move.union(
        *(env.ref(f"account.{company.id}_{name}", raise_if_not_found=False) or Move for name in names)
    )


class ResCompany(models.Model):
    """Demo data of the activity history and of the accountant portal."""

    _inherit = "res.company"

    @api.model
    def _iwa_demo_activity_history(self):
        """Demo data: the account owner switches the history on for the main
        company; what the demo does next is recorded in it."""
        env = demo_env(self.env)
        env.company.activity_log_enabled = True

    @api.model
    def _iwa_demo_accountant_portal(self):
        """Demo data: the demo accountant is granted the main company, the
        accounting manager stamps its books, and the accountant has marked the
        oldest posted invoices and bills as processed."""
        env = demo_env(self.env)
        company = env.company
        accountant = env.ref("invoice_workflow_audit.user_demo_accountant")
        if company.books_up_to_date:
            return  # loaded already (demo data is loaded again on -i)
        company.accountant_user_ids = [Command.link(accountant.id)]
        company.action_stamp_books_up_to_date()
        processed = env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "in_invoice")),
            ],
            order="invoice_date, id",
            limit=3,
        )
        processed.with_user(accountant)._set_accountant_processed(True)


class AccountMove(models.Model):
    """Demo data of the workflow: documents across the statuses."""

    _inherit = "account.move"

    @api.model
    def _iwa_demo_workflow_statuses(self):
        """Demo data: account's demo documents of the main company across the
        statuses, moved as a user would move them: one past the time limit of
        its status, one sent then disputed with its comment, one reserved to accounting
        managers, one paid, one cancelled, a draft of the sales representative
        and one of purchasing; two printed."""
        env = demo_env(self.env)

        def status(name):
            return env.ref(f"invoice_workflow_audit.{name}")

        def posted(name):
            return demo_documents(env, name).filtered(lambda move: move.state == "posted")

        if self.search_count([("workflow_status_id", "=", status("status_sent_demo").id)], limit=1):
            return  # loaded already (demo data is loaded again on -i)
        # Demo data loads before the post-init hook: give account's demo
        # documents their status first, so that their trail starts from it.
        fill_workflow_statuses(env)
        sent = posted("demo_invoice_1")
        sent.action_set_workflow_status(status("status_sent_demo"))
        # Sent five days ago: three days allowed, so past its time limit.
        sent._write_protected({"workflow_status_date": fields.Datetime.now() - timedelta(days=5)})
        disputed = posted("demo_invoice_2")
        disputed.action_set_workflow_status(status("status_sent_demo"))
        disputed.action_set_workflow_status(
            status("status_disputed_demo"),
            comment=env._("The customer says 5 units were delivered, not 20."),
        )
        posted("demo_invoice_3").action_set_workflow_status(status("status_manager_review_demo"))
        paid = posted("demo_invoice_followup")
        if paid:
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=paid.ids
            ).create({})._create_payments()
        if disputed:
            cancelled = disputed.copy()
            cancelled.button_cancel()
        partner = env.ref("base.res_partner_4", raise_if_not_found=False)
        product = env.ref("product.consu_delivery_01", raise_if_not_found=False)
        if partner and product:
            for user, move_type in (
                ("invoice_workflow_audit.user_demo_sales_rep", "out_invoice"),
                ("invoice_workflow_audit.user_demo_purchasing", "in_invoice"),
            ):
                demo_env(self.env, user)["account.move"].create(
                    {
                        "move_type": move_type,
                        "partner_id": partner.id,
                        "invoice_line_ids": [Command.create({"product_id": product.id, "quantity": 3})],
                    }
                )
        printed = sent | paid
        if printed:
            env["ir.actions.report"]._render_qweb_html("account.account_invoices", printed.ids)


class InvoiceRecurrence(models.Model):
    """Demo data of the recurrences: running ones and a stopped one."""

    _inherit = "invoice.recurrence"

    @api.model
    def _iwa_demo_recurrences(self):
        """Demo data: monthly recurrences of the main company generated for the
        past months (web hosting invoiced, office rent billed), and a third one
        stopped because its product was archived since its last document:
        highlighted, its cause shown, an alert on the Invoicing dashboard."""
        env = demo_env(self.env)
        if self.with_env(env).search_count([], limit=1):
            return self  # loaded already (demo data is loaded again on -i)
        today = fields.Date.context_today(self)
        start = today.replace(day=1) - relativedelta(months=3)
        lines = {
            "hosting": {"product_id": env.ref("invoice_workflow_audit.product_demo_hosting").id},
            "rent": {"name": env._("Office rent"), "quantity": 1, "price_unit": 1200.0},
            "legacy": {"product_id": env.ref("invoice_workflow_audit.product_demo_legacy_support").id},
        }
        bases = env["account.move"].create(
            [
                {
                    "move_type": move_type,
                    "partner_id": env.ref(partner).id,
                    "invoice_date": start,
                    "invoice_line_ids": [Command.create(lines[line])],
                }
                for move_type, partner, line in (
                    ("out_invoice", "base.res_partner_2", "hosting"),
                    ("in_invoice", "base.res_partner_12", "rent"),
                    ("out_invoice", "base.res_partner_4", "legacy"),
                )
            ]
        )
        bases.action_post()
        recurrences = self.with_env(env).create(
            [{"template_move_id": base.id, "date_start": start + relativedelta(months=1)} for base in bases]
        )
        recurrences._generate_batch(today - relativedelta(months=1))
        # The legacy support plan is discontinued: the next period cannot be generated.
        bases[2].invoice_line_ids.product_id.action_archive()
        recurrences._generate_batch(today)
        return recurrences


class InvoiceActivityLogLink(models.Model):
    """Demo data, last step: the history opens sealed."""

    _inherit = "invoice.activity.log.link"

    @api.model
    def _iwa_demo_seal(self):
        """Demo data, last step: write the rows queued by the demo (as a
        commit would) and chain them, so the history opens sealed."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        return self._seal()
