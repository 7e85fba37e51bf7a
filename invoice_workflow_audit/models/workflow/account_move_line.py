# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMoveLine(models.Model):
    """Reconciliation, the one door every payment passes (registering a
    payment, outstanding credits, bank reconciliation): refused on documents
    whose status holds payments; a full payment marks a customer invoice cashed
    (212) where the e-invoicing lifecycle is loaded."""

    _inherit = "account.move.line"

    def _reconcile_plan(self, reconciliation_plan):
        lines = self.browse()
        stack = list(reconciliation_plan)
        while stack:
            item = stack.pop()
            if isinstance(item, models.BaseModel):
                lines |= item
            else:
                stack.extend(item)
        documents = lines.move_id.filtered(lambda move: move.is_invoice(include_receipts=True))
        # A credit note settling a held invoice is how a dispute ends: only a
        # payment (any entry that is not an invoice) is held.
        if documents and lines.move_id - documents:
            documents._check_lifecycle_hold("hold_payment")
        result = super()._reconcile_plan(reconciliation_plan)
        documents._lifecycle_mark_cashed()
        return result
