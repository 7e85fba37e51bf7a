# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import functools

from odoo import models
from odoo.osv import expression


class MailFollowers(models.Model):
    """Followers of an invoice only for who may read the invoice.

    Odoo lets every internal user read every follower: for a document in a
    status hidden from the user (or on the other side of a limited profile),
    that would tell who follows it. Record rules cannot say it (``res_id`` is
    no relation), so the same condition is added where the ORM applies rules:
    to searches (``_apply_ir_rules``) and to reads by id (``_check_access``).
    Mail reads the followers of the documents the user opens in superuser
    mode, untouched by this.
    """

    _inherit = "mail.followers"

    def _readable_documents_domain(self):
        Move = self.env["account.move"]
        if not Move.has_access("read"):
            return [("res_model", "!=", Move._name)]
        return ["|", ("res_model", "!=", Move._name), ("res_id", "in", Move._search([]))]

    def _apply_ir_rules(self, query, mode="read"):
        result = super()._apply_ir_rules(query, mode)
        if not self.env.su:
            expression.expression(self._readable_documents_domain(), self.sudo(), self._table, query)
        return result

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result or not any(self._ids):
            return result
        followers = self.sudo().filtered(lambda follower: follower.res_model == "account.move")
        if not followers:
            return None
        moves = self.env["account.move"].browse(set(followers.mapped("res_id"))).exists()
        readable = set(moves._filtered_access("read").ids)
        forbidden = followers.filtered(lambda follower: follower.res_id not in readable).with_env(self.env)
        if forbidden:
            return forbidden, functools.partial(self.env["ir.rule"]._make_access_error, operation, forbidden)
        return None
