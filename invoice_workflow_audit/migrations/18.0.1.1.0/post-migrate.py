# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.0.0 chained the history as it was written, with a head row per
company that every writer updated. From 18.0.1.1.0 writers only insert and
the sealer chains: the rows written so far are queued for sealing, in the
order they were written, and the old head table and hash column go."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(
        SQL(
            "INSERT INTO invoice_activity_log_pending (log_id, company_id)"
            " SELECT log.id, log.company_id FROM invoice_activity_log log"
            " WHERE NOT EXISTS (SELECT 1 FROM invoice_activity_log_link k WHERE k.log_id = log.id)"
            " AND NOT EXISTS (SELECT 1 FROM invoice_activity_log_pending p WHERE p.log_id = log.id)"
            " ORDER BY log.id"
        )
    )
    cr.execute(SQL("DROP TABLE IF EXISTS invoice_activity_log_chain"))
    # Until 18.0.1.1.0 the first status of a group by sequence was the one
    # posting, payment, cancellation and reset used: for each company, the
    # first of its own and the shared statuses. Flag the same statuses as
    # automatic, so that documents keep landing where they did (a customised
    # first status included), as long as anyone may use it without a comment
    # (what an automatic status must allow); else the first such status of
    # the group, as 18.0.1.1.0 falls back to.
    eligible = SQL(
        "s.active AND NOT COALESCE(s.require_comment, FALSE) AND NOT EXISTS"
        " (SELECT 1 FROM invoice_workflow_status_res_groups_rel r WHERE r.status_id = s.id)"
    )
    cr.execute(
        SQL(
            "UPDATE invoice_workflow_status SET is_automatic = TRUE WHERE id IN ("
            # The shared statuses: the first eligible of each group.
            ' SELECT DISTINCT ON (s."group") s.id FROM invoice_workflow_status s'
            ' WHERE s.company_id IS NULL AND %(eligible)s ORDER BY s."group", s.sequence, s.id)'
            " OR id IN ("
            # A company's own status that came first for that company.
            ' SELECT first.id FROM (SELECT DISTINCT ON (c.id, s."group") s.id, s.company_id'
            " FROM res_company c JOIN invoice_workflow_status s"
            " ON s.company_id = c.id OR s.company_id IS NULL WHERE s.active"
            ' ORDER BY c.id, s."group", s.sequence, s.id) first'
            " JOIN invoice_workflow_status s ON s.id = first.id"
            " WHERE first.company_id IS NOT NULL AND %(eligible)s)",
            eligible=eligible,
        )
    )
    cr.execute(SQL("ALTER TABLE invoice_activity_log DROP COLUMN IF EXISTS hash"))
