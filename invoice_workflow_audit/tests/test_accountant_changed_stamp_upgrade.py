# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestAccountantChangedStampUpgrade(AccountTestInvoicingCommon):
    """The accounting stamp of entry batches, added by an upgrade: the entries
    written since the first batch start from their last write (a batch
    collected before never looks clean), the others stay unstamped; nothing
    else is rewritten (on a first install, no batch: no entry is)."""

    def test_upgrade_stamps_the_entries_written_since_the_first_batch(self):
        before = self.init_invoice("out_invoice", products=self.product_a, post=True)
        after = self.init_invoice("out_invoice", products=self.product_a, post=True)
        draft = self.init_invoice("out_invoice", products=self.product_a)
        self.env["invoice.accountant.batch"].sudo()._create_protected(
            [
                {
                    "company_id": self.company_data["company"].id,
                    "date_from": "2019-01-01",
                    "date_to": "2019-12-31",
                    "period_label": "2019",
                    "file_format": "csv",
                    "date": "2026-06-01 00:00:00",
                }
            ]
        )
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(SQL("UPDATE invoice_accountant_batch SET date = '2026-06-01' WHERE date > '2026-06-01'"))
        for move, written in ((before, "2026-05-01"), (after, "2026-07-01"), (draft, "2026-07-01")):
            cr.execute(SQL("UPDATE account_move SET write_date = %s WHERE id = %s", written, move.id))
        # The release before had no stamp: the column just added, empty.
        cr.execute(SQL("UPDATE account_move SET accountant_changed_at = NULL"))
        self.env["account.move"]._accountant_stamp_existing_entries()
        cr.execute(
            SQL(
                "SELECT id, accountant_changed_at::text FROM account_move WHERE id IN %s",
                (before.id, after.id, draft.id),
            )
        )
        stamps = dict(cr.fetchall())
        self.assertEqual(stamps[after.id], "2026-07-01 00:00:00")
        self.assertIsNone(stamps[before.id], "written before the first batch: in no batch's changes")
        self.assertIsNone(stamps[draft.id], "a draft never posted is in no batch")
