# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, api, fields, models

from ...hooks import fill_workflow_statuses
from ..common import demo_documents, demo_env


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
