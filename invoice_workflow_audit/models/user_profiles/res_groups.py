# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

# The ready-made profiles, in the order the user form offers them.
PROFILES = (
    "invoice_workflow_audit.group_profile_sales_rep",
    "invoice_workflow_audit.group_profile_purchasing",
    "invoice_workflow_audit.group_profile_sales_admin",
)
PROFILE_CATEGORY = "invoice_workflow_audit.module_category_invoice_workflow"


class ResGroups(models.Model):
    _inherit = "res.groups"

    @api.model
    def get_groups_by_application(self):
        """The profiles as one choice on the user form, as Odoo does for its
        own Accounting category: they imply none of each other (a sales
        representative is no part of sales administration), so Odoo would
        make them check boxes, shown only in developer mode, and let a user
        hold two. Choosing one in the selection removes the others."""
        result = super().get_groups_by_application()
        category = self.env.ref(PROFILE_CATEGORY, raise_if_not_found=False)
        if not category:
            return result
        order = {
            group.id: position
            for position, xmlid in enumerate(PROFILES)
            if (group := self.env.ref(xmlid, raise_if_not_found=False))
        }
        heading = (
            (category.parent_id.sequence, category.parent_id.name) if category.parent_id else (100, "Other")
        )
        return [
            (app, "selection", groups.sorted(lambda g: order.get(g.id, len(order))), heading)
            if app == category
            else (app, kind, groups, name)
            for app, kind, groups, name in result
        ]

    @api.constrains("users")
    def _check_one_invoicing_profile(self):
        # Adding users to a group from the group's side passes here, not
        # through the users' own constraint.
        self.users._check_one_invoicing_profile()
