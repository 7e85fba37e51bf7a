# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class InvoiceAccountantCustomerEmail(models.Model):
    """One invoice link e-mailed to its customer from the accountant portal:
    which accountant sent it, for which document, when. What the send limits
    count (account.move._accountant_check_send_limits).

    A record of its own, not the message: the message is created by the server
    in the company's name, so that the accountant can never read it (nor the
    customer's token in it), and so it no longer says who sent it. Nor a field
    on mail.message: message_post passes every mail.message field from its
    keyword arguments, so anyone who may post could set it on a message of
    their own and exhaust another accountant's limit. Here nobody but the
    server creates a row (invoice.append.only.mixin), in
    _accountant_send_to_customer; the rows are counted in the database, so
    that every worker sees the same count."""

    _name = "invoice.accountant.customer.email"
    _inherit = ["invoice.append.only.mixin"]
    _description = "Invoice E-mailed from the Accountant Portal"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    accountant_id = fields.Many2one("res.users", required=True, readonly=True, index=True, ondelete="cascade")
    mail_message_id = fields.Many2one("mail.message", string="Message", readonly=True, ondelete="set null")
