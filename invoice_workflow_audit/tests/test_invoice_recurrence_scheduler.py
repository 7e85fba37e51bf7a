# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tests import tagged
from odoo.tools import SQL

from .common import RecurrenceCommon

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestSchedulerLocksItsBatchOnly(RecurrenceCommon):
    """A scheduler call costs what its batch costs: it locks the recurrences it
    serves and no other, so that other workers take the rest meanwhile, and it
    tells the cron runner whether work is left without locking the backlog."""

    def _commit_due_recurrences(self, count):
        """``count`` due recurrences on one draft base invoice, committed (the
        workers below are real transactions): one made through the ORM, the
        others copied from it in SQL. Removed after the test."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": "iwa scheduler customer"})
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [Command.create({"name": "Subscription", "price_unit": 100.0})],
                }
            )
            recurrence = env["invoice.recurrence"].create(
                {"template_move_id": invoice.id, "date_start": fields.Date.today(), "post_generated": False}
            )
            env.flush_all()
            cr.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'invoice_recurrence' AND column_name != 'id'"
            )
            columns = SQL(", ").join(SQL.identifier(row[0]) for row in cr.fetchall())
            cr.execute(
                SQL(
                    "INSERT INTO invoice_recurrence (%s) SELECT %s FROM invoice_recurrence,"
                    " generate_series(1, %s) WHERE id = %s RETURNING id",
                    columns,
                    columns,
                    count - 1,
                    recurrence.id,
                )
            )
            ids = sorted([recurrence.id] + [row[0] for row in cr.fetchall()])
        self.addCleanup(self._remove, ids, invoice.id, partner.id)
        return ids

    def _remove(self, ids, invoice_id, partner_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute(SQL("DELETE FROM invoice_recurrence WHERE id IN %s AND id != %s", tuple(ids), ids[0]))
            env["invoice.recurrence"].browse(ids[0]).unlink()
            env["account.move"].browse(invoice_id).unlink()
            env["res.partner"].browse(partner_id).unlink()

    def _cron_call(self, cr, **kwargs):
        """One call of the scheduler in ``cr`` as the cron runner makes it;
        its (done, remaining)."""
        env = api.Environment(cr, SUPERUSER_ID, {})
        progress = self.cron.with_env(env)._add_progress()[1]
        env["invoice.recurrence"].with_context(
            ir_cron_progress_id=progress.id
        )._cron_generate_recurring_documents(**kwargs)
        return progress.done, progress.remaining

    @staticmethod
    def _lockable(cr, ids):
        """The recurrences of ``ids`` that the transaction of ``cr`` can lock (and locks)."""
        cr.execute(
            SQL(
                "SELECT id FROM invoice_recurrence WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
                tuple(ids),
            )
        )
        return {row[0] for row in cr.fetchall()}

    def test_a_call_locks_only_the_batch_it_serves(self):
        ids = self._commit_due_recurrences(1000)
        worker, other = self.registry.cursor(), self.registry.cursor()
        try:
            done, remaining = self._cron_call(worker, batch_size=200, max_periods=200)
            served = set(
                api.Environment(worker, SUPERUSER_ID, {})["invoice.recurrence"]
                .browse(ids)
                .filtered("date_last_served")
                .ids
            )
            self.assertEqual(len(served), 200)
            # The call's transaction is still open: another worker locks every
            # other due recurrence, none of the batch.
            free = self._lockable(other, ids)
            self.assertEqual(len(free), 800, "the call held its 200 recurrences, no more")
            self.assertFalse(free & served)
            # 200 documents made, 800 left: the runner calls again at once.
            self.assertEqual((done, remaining), (200, 800))
            other.rollback()
        finally:
            worker.rollback()
            worker.close()
            other.close()

    def test_recurrences_another_worker_holds_end_the_run(self):
        ids = self._commit_due_recurrences(3)
        holder, worker = self.registry.cursor(), self.registry.cursor()
        try:
            # Another worker holds the first one in the rotation.
            self.assertEqual(self._lockable(holder, ids[:1]), {ids[0]})
            self.assertEqual(self._cron_call(worker, batch_size=2), (2, 1), "a full batch: maybe more")
            # The next call finds nothing free: nothing left for this worker,
            # the run ends instead of calling again for a held recurrence.
            self.assertEqual(self._cron_call(worker, batch_size=2), (0, 0))
            env = api.Environment(worker, SUPERUSER_ID, {})
            self.assertFalse(env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]))
        finally:
            worker.rollback()
            holder.rollback()
            worker.close()
            holder.close()


@tagged("post_install", "-at_install")
class TestSchedulerQueries(RecurrenceCommon):
    """A scheduler call costs no more queries per document than plain Odoo's
    one create(vals_list) and one action_post() of the same invoices."""

    def _invoice_vals(self, index):
        return {
            "move_type": "out_invoice",
            "partner_id": self.partner_a.id if index % 2 else self.partner_b.id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": [Command.create({"product_id": self.product_a.id, "price_unit": 100.0})],
        }

    def _queries(self, function):
        """Queries made by ``function()``, its flush and what a COMMIT runs before committing."""
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        function()
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def _cron_queries(self, count):
        bases = self.env["account.move"].create([self._invoice_vals(index) for index in range(count)])
        recurrences = self.env["invoice.recurrence"].create(
            [{"template_move_id": base.id, "date_start": fields.Date.today()} for base in bases]
        )
        queries = self._queries(self.env["invoice.recurrence"]._cron_generate_recurring_documents)
        self.assertEqual(len(recurrences.move_ids), count)
        self.assertEqual(set(recurrences.move_ids.mapped("state")), {"posted"})
        return queries

    def _plain_queries(self, count):
        def plain():
            moves = self.env["account.move"].create([self._invoice_vals(index) for index in range(count)])
            moves.action_post()

        return self._queries(plain)

    @freeze_time("2026-03-02")
    def test_queries_per_document_at_most_plain_odoos(self):
        self._cron_queries(3)  # caches warmed
        self._plain_queries(3)
        cron = {count: self._cron_queries(count) for count in (10, 30)}
        plain = {count: self._plain_queries(count) for count in (10, 30)}
        per_document = (cron[30] - cron[10]) / 20
        plain_per_document = (plain[30] - plain[10]) / 20
        _logger.info("Queries, scheduler: %s, plain Odoo: %s", cron, plain)
        self.assertLessEqual(
            per_document,
            plain_per_document,
            f"per document: {per_document} queries for the scheduler, {plain_per_document} for plain Odoo",
        )
        # Odoo 18's posting alone makes about 9 per invoice (its sequence, the
        # partner's rank, followers); the addon adds none per document of its
        # own: no tracking message per recurrence (13 before), no read per line.
        self.assertLessEqual(per_document, 11, f"{per_document} queries per document")
        # A call's own queries (select and lock, count, progress) do not grow with the batch.
        self.assertLessEqual(cron[30], plain[30], f"30 documents: {cron[30]} against {plain[30]}")
