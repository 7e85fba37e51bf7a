# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, table_exists

# "E-mail the customer": at most so many e-mails in so many minutes, per
# document (any accountant) and per accountant (any document).
SEND_LIMIT_PER_DOCUMENT = (1, 10)
SEND_LIMIT_PER_ACCOUNTANT = (20, 60)
SEND_SUBTYPE = "invoice_workflow_audit.mt_accountant_portal_sent"
# The accountant's name in the customer's e-mail: at most so many characters.
ACCOUNTANT_NAME_WIDTH = 64
# The entries whose accounting changed in the transaction (cr.precommit.data).
STAMP_KEY = "invoice_workflow_audit.accountant_changed_moves"
# The fields of an entry whose change makes the accountant's batch stale: what
# the batch's file holds (number, dates, journal, partner, reference) and the
# state (posted, reset to draft, cancelled). The Processed mark, the workflow
# status, e-mails, payments matched later are no accounting change.
ACCOUNTING_MOVE_FIELDS = frozenset(
    {
        "state",
        "name",
        "date",
        "invoice_date",
        "journal_id",
        "partner_id",
        "ref",
        "currency_id",
        "line_ids",
        "invoice_line_ids",
    }
)


def _cut(text, width):
    """``text``, cut to ``width`` characters (an ellipsis says it was)."""
    return text if len(text) <= width else text[: width - 1] + "…"


class AccountMove(models.Model):
    """The accountant portal's side of account.move: the accountant's
    Processed flag and "E-mail the customer"."""

    _inherit = "account.move"

    accountant_processed = fields.Boolean(
        string="Processed by Accountant",
        readonly=True,
        copy=False,
        help="Set or cleared by the company's external accountant on the accountant portal, "
        "e.g. once the document is entered in their own books. No accounting effect.",
    )

    # When the entry's accounting last changed once it had been posted: what an
    # entry batch compares to its collection time ("changed since collected").
    # Not write_date: the accountant's own Processed click, an e-mail, a
    # workflow status write the entry too, and change nothing in the books.
    accountant_changed_at = fields.Datetime(
        string="Accounting Changed On",
        readonly=True,
        copy=False,
        help="Last change of the amounts, accounts, dates, partners, journal items or state of this "
        "entry after it was first posted. Compared with the entry batches collected by the accountant.",
    )

    @api.model
    def _protected_fields(self):
        # Set by the accountant on the portal only (_set_accountant_processed);
        # the accounting stamp by the addon only (_accountant_stamp_changed).
        return (*super()._protected_fields(), "accountant_processed", "accountant_changed_at")

    def _auto_init(self):
        created = not column_exists(self.env.cr, "account_move", "accountant_changed_at")
        result = super()._auto_init()
        if created:
            self._accountant_stamp_existing_entries()
        return result

    def _accountant_stamp_existing_entries(self):
        """When the stamp's column is added. On an upgrade from a release
        without it, the entries written since the first batch was collected
        start from their last write: a batch collected before never looks
        clean by mistake. On a first install there is no batch yet, and
        nothing to stamp: no journal entry is rewritten."""
        if not table_exists(self.env.cr, "invoice_accountant_batch"):
            return
        self.env.cr.execute(
            SQL(
                """UPDATE account_move SET accountant_changed_at = write_date
                    WHERE (posted_before OR state = 'posted')
                      AND write_date >= (SELECT min(date) FROM invoice_accountant_batch)"""
            )
        )

    def _accountant_stamp_changed(self):
        """Stamp the accounting change of these entries, when they are posted
        or were posted before (a draft never posted is in no batch).

        An entry whose state is known (in the cache, as after any write or
        create) gets the stamp as a pending value of its own: written by the
        UPDATE that writes the change itself, no statement of its own (the
        stamp is no write(): no write_date, guard or tracking again). The
        others are gathered and stamped by one UPDATE before the commit
        (``_accountant_flush_stamps``, a precommit hook, as mail's tracking
        is written).
        """
        moves = self.browse(move_id for move_id in self.ids if isinstance(move_id, int))
        if not moves:
            return
        cache = self.env.cache
        state, posted_before = self._fields["state"], self._fields["posted_before"]
        known = moves.filtered(
            lambda move: cache.contains(move, state) and cache.contains(move, posted_before)
        )
        in_books = known.filtered(lambda move: move.state == "posted" or move.posted_before)
        if in_books:
            self._fields["accountant_changed_at"].write(in_books, self.env.cr.now())
        unknown = moves - known
        if not unknown:
            return
        data = self.env.cr.precommit.data
        if STAMP_KEY not in data:
            data[STAMP_KEY] = set()
            self.env.cr.precommit.add(self.env["account.move"].sudo()._accountant_flush_stamps)
        data[STAMP_KEY].update(unknown.ids)

    @api.model
    def _accountant_flush_stamps(self):
        """Write the stamps gathered in this transaction. In SQL: not a write,
        so it changes no ``write_date`` and runs no write guard or tracking
        again; called at precommit, and before "changed since" is read."""
        ids = self.env.cr.precommit.data.pop(STAMP_KEY, None)
        if not ids:
            return
        self.flush_model(["state", "posted_before"])
        self.env.cr.execute(
            SQL(
                """UPDATE account_move SET accountant_changed_at = %(now)s
                    WHERE id = ANY(%(ids)s) AND (state = 'posted' OR posted_before)""",
                now=self.env.cr.now(),
                ids=sorted(ids),
            )
        )
        self.invalidate_model(["accountant_changed_at"])

    def write(self, vals):
        if vals.get("state") == "posted":
            # Posting writes and flushes its entries inside the write: the
            # stamp given first goes out with the posting's own UPDATE.
            posting = self.browse(move_id for move_id in self.ids if isinstance(move_id, int))
            self._fields["accountant_changed_at"].write(posting, self.env.cr.now())
        result = super().write(vals)
        if ACCOUNTING_MOVE_FIELDS.intersection(vals):
            self._accountant_stamp_changed()
        return result

    def unlink(self):
        # Entry batches flag the entries deleted after they were collected:
        # record the deletion of every entry that had been posted.
        posted_before = self.filtered("posted_before")
        if posted_before:
            self.env["invoice.accountant.deleted.entry"].sudo()._create_protected(
                [
                    {
                        "company_id": move.company_id.id,
                        "move_id": move.id,
                        "name": move.name,
                        "date": move.date,
                        "journal_id": move.journal_id.id,
                    }
                    for move in posted_before.sudo()
                ]
            )
        return super().unlink()

    def _set_accountant_processed(self, processed):
        """Set (or clear) the accountant's Processed flag and log it.

        Called by the portal route once it checked the accountant's access to
        the documents; writes as superuser since portal users have no write
        access on journal entries.
        """
        # Portal users cannot read journal entries: the caller checked access.
        changed = self.sudo().filtered(lambda move: move.accountant_processed != processed)
        if not changed:
            return changed
        changed._write_protected({"accountant_processed": processed})
        if processed:
            action_type = "accountant_processed_set"

            def describe(env):
                return env._("Marked as processed by the accountant.")
        else:
            action_type = "accountant_processed_cleared"

            def describe(env):
                return env._("Processed mark cleared by the accountant.")

        # The chatter speaks the accountant's language, the history row the
        # company's (_log_action writes it once per company language).
        self.env["invoice.activity.log"]._log_action(
            changed, action_type, describe, chatter_body=Markup("<p>%s</p>") % describe(self.env)
        )
        return changed

    def _accountant_check_send_limits(self):
        """Refuse (UserError) an e-mail beyond the limits: one per document in
        ten minutes, twenty per accountant in an hour. Counted from the
        record of each send (invoice.accountant.customer.email, which says
        which accountant sent: the message itself is the server's), in the
        database: every worker sees the same count."""
        self.ensure_one()
        now = fields.Datetime.now()

        def sent_within(minutes, domain):
            return (
                self.env["invoice.accountant.customer.email"]
                .sudo()
                .search_count([*domain, ("create_date", ">=", now - timedelta(minutes=minutes))])
            )

        count, minutes = SEND_LIMIT_PER_DOCUMENT
        if sent_within(minutes, [("move_id", "=", self.id)]) >= count:
            raise UserError(
                self.env._(
                    "%(document)s was e-mailed to the customer less than %(minutes)s minutes ago: "
                    "it was not sent again.",
                    document=self.sudo().name,
                    minutes=minutes,
                )
            )
        count, minutes = SEND_LIMIT_PER_ACCOUNTANT
        if sent_within(minutes, [("accountant_id", "=", self.env.uid)]) >= count:
            raise UserError(
                self.env._(
                    "You e-mailed %(count)s documents in the last %(minutes)s minutes, the most allowed: "
                    "%(document)s was not sent, try again later.",
                    count=count,
                    minutes=minutes,
                    document=self.sudo().name,
                )
            )

    def _accountant_send_to_customer(self):
        """E-mail the customer a link to the PDF of this invoice, through Odoo's
        portal access link (with its token), and log it with its send status.

        Called by the accountant portal once it checked the accountant's access
        to the invoice. The message holds the customer's token, so the
        accountant must never read it: Odoo lets a message's author and its
        creator (``create_uid``) read it, and a follower of an invoice reads
        the invoice. The server therefore writes it, as superuser, in the
        company's name (its partner is the author), without subscribing
        anyone; the accountant is named in the text only. Who sent it is
        recorded apart (invoice.accountant.customer.email) for the send
        limits, and in the history. The message is written in the customer's
        language; the names in it are escaped (Markup). Raises UserError
        beyond the send limits.
        """
        self.ensure_one()
        self._accountant_check_send_limits()
        accountant = self.env.user
        company = self.sudo().company_id
        move = self.with_user(SUPERUSER_ID).with_company(company)
        customer = move.partner_id
        url = move.get_base_url() + move.get_portal_url(report_type="pdf", download=True)
        env = move.with_context(lang=customer.lang or self.env.lang).env
        body = Markup("<p>%s</p><p><a href='%s'>%s</a></p><p>%s</p>") % (
            env._("Hello %(customer)s,", customer=customer.name),
            url,
            env._("Download %(document)s (PDF)", document=move.name),
            # The customer learns who acted for the company. The name is the
            # accountant's own text (/my/account): escaped by Markup, and cut
            # short, so that it names someone and says nothing else.
            env._(
                "Sent on behalf of %(company)s by %(user)s.",
                company=company.name,
                user=_cut(accountant.name or "", ACCOUNTANT_NAME_WIDTH),
            ),
        )
        # From the company's address, else the server's default sender, else
        # (nothing else configured) the accountant's own address.
        email_from = (
            company.partner_id.email_formatted
            or move.env["ir.mail_server"]._get_default_from_address()
            or accountant.email_formatted
        )
        # Not subscribed: a follower would read the invoice, and the message
        # with its token, through Odoo's portal rules.
        message = move.with_context(mail_create_nosubscribe=True).message_post(
            body=body,
            subject=env._("%(company)s: invoice %(document)s", company=company.name, document=move.name),
            author_id=company.partner_id.id,
            email_from=email_from,
            partner_ids=customer.ids,
            message_type="comment",
            subtype_xmlid=SEND_SUBTYPE,
            email_layout_xmlid="mail.mail_notification_light",
        )
        move.env["invoice.accountant.customer.email"]._create_protected(
            {
                "company_id": company.id,
                "move_id": move.id,
                "accountant_id": accountant.id,
                "mail_message_id": message.id,
            }
        )
        # Logged as the accountant, who did it.
        self.env["invoice.activity.log"]._log_action(
            self.sudo(),
            "portal_document_sent",
            # Not the link itself: its token opens the invoice to whoever reads it.
            lambda env: env._(
                "Link to the PDF e-mailed from the accountant portal to %(recipient)s",
                recipient=customer.email_formatted,
            ),
            send_state="pending",
            mail_message=message,
        )
        return message
