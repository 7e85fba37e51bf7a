# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import JsonRpcException, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import WorkflowStatusCommon

PROTECTED_MIXIN = "invoice.protected.fields.mixin"
APPEND_ONLY_MIXIN = "invoice.append.only.mixin"

# Keys a client may put in any RPC context: they decide nothing.
FORGED_CONTEXT = {
    "invoice_workflow_audit_protected_write": True,
    "invoice_workflow_status_checked": True,
    "invoice_workflow_audit_accountant_processed": True,
    "tracking_disable": True,
}

# One user per group the product speaks of (see test_security_matrix.py).
GROUPS = {
    "invoice_user": "account.group_account_invoice",
    "account_manager": "account.group_account_manager",
    "readonly": "base.group_user,account.group_account_readonly",
    "status_manager": "invoice_workflow_audit.group_invoice_workflow_manager",
    "account_owner": "invoice_workflow_audit.group_account_owner",
    "admin": "base.group_system,account.group_account_manager",
    "portal": "base.group_portal",
    "sales_admin": "invoice_workflow_audit.group_profile_sales_admin",
    "sales_rep": "invoice_workflow_audit.group_profile_sales_rep",
    "purchasing": "invoice_workflow_audit.group_profile_purchasing",
}


def kept_field_models(registry):
    """Every concrete model that keeps fields through the addon's guard."""
    names, todo = set(), [PROTECTED_MIXIN]
    while todo:
        name = todo.pop()
        for child in registry[name]._inherit_children:
            if child not in names:
                names.add(child)
                todo.append(child)
    return sorted(name for name in names if not registry[name]._abstract)


@tagged("post_install", "-at_install")
class TestKeptFieldsRpc(WorkflowStatusCommon, AccountTestInvoicingHttpCommon):
    """Fields users read and never write: refused to every group over
    JSON-RPC, whatever the context, in write, create and import (load)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.users = {
            name: new_test_user(
                cls.env,
                login=f"iwa_kept_{name}",
                groups=groups,
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )
            for name, groups in GROUPS.items()
        }
        # A record of each model: history rows sealed (row, link, seal) and
        # awaiting their seal, an entry batch, a deleted entry.
        cls._enable_activity_log()
        cls.invoice = cls._posted_invoice()
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        cls.env["invoice.activity.log.link"]._seal(cls.company)
        cls.env["invoice.activity.log.seal"]._make_seal(cls.company)
        cls.draft = cls._draft_invoice()
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        cls.env["invoice.accountant.batch"].sudo()._create_protected(
            [
                {
                    "company_id": cls.company.id,
                    "date_from": "2026-01-01",
                    "date_to": "2026-01-31",
                    "period_label": "2026-01",
                    "file_format": "csv",
                    "date": "2026-02-01 10:00:00",
                }
            ]
        )
        cls.env["invoice.accountant.export.request"].sudo()._create_protected(
            [
                {
                    "company_id": cls.company.id,
                    "user_id": cls.users["portal"].id,
                    "date_from": "2026-01-01",
                    "date_to": "2026-12-31",
                    "period_label": "2026",
                    "file_format": "csv",
                }
            ]
        )
        cls.env["invoice.accountant.deleted.entry"].sudo()._create_protected(
            [{"company_id": cls.company.id, "move_id": 10**6, "name": "KEPT/0001"}]
        )
        cls.env["invoice.accountant.customer.email"].sudo()._create_protected(
            [
                {
                    "company_id": cls.company.id,
                    "move_id": cls.invoice.id,
                    "accountant_id": cls.users["portal"].id,
                }
            ]
        )
        closing = (
            cls.env["invoice.activity.log.closing"]
            .sudo()
            ._create_protected(
                [
                    {
                        "company_id": cls.company.id,
                        "currency_id": cls.company.currency_id.id,
                        "period": "day",
                        "date_from": "2026-01-01",
                        "date_to": "2026-01-01",
                        "date": "2026-01-02 00:30:00",
                    }
                ]
            )
        )
        closing._count_documents("account.move", [(cls.invoice.id, cls.invoice.name, cls.invoice.date, 1.0)])
        cls.env["invoice.activity.log.anchor"].sudo()._create_protected(
            [
                {
                    "company_id": cls.company.id,
                    "first_position": 10**6,
                    "last_position": 10**6,
                    "last_hash": "0" * 64,
                    "date": "2026-01-02 00:30:00",
                }
            ]
        )
        cls.env["invoice.activity.log.archive"].create(
            {"company_id": cls.company.id, "date_from": "2026-01-01", "date_to": "2026-01-31"}
        )
        cls.recurrence = cls.env["invoice.recurrence"].create({"template_move_id": cls.invoice.id})
        cls.env["invoice.lifecycle.event"].sudo()._create_protected(
            [{"move_id": cls.invoice.id, "lifecycle_code": "212", "amount": 1.0}]
        )

    def _record(self, model):
        if model == "account.move":
            return self.draft
        if model == "res.company":
            return self.company
        if model == "invoice.recurrence":
            return self.recurrence
        if model == "invoice.activity.log.key":  # one per database, no company
            return self.env[model].sudo().search([], limit=1)
        return self.env[model].sudo().search([("company_id", "=", self.company.id)], limit=1)

    def _kept_fields(self, model):
        Model = self.env[model]
        if self._is_append_only(model):
            # Every stored field of a record nobody changes.
            return tuple(
                name
                for name, field in Model._fields.items()
                if field.store and not field.automatic and name not in ("create_uid", "write_uid")
            )
        return Model._protected_fields()

    def _is_append_only(self, model):
        return model in self.registry[APPEND_ONLY_MIXIN]._inherit_children

    def _forged_value(self, record, fname):
        """A value of the field's type, different from the current one."""
        field = record._fields[fname]
        current = record.sudo()[fname]
        if field.type == "many2one":
            other = self.env[field.comodel_name].sudo().search([("id", "!=", current.id)], limit=1)
            return other.id
        if field.type == "boolean":
            return not current
        if field.type in ("integer", "float", "monetary"):
            return (current or 0) + 7
        if field.type == "date":
            return "2000-01-01"
        if field.type == "datetime":
            return "2000-01-01 00:00:00"
        if field.type == "selection":
            values = [key for key, _label in field._description_selection(self.env) if key != current]
            return values[0]
        return "Forged by RPC"

    def test_every_model_of_the_guard_is_covered(self):
        self.assertEqual(
            set(kept_field_models(self.registry)),
            {
                "account.move",
                "res.company",
                "invoice.recurrence",
                "invoice.activity.log",
                "invoice.activity.log.link",
                "invoice.activity.log.pending",
                "invoice.activity.log.seal",
                "invoice.activity.log.key",
                "invoice.activity.log.closing",
                "invoice.activity.log.closing.document",
                "invoice.activity.log.archive",
                "invoice.activity.log.anchor",
                "invoice.accountant.batch",
                "invoice.accountant.deleted.entry",
                "invoice.accountant.customer.email",
                "invoice.accountant.export.request",
                "invoice.lifecycle.event",
            },
            "a new model of the guard: give it a record in _record",
        )
        for model in ("account.move", "res.company", "invoice.recurrence"):
            self.assertTrue(self.env[model]._protected_fields(), model)

    def test_kept_fields_refused_to_every_group_over_rpc(self):
        refused = 0
        for model in kept_field_models(self.registry):
            record = self._record(model)
            self.assertTrue(record, f"a record of {model} to write")
            fields_to_try = [
                fname for fname in self._kept_fields(model) if self._forged_value(record, fname) is not None
            ]
            before = record.sudo().read(fields_to_try)[0]
            for group, user in self.users.items():
                self.authenticate(user.login, user.login)
                for fname in fields_to_try:
                    with self.subTest(model=model, field=fname, group=group):
                        with self.assertRaises(JsonRpcException):
                            self.make_jsonrpc_request(
                                f"/web/dataset/call_kw/{model}/write",
                                {
                                    "model": model,
                                    "method": "write",
                                    "args": [record.ids, {fname: self._forged_value(record, fname)}],
                                    "kwargs": {"context": FORGED_CONTEXT},
                                },
                            )
                        refused += 1
            record.invalidate_recordset()
            self.assertEqual(record.sudo().read(fields_to_try)[0], before, f"{model} unchanged")
        self.assertGreater(refused, 200)

    def test_the_guard_itself_refuses_users_who_may_write(self):
        # Writers of each model get the guard's refusal, not an access right's.
        cases = [
            ("invoice_user", self.draft, "workflow_status_date"),
            ("invoice_user", self.draft, "recurrence_id"),
            ("invoice_user", self.draft, "accountant_processed"),
            ("invoice_user", self.draft, "audit_print_count"),
            ("invoice_user", self.recurrence, "state"),
            ("invoice_user", self.recurrence, "date_next"),
            ("invoice_user", self.recurrence, "period_count"),
            ("admin", self.company, "books_up_to_date"),
        ]
        for group, record, fname in cases:
            with self.subTest(field=fname):
                self.authenticate(self.users[group].login, self.users[group].login)
                self._assert_rpc_refused(
                    "odoo.exceptions.AccessError",
                    "cannot be written",
                    record._name,
                    "write",
                    record.ids,
                    {fname: self._forged_value(record, fname)},
                    context=FORGED_CONTEXT,
                )

    def test_create_and_import_refuse_kept_fields(self):
        self.authenticate(self.users["invoice_user"].login, self.users["invoice_user"].login)
        self._assert_rpc_refused(
            "odoo.exceptions.AccessError",
            "cannot be written",
            "invoice.recurrence",
            "create",
            {"template_move_id": self.invoice.id, "state": "ended", "period_count": 99},
            context=FORGED_CONTEXT,
        )
        self._assert_rpc_refused(
            "odoo.exceptions.AccessError",
            "cannot be written",
            "account.move",
            "create",
            {"move_type": "out_invoice", "partner_id": self.partner_a.id, "accountant_processed": True},
            context=FORGED_CONTEXT,
        )
        count = self.env["account.move"].search_count([])
        result = self._call_kw(
            "account.move",
            "load",
            ["move_type", "partner_id/.id", "recurrence_id/.id"],
            [["out_invoice", str(self.partner_a.id), str(self.recurrence.id)]],
            context=FORGED_CONTEXT,
        )
        self.assertFalse(result["ids"])
        self.assertTrue(result["messages"])
        self.assertEqual(self.env["account.move"].search_count([]), count)

    def test_internal_path_writes_and_returns_checked_records(self):
        # The private path writes kept fields; what it hands back is checked again.
        recurrence = self.recurrence.with_user(self.users["invoice_user"])
        recurrence._write_protected({"error_message": "Set by the addon"})
        self.assertEqual(self.recurrence.error_message, "Set by the addon")
        move = self.env["account.move"]._create_protected(
            [{"move_type": "out_invoice", "partner_id": self.partner_a.id, "accountant_processed": True}]
        )
        self.assertTrue(move.accountant_processed)
        with self.assertRaises(AccessError):
            move.with_user(self.users["invoice_user"]).write({"accountant_processed": False})
