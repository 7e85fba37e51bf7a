# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Retention and purge: rows leave the database only once closed and
archived, the chain continues from a signed anchor, the archive proves the
purged part."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .test_activity_log_archive import ActivityLogArchiveCommon


@tagged("post_install", "-at_install")
class TestActivityLogPurge(ActivityLogArchiveCommon):
    def _keep(self, years):
        self.company.with_user(self.owner).activity_log_retention_years = years
        self._flush_tracking()

    def _purge(self, on):
        self._seal()
        with freeze_time(on):
            anchor_ids = self.company.with_user(self.owner).action_activity_log_purge()
        self._flush_tracking()
        return self.env["invoice.activity.log.anchor"].sudo().browse(anchor_ids)

    def _positions(self):
        return [position for _log_id, position, _hash in self._links()]

    def test_a_purge_removes_only_closed_and_archived_rows_and_verify_stays_intact(self):
        closing = self._closed_month()
        self._keep(1)
        after_a_year = closing.date_to + relativedelta(years=1, days=2)
        # Closed but not archived: nothing goes.
        self.assertFalse(self._purge(after_a_year))
        archive = self._generate(closing)
        # Archived, but younger than the retention: nothing goes.
        self.assertFalse(self._purge(closing.date_to + relativedelta(months=11)))
        self.assertEqual(self._positions()[0], 1)
        purged = [log_id for log_id, position, _hash in self._links() if position <= archive.last_position]

        [anchor] = self._purge(after_a_year)
        self.assertEqual((anchor.first_position, anchor.last_position), (1, archive.last_position))
        self.assertEqual(anchor.last_hash, archive.last_hash)
        self.assertEqual(anchor.row_count, archive.row_count)
        self.assertEqual(anchor.archive_ids, archive)
        positions = self._positions()
        self.assertTrue(positions, "the rows after the archive stay")
        self.assertEqual(positions[0], archive.last_position + 1)
        purged_rows = self.env["invoice.activity.log"].sudo().browse(purged)
        self.assertFalse(purged_rows.exists(), "the rows of the archived period are gone")
        # The purge is a row of the history; the chain goes on from the anchor.
        [row] = self._log_rows(company_id=self.company.id, action_type="history_purged")
        self.assertIn(archive.archive_filename, row.description)
        self._invoice(5.0, self.next_month)
        result = self._verify()
        self.assertEqual(result["type"], "success", result["message"])
        self.assertIn(f"Positions 1 to {anchor.last_position} were purged", result["message"])
        # The archive proves the purged part, offline.
        checked = self._run_verify(self._extract(archive))
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
        # Nothing left to purge; a purged period is not archived again.
        self.assertFalse(self._purge(after_a_year))
        again = (
            self.env["invoice.activity.log.archive"]
            .with_user(self.owner)
            .create({"date_from": closing.date_from, "date_to": closing.date_to})
        )
        with self.assertRaisesRegex(UserError, "purged"):
            again.action_generate()

    def test_a_forged_anchor_or_rows_deleted_after_it_are_caught(self):
        closing = self._closed_month()
        self._generate(closing)
        self._keep(1)
        [anchor] = self._purge(closing.date_to + relativedelta(years=1, days=2))
        self._invoice(5.0, self.next_month)
        self._seal()
        self.assertEqual(self._verify()["type"], "success")
        cr = self.env.cr
        # A "purge" made in SQL: rows deleted and the anchor moved over them.
        log_id, position, _hash = self._links()[0]
        cr.execute(SQL("DELETE FROM invoice_activity_log_link WHERE log_id = %s", log_id))
        cr.execute(SQL("DELETE FROM invoice_activity_log WHERE id = %s", log_id))
        result = self._verify()
        self.assertEqual(result["type"], "danger")
        self.assertIn("link of the chain was removed", result["message"])
        cr.execute(
            SQL(
                "UPDATE invoice_activity_log_anchor SET last_position = %s, last_hash = %s WHERE id = %s",
                position,
                _hash,
                anchor.id,
            )
        )
        anchor.invalidate_recordset()
        result = self._verify()
        self.assertEqual(result["type"], "danger")
        self.assertIn("anchor", result["message"])

    def test_only_the_owner_sets_the_retention_and_purges(self):
        with self.assertRaisesRegex(UserError, "keep the whole activity history"):
            self.company.with_user(self.owner).action_activity_log_purge()
        for user in (self.invoice_user, self.status_manager):
            with self.assertRaises(AccessError):
                self.company.with_user(user).action_activity_log_purge()
            with self.assertRaises(AccessError):
                self.company.with_user(user).write({"activity_log_retention_years": 1})
        for years in (-1, 1.5, 101):
            with self.assertRaises(ValidationError):
                self.company.with_user(self.owner).write({"activity_log_retention_years": years})
        self._keep(10)
        [row] = self._log_rows(company_id=self.company.id, action_type="retention_changed")
        self.assertIn("0 → 10", row.description)
        self.assertEqual(self.company.sudo().activity_log_retention_years, 10)
        with self.assertRaises(AccessError):
            self.env["invoice.activity.log.anchor"].sudo().create({"company_id": self.company.id})
        self.assertFalse(self._purge(self.today + timedelta(days=1)))
