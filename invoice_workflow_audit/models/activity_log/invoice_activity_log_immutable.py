# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError


class InvoiceActivityLogImmutable(models.AbstractModel):
    """Append-only for real: the history's rows, its chain and the sealer's
    work list are written by their own SQL paths only. Through the ORM nobody
    creates, changes or deletes them, superuser included (no access right
    allows it either, see ir.model.access.csv)."""

    _name = "invoice.activity.log.immutable"
    _description = "Activity History Immutable Records"

    def _immutable_label(self):
        return self.env["ir.model"]._get(self._name).name

    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        raise AccessError(
            self.env._(
                "%(records)s are written by the activity history only.", records=self._immutable_label()
            )
        )

    def write(self, vals):  # pylint: disable=method-required-super
        raise AccessError(self.env._("%(records)s cannot be modified.", records=self._immutable_label()))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(self.env._("%(records)s cannot be deleted.", records=self._immutable_label()))
