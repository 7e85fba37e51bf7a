# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Until 18.0.1.1.0, "E-mail the customer" on the accountant portal posted its
message as the accountant (its author and creator) and made them a follower of
the invoice. Odoo lets a message's author and creator read it, and a portal
follower read the invoice: the accountant could read the customer's access
token back, even after their access was revoked. The messages already sent
become the server's, in the company's name, as new ones are, and their
accountants no longer follow those invoices. The customers' links keep
working (the token is theirs)."""

from odoo import SUPERUSER_ID
from odoo.tools import SQL


def migrate(cr, version):
    # The portal's messages: on a customer's invoice, to that customer, with
    # the link that carries the invoice's token, created by a portal user who
    # is not the customer (the customer's own portal messages stay theirs).
    # One statement: the messages change hands, their senders stop following.
    cr.execute(
        SQL(
            "WITH sent AS ("
            " SELECT m.id, m.res_id, sender.partner_id AS sender_partner_id,"
            " company.partner_id AS company_partner_id"
            " FROM mail_message m"
            " JOIN account_move move ON move.id = m.res_id"
            " JOIN res_company company ON company.id = move.company_id"
            " JOIN res_users sender ON sender.id = m.create_uid"
            " JOIN res_partner sender_partner ON sender_partner.id = sender.partner_id"
            " WHERE m.model = 'account.move' AND m.message_type = 'comment'"
            " AND sender.share AND move.access_token IS NOT NULL"
            " AND strpos(m.body, '/my/invoices/' || move.id || '?access_token=' || move.access_token) > 0"
            " AND sender_partner.commercial_partner_id IS DISTINCT FROM move.commercial_partner_id"
            " AND EXISTS (SELECT 1 FROM mail_message_res_partner_rel recipient"
            " WHERE recipient.mail_message_id = m.id AND recipient.res_partner_id = move.partner_id)"
            "), moved AS ("
            " UPDATE mail_message m SET create_uid = %(root)s, write_uid = %(root)s,"
            " author_id = sent.company_partner_id"
            " FROM sent WHERE m.id = sent.id"
            " RETURNING sent.res_id, sent.sender_partner_id"
            ")"
            " DELETE FROM mail_followers follower USING moved"
            " WHERE follower.res_model = 'account.move' AND follower.res_id = moved.res_id"
            " AND follower.partner_id = moved.sender_partner_id",
            root=SUPERUSER_ID,
        )
    )
