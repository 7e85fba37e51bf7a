"""The limited profiles leave alone the journal entries Odoo posts for the user.

Run by ``./dev check`` inside ``odoo shell`` on a fresh database where the addon
was installed with Inventory valuation (stock_account) and Point of Sale,
without demo data (``env`` is the shell's environment). Each function acts as a
user of a limited profile, as that user would in the web client, and raises
when the flow fails. The Sales Representative and Purchasing profiles are about
invoices, credit notes, bills, refunds and receipts; a goods receipt valued in
real time and the closing of a point of sale session post journal entries
(``entry``) on the user's behalf, which must go through.
"""

from odoo import Command

ADDON = "invoice_workflow_audit"


def _user(env, login, *groups):
    return env["res.users"].create(
        {
            "name": login.replace("_", " ").title(),
            "login": login,
            "email": f"{login}@example.com",
            "company_id": env.company.id,
            "company_ids": [Command.set(env.company.ids)],
            "groups_id": [Command.set([env.ref(group).id for group in groups])],
        }
    )


def _assert_limited(user):
    assert user._has_limited_invoicing_profile(), f"{user.login} holds a limited profile only"
    assert not user.has_group("account.group_account_invoice"), f"{user.login} is no invoicing user"


def goods_receipt_by_purchasing_user(env):
    """A warehouse user with the Purchasing profile validates the receipt of a
    product valued in real time: its stock valuation entry is posted."""
    user = _user(env, "flows_purchasing", f"{ADDON}.group_profile_purchasing", "stock.group_stock_user")
    _assert_limited(user)
    category = env["product.category"].create({"name": "Valued in real time"})
    # Company-dependent properties: set for the company the user works in.
    category.with_company(env.company).write(
        {"property_cost_method": "standard", "property_valuation": "real_time"}
    )
    assert category.property_stock_valuation_account_id, "the chart gives stock accounts to the category"
    product = env["product.product"].create(
        {"name": "Valued goods", "is_storable": True, "categ_id": category.id, "standard_price": 12.5}
    )
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    receipt_type = warehouse.in_type_id
    Picking = env["stock.picking"].with_user(user)
    picking = Picking.create(
        {
            "picking_type_id": receipt_type.id,
            "location_id": env.ref("stock.stock_location_suppliers").id,
            "location_dest_id": receipt_type.default_location_dest_id.id,
            "move_ids": [
                Command.create(
                    {
                        "name": product.name,
                        "product_id": product.id,
                        "product_uom_qty": 4,
                        "product_uom": product.uom_id.id,
                        "location_id": env.ref("stock.stock_location_suppliers").id,
                        "location_dest_id": receipt_type.default_location_dest_id.id,
                    }
                )
            ],
        }
    )
    picking.action_confirm()
    picking.move_ids.quantity = 4
    picking.move_ids.picked = True
    picking.button_validate()
    assert picking.state == "done", picking.state
    entries = (
        env["stock.valuation.layer"].search([("stock_move_id", "in", picking.move_ids.ids)]).account_move_id
    )
    assert entries and set(entries.mapped("state")) == {"posted"}, entries.mapped("state")
    assert set(entries.mapped("move_type")) == {"entry"}, entries.mapped("move_type")
    assert sum(entries.line_ids.mapped("debit")) == 50.0, entries.line_ids.mapped("debit")
    print(f"goods receipt {picking.name} by {user.login}: valuation entry {entries.name} posted")


def pos_session_closed_by_sales_rep_cashier(env):
    """A cashier with the Sales Representative profile opens a point of sale
    session, sells for cash and closes the session: its entries are posted."""
    user = _user(env, "flows_cashier", f"{ADDON}.group_profile_sales_rep", "point_of_sale.group_pos_user")
    _assert_limited(user)
    cash_journal = env["account.journal"].search(
        [("type", "=", "cash"), ("company_id", "=", env.company.id)], limit=1
    )
    cash = env["pos.payment.method"].create(
        {"name": "Cash (flows check)", "journal_id": cash_journal.id, "company_id": env.company.id}
    )
    config = env["pos.config"].create(
        {"name": "Flows check shop", "payment_method_ids": [Command.set(cash.ids)]}
    )
    product = env["product.product"].create(
        {
            "name": "Sold at the counter",
            "type": "consu",
            "available_in_pos": True,
            "list_price": 30.0,
            "taxes_id": False,
        }
    )
    config = config.with_user(user)
    config.open_ui()
    session = config.current_session_id
    assert session and session.user_id == user, session.user_id
    session.set_opening_control(0, None)
    env["pos.order"].with_user(user).sync_from_ui(
        [
            {
                "session_id": session.id,
                "company_id": env.company.id,
                "pricelist_id": config.pricelist_id.id,
                "fiscal_position_id": False,
                "partner_id": False,
                "user_id": user.id,
                "uuid": "flows-check-0001",
                "name": "Order flows-check-0001",
                "sequence_number": 1,
                "date_order": str(session.start_at),
                "amount_paid": 30.0,
                "amount_total": 30.0,
                "amount_tax": 0.0,
                "amount_return": 0.0,
                "to_invoice": False,
                "state": "paid",
                "lines": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "qty": 1,
                            "price_unit": 30.0,
                            "price_subtotal": 30.0,
                            "price_subtotal_incl": 30.0,
                            "discount": 0.0,
                            "tax_ids": [Command.set([])],
                        }
                    )
                ],
                "payment_ids": [Command.create({"amount": 30.0, "payment_method_id": cash.id})],
            }
        ]
    )
    order = session.order_ids
    assert len(order) == 1 and order.state == "paid", order.mapped("state")
    session.post_closing_cash_details(30.0)
    result = session.close_session_from_ui()
    assert result.get("successful"), result
    assert session.state == "closed", session.state
    entries = session.move_id | session.statement_line_ids.move_id
    assert session.move_id, "the session has its closing entry"
    assert set(entries.mapped("state")) == {"posted"}, entries.mapped("state")
    assert set(entries.mapped("move_type")) == {"entry"}, entries.mapped("move_type")
    names = ", ".join(entries.mapped("name"))
    print(f"point of sale session {session.name} closed by {user.login}: entries {names} posted")
