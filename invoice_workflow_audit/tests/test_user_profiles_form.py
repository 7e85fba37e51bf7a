# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from odoo.addons.base.models.res_users import name_selection_groups

PROFILES = [
    f"invoice_workflow_audit.group_profile_{name}" for name in ("sales_rep", "purchasing", "sales_admin")
]
SINGLE_CHOICES = [
    "invoice_workflow_audit.group_invoice_workflow_manager",
    "invoice_workflow_audit.group_account_owner",
    "invoice_workflow_audit.group_einvoicing_connector",
]


@tagged("post_install", "-at_install")
class TestUserProfilesOnTheUserForm(TransactionCase):
    """An administrator finds the addon's groups on the normal user form (no
    developer mode), the profiles as one exclusive choice; the server keeps a
    user to one profile whatever door the groups come through."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.profiles = cls.env["res.groups"].browse([cls.env.ref(x).id for x in PROFILES])
        cls.user = new_test_user(cls.env, login="iwa_form_user", groups="base.group_user")

    def _groups_arch(self):
        self.env["res.groups"]._update_user_groups_view()
        return etree.fromstring(self.env.ref("base.user_groups_view").arch)

    def _debug_only(self, node):
        return any("base.group_no_one" in (n.get("groups") or "") for n in node.iterancestors()) or (
            "base.group_no_one" in (node.get("groups") or "")
        )

    def test_groups_shown_without_developer_mode(self):
        arch = self._groups_arch()
        profile_field = name_selection_groups(self.profiles.ids)
        nodes = arch.xpath(f"//field[@name='{profile_field}']")
        self.assertTrue(nodes, "the profiles are one selection field on the user form")
        self.assertFalse(self._debug_only(nodes[0]), "the profiles are shown without developer mode")
        for xmlid in SINGLE_CHOICES:
            with self.subTest(group=xmlid):
                group = self.env.ref(xmlid)
                nodes = arch.xpath(f"//field[@name='{name_selection_groups(group.ids)}']")
                self.assertTrue(nodes, f"{group.name} is a choice of its own")
                self.assertFalse(self._debug_only(nodes[0]), f"{group.name} is shown without developer mode")

    def test_profile_selection_offers_the_three_profiles_in_order(self):
        field = name_selection_groups(self.profiles.ids)
        selection = self.env["res.users"].fields_get([field])[field]["selection"]
        self.assertEqual([key for key, _label in selection], [False, *self.profiles.ids])

    def test_choosing_a_profile_replaces_the_other(self):
        sales_rep, purchasing, _admin = self.profiles
        field = name_selection_groups(self.profiles.ids)
        with Form(self.user.with_context(lang="en_US"), view="base.view_users_form") as form:
            setattr(form, field, sales_rep.id)  # a generated field name
        self.assertEqual(self.user.groups_id & self.profiles, sales_rep)
        self.user.write({field: purchasing.id})
        self.assertEqual(self.user.groups_id & self.profiles, purchasing)
        self.user.write({field: False})
        self.assertFalse(self.user.groups_id & self.profiles)

    def test_two_profiles_refused_from_the_user(self):
        sales_rep, purchasing, _admin = self.profiles
        self.user.groups_id = [Command.link(sales_rep.id)]
        with self.assertRaises(ValidationError) as refused:
            self.user.groups_id = [Command.link(purchasing.id)]
        self.assertIn("one invoicing profile only", str(refused.exception))
        self.env.invalidate_all()
        self.assertEqual(self.user.groups_id & self.profiles, sales_rep)
        with self.assertRaisesRegex(ValidationError, "one invoicing profile only"):
            new_test_user(
                self.env,
                login="iwa_two_profiles",
                groups=f"{PROFILES[0]},{PROFILES[2]}",
            )

    def test_two_profiles_refused_from_the_group(self):
        sales_rep, _purchasing, admin = self.profiles
        self.user.groups_id = [Command.link(sales_rep.id)]
        # Odoo's assertRaises rolls back to a savepoint, as the request would.
        with self.assertRaises(ValidationError) as refused:
            admin.users = [Command.link(self.user.id)]
        self.assertIn("one invoicing profile only", str(refused.exception))
        self.env.invalidate_all()
        self.assertEqual(self.user.groups_id & self.profiles, sales_rep)
