# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError


class IrAttachment(models.Model):
    """The kept files of entry batches are never deleted: the accountant
    downloads them again (their content is checked against the batch's
    SHA-256 at each download, which catches any other change)."""

    _inherit = "ir.attachment"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_accountant_batch_file(self):
        if self.sudo().filtered(lambda attachment: attachment.res_model == "invoice.accountant.batch"):
            raise AccessError(self.env._("The files of accountant entry batches cannot be deleted."))
