# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, models

from ..common import LINE_CHANGES_KEY, describe_change

# What a user changes on an invoice line, summarised in the document's chatter.
LINE_FIELDS = ("product_id", "name", "quantity", "price_unit", "discount", "tax_ids")


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._audited_lines()._queue_line_changes(
            lambda line: line.env._("Line added: %(line)s", line=line._audit_label())
        )
        return lines

    def write(self, vals):
        fnames = [fname for fname in LINE_FIELDS if fname in vals]
        lines = self._audited_lines() if fnames else self.browse()
        # Values as they are before the write: line fields are not tracked.
        before = {line.id: {fname: line[fname] for fname in fnames} for line in lines}
        result = super().write(vals)
        for line in lines:
            old = before[line.id]
            changed = [fname for fname in fnames if old[fname] != line[fname]]
            if changed:
                line._queue_line_changes(
                    lambda line, changed=changed, old=old: line.env._(
                        "Line changed: %(line)s (%(changes)s)",
                        line=line._audit_label(),
                        changes=", ".join(
                            describe_change(line, fname, old[fname], line[fname]) for fname in changed
                        ),
                    )
                )
        return result

    def unlink(self):
        self._audited_lines()._queue_line_changes(
            lambda line: line.env._("Line removed: %(line)s", line=line._audit_label())
        )
        return super().unlink()

    # ------------------------------------------------------------------

    def _audited_lines(self):
        """Product lines of invoices that existed before this transaction:
        the lines of a new invoice are part of its creation (records created
        in a transaction carry its timestamp as create_date)."""
        now = self.env.cr.now()
        return self.filtered(
            lambda line: (
                line.display_type == "product"
                and line.move_id.is_invoice()
                and line.move_id.create_date
                and line.move_id.create_date < now
            )
        )

    def _audit_label(self):
        self.ensure_one()
        return self.product_id.display_name or (self.name or "").split("\n")[0] or "-"

    def _queue_line_changes(self, describe):
        if not self:
            return
        queue = self.env.cr.precommit.data.setdefault(LINE_CHANGES_KEY, {})
        if not queue:
            self.env.cr.precommit.add(self.env["account.move"]._post_line_changes)
        Log = self.env["invoice.activity.log"]
        for line in self:
            # (the user's words for the chatter, the company's for the history row)
            text = describe(line)
            env = Log._company_language_env(line.move_id.company_id)
            row = text if env.lang == self.env.lang else describe(line.with_env(env))
            queue.setdefault(line.move_id.id, []).append((text, row))
