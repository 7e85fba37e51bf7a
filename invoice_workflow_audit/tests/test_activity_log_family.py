# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import importlib.util
from pathlib import Path

from lxml import etree

from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from ..models.activity_log.invoice_activity_log_link import HASHED_FIELDS
from .common import WorkflowStatusCommon


@tagged("post_install", "-at_install")
class TestActivityLogFamily(WorkflowStatusCommon):
    """Action types by family: each capability gives its types a family, set
    on the row at insert, and the history filters and groups by it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.owner = new_test_user(
            cls.env,
            login="iwa_family_owner",
            groups="invoice_workflow_audit.group_account_owner",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.company.with_user(cls.owner).activity_log_enabled = True
        cls.Log = cls.env["invoice.activity.log"]

    def _family_filters(self):
        """{filter name: domain} of the history's search view as the owner gets it."""
        arch = self.Log.with_user(self.owner).get_views([(False, "search")])["views"]["search"]["arch"]
        return {
            node.get("name"): node.get("domain")
            for node in etree.fromstring(arch).iter("filter")
            if node.get("domain") and "family" in node.get("domain")
        }

    def test_every_action_type_has_a_family(self):
        families = self.Log._activity_log_families()
        family_keys = {key for key, _label in self.Log._fields["family"].selection}
        action_types = [key for key, _label in self.Log._fields["action_type"].selection]
        for action_type in action_types:
            with self.subTest(action_type=action_type):
                self.assertIn(families.get(action_type), family_keys)
        self.assertFalse(set(families) - set(action_types), "a family for an action type nobody declares")
        # Derived from action_type, which is hashed: the family is not.
        self.assertNotIn("family", HASHED_FIELDS)

    def test_a_row_has_its_family_and_its_filter_finds_it(self):
        invoice = self._draft_invoice()
        status = self.env["invoice.workflow.status"].create({"name": "Audited", "group": "in_progress"})
        invoice.action_post()
        created = self._log_rows(invoice, action_type="document_created")
        status_created = self._log_rows(status, action_type="status_config_created")
        posted = self._log_rows(invoice, action_type="document_posted")
        self.assertEqual(created.family, "created")
        self.assertEqual(status_created.family, "created", "creations missed status configurations")
        self.assertEqual(posted.family, "status")
        filters = self._family_filters()
        Log = self.Log.with_user(self.owner)
        found = Log.search(safe_eval(filters["filter_family_created"]))
        self.assertIn(created, found)
        self.assertIn(status_created, found)
        self.assertNotIn(posted, found)
        self.assertIn(posted, Log.search(safe_eval(filters["filter_family_status"])))
        groups = Log.read_group([("id", "in", (created | posted).ids)], ["family"], ["family"])
        self.assertEqual({group["family"] for group in groups}, {"created", "status"})

    def test_one_filter_per_family_and_no_action_type_listed(self):
        filters = self._family_filters()
        families = [key for key, _label in self.Log._fields["family"].selection]
        self.assertEqual(sorted(filters), sorted(f"filter_family_{family}" for family in families))
        arch = self.Log.with_user(self.owner).get_views([(False, "search")])["views"]["search"]["arch"]
        for node in etree.fromstring(arch).iter("filter"):
            self.assertNotIn("action_type", node.get("domain") or "", node.get("name"))

    def test_the_migration_gives_older_rows_their_family(self):
        invoice = self._draft_invoice()
        created = self._log_rows(invoice, action_type="document_created")
        self.env.cr.execute("UPDATE invoice_activity_log SET family = NULL WHERE id = %s", [created.id])
        path = Path(__file__).parents[1] / "migrations" / "18.0.1.2.0" / "post-activity_log_family.py"
        spec = importlib.util.spec_from_file_location("post_activity_log_family", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.1.0")
        created.invalidate_recordset(["family"])
        self.assertEqual(created.family, "created")
