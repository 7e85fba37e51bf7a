# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def write(self, vals):
        result = super().write(vals)
        # The history's detail is written in the language of the company's
        # partner, cached (invoice.activity.log._company_lang).
        if "lang" in vals and self.sudo().ref_company_ids:
            self.env.registry.clear_cache()
        return result
