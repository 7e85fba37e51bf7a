# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class WorkflowStatusCommon(AccountTestInvoicingCommon):
    @classmethod
    def default_env_context(cls):
        # Tracking stays on: the chatter is part of what is tested.
        return {"mail_create_nosubscribe": True, "no_reset_password": True}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Rows already in the history (the demo data's, in the main company)
        # are no test's: _log_rows reads the rows written from here on.
        cls.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM invoice_activity_log")
        cls._log_rows_after_id = cls.env.cr.fetchone()[0]
        # The accountant running the tests also configures the statuses.
        cls.env.user.groups_id |= cls.env.ref("invoice_workflow_audit.group_invoice_workflow_manager")
        Status = cls.env["invoice.workflow.status"]
        cls.status_new = cls.env.ref("invoice_workflow_audit.status_new")
        cls.status_in_progress = cls.env.ref("invoice_workflow_audit.status_in_progress")
        cls.status_paid = cls.env.ref("invoice_workflow_audit.status_paid")
        cls.status_cancelled = cls.env.ref("invoice_workflow_audit.status_cancelled")
        # A company's own statuses inside the "In progress" group.
        cls.status_sent = Status.create(
            {"name": "Sent", "group": "in_progress", "sequence": 21, "time_limit_hours": 48}
        )
        cls.status_disputed = Status.create(
            {"name": "Disputed", "group": "in_progress", "sequence": 22, "require_comment": True}
        )
        cls.status_in_progress.next_status_ids = [
            Command.link(cls.status_sent.id),
            Command.link(cls.status_disputed.id),
        ]
        cls.status_sent.next_status_ids = [
            Command.set([cls.status_disputed.id, cls.status_in_progress.id, cls.status_cancelled.id])
        ]
        cls.status_disputed.next_status_ids = [Command.set([cls.status_sent.id, cls.status_cancelled.id])]

        company = cls.company_data["company"]
        cls.invoice_user = new_test_user(
            cls.env,
            login="iwa_invoice_user",
            groups="account.group_account_invoice",
            company_id=company.id,
            company_ids=[company.id],
        )
        cls.status_manager = new_test_user(
            cls.env,
            login="iwa_status_manager",
            groups="invoice_workflow_audit.group_invoice_workflow_manager,account.group_account_manager",
            company_id=company.id,
            company_ids=[company.id],
        )

    @classmethod
    def _posted_invoice(cls, **kwargs):
        return cls.init_invoice("out_invoice", products=cls.product_a, post=True, **kwargs)

    @classmethod
    def _draft_invoice(cls, move_type="out_invoice", **kwargs):
        return cls.init_invoice(move_type, products=cls.product_a, **kwargs)

    def _flush_tracking(self):
        """Write what a commit would write: pending fields, then the pre-commit
        work (tracking messages, history rows)."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _messages(self, record):
        """The chatter messages of ``record`` once tracking is written, newest first."""
        self._flush_tracking()
        record.invalidate_recordset(["message_ids"])
        return record.message_ids

    def _status_messages(self, move):
        """The chatter messages of ``move`` that track a status change, newest first."""
        return self._messages(move).filtered(
            lambda m: "workflow_status_id" in m.tracking_value_ids.field_id.mapped("name")
        )

    @classmethod
    def _enable_activity_log(cls):
        """The test user becomes the account owner and switches the history on."""
        cls.env.user.groups_id |= cls.env.ref("invoice_workflow_audit.group_account_owner")
        cls.company_data["company"].activity_log_enabled = True

    def _log_rows(self, record=None, **domain):
        """Rows of the central log about ``record`` (when given) matching
        ``domain`` (field=value) written since the test class began, oldest
        first, once the commit work is done."""
        self._flush_tracking()
        if record is not None:
            domain.update(res_model=record._name, res_id=record.id)
        Log = self.env["invoice.activity.log"].sudo()
        Log.invalidate_model()
        return Log.search(
            [("id", ">", self._log_rows_after_id), *((key, "=", value) for key, value in domain.items())],
            order="id",
        )

    def _call_kw(self, model, method, *args, **kwargs):
        """Call ``method`` of ``model`` through JSON-RPC, as the web client does
        (HttpCase subclasses, after ``authenticate``)."""
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def _assert_rpc_refused(self, error, message, model, method, *args, **kwargs):
        """Call ``method`` of ``model`` through JSON-RPC and assert the answer
        is the ``error`` (e.g. "odoo.exceptions.AccessError") with a message
        matching ``message``: what the user reads, not a traceback."""
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
                }
            ),
            headers={"Content-Type": "application/json"},
        ).json()
        self.assertIn("error", response, f"{model}.{method} was not refused")
        data = response["error"]["data"]
        self.assertEqual(data["name"], error, data["message"])
        self.assertRegex(data["message"], message)


class RecurrenceCommon(WorkflowStatusCommon):
    """Recurring invoices: a base invoice, a monthly recurrence on it, the cron."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.partner_a.email = "partner_a@example.com"
        cls.cron = cls.env.ref("invoice_workflow_audit.ir_cron_invoice_recurrence")

    @classmethod
    def _base_invoice(cls, invoice_date="2026-01-31", post=True, move_type="out_invoice", **kwargs):
        return cls.init_invoice(
            move_type, products=cls.product_a, invoice_date=invoice_date, post=post, **kwargs
        )

    @classmethod
    def _recurrence(cls, template=None, **values):
        template = template or cls._base_invoice()
        return cls.env["invoice.recurrence"].create(
            {
                "template_move_id": template.id,
                "interval_number": 1,
                "interval_type": "month",
                "date_start": "2026-01-31",
                **values,
            }
        )

    def _run_cron(self, day):
        with freeze_time(day):
            self.env["invoice.recurrence"]._cron_generate_recurring_documents()
        self.env.flush_all()

    def _dates(self, recurrence):
        return sorted(recurrence.move_ids.mapped("invoice_date"))

    @staticmethod
    def _installments(move):
        """The due dates of the receivable/payable lines of ``move``."""
        return sorted(
            move.line_ids.filtered(lambda line: line.display_type == "payment_term").mapped("date_maturity")
        )
