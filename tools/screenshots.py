#!/usr/bin/env python3
"""Screenshots of the main screens, for README.rst and index.html, taken in a
real browser (Debian's Chromium driven by Playwright's Python package).

Start the demo first (``./dev run``), then::

    python3 tools/screenshots.py [--url http://localhost:8069] [--database NAME]

Writes invoice_workflow_audit/static/description/screenshots/*.png.
"""

import argparse
import json
import os
import urllib.request
from http.cookiejar import CookieJar

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(REPO, "invoice_workflow_audit", "static", "description", "screenshots")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Rpc:
    """A JSON-RPC session of the demo server, to find the records to show."""

    def __init__(self, url, database, login, password):
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self._post("/web/session/authenticate", {"db": database, "login": login, "password": password})

    def _post(self, path, params):
        data = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode()
        request = urllib.request.Request(self.url + path, data, {"Content-Type": "application/json"})
        reply = json.loads(self.opener.open(request).read())
        if "error" in reply:
            raise RuntimeError(reply["error"]["data"]["message"])
        return reply["result"]

    def search(self, model, domain, limit=1):
        return self._post(
            "/web/dataset/call_kw",
            {"model": model, "method": "search", "args": [domain], "kwargs": {"limit": limit}},
        )


# Odoo's web client never goes network-idle (its bus keeps a connection open):
# wait for the view instead.
# Wide enough for Odoo to show the chatter beside the form (from 1534 px).
VIEWPORT = {"width": 1600, "height": 900}
BACKEND_VIEW = ".o_action_manager .o_view_controller"
PORTAL_PAGE = "#wrap"


def shoot(page, url, path, ready=BACKEND_VIEW):
    page.goto(url, wait_until="load")
    page.wait_for_selector(ready, timeout=120_000)
    shoot_current(page, path)


def shoot_current(page, path):
    page.wait_for_timeout(2000)
    page.screenshot(path=os.path.join(OUT, path), full_page=False)
    print("wrote", path)


def login(page, url, login_name, password):
    page.goto(f"{url}/web/login")
    page.fill("input[name=login]", login_name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda address: "/web/login" not in address, timeout=120_000)


def main():
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--database", default="invoice_workflow_audit_demo", help="the demo database")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    url = args.url.rstrip("/")
    admin = Rpc(url, args.database, "admin", "admin")
    # The disputed invoice: its chatter holds the whole story (creation, posting,
    # status changes with the required comment, sending).
    invoice = admin.search(
        "account.move",
        [("move_type", "=", "out_invoice"), ("workflow_status_id.require_comment", "=", True)],
    ) or admin.search("account.move", [("move_type", "=", "out_invoice"), ("state", "=", "posted")])
    stopped = admin.search("invoice.recurrence", [("state", "=", "stopped")])
    company = admin.search("res.company", [("accountant_user_ids", "!=", False)])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        login(page, url, "admin", "admin")
        board = f"{url}/odoo/action-invoice_workflow_audit.action_move_workflow_board"
        shoot(page, board, "01_status_board.png")
        if invoice:
            form = f"{url}/odoo/action-account.action_move_out_invoice_type/{invoice[0]}"
            shoot(page, form, "02_invoice_trail.png", ".o-mail-Chatter .o-mail-Message")
        if invoice:
            # A print from the browser: the newest history row shows the IP address.
            page.request.get(f"{url}/report/pdf/account.report_invoice/{invoice[0]}")
        history = f"{url}/odoo/action-invoice_workflow_audit.action_invoice_activity_log"
        shoot(page, history, "03_activity_history.png", ".o_list_renderer .o_data_row")
        page.goto(f"{history}?view_type=graph", wait_until="load")
        page.wait_for_selector(".o_graph_renderer canvas", timeout=120_000)
        # Grouped by action only (the view groups by day first).
        page.click(".o_searchview_dropdown_toggler")
        page.click(".o_group_by_menu .o-dropdown-item:has-text('Action')")
        page.keyboard.press("Escape")
        page.click(".o_graph_button[data-mode=pie]")
        shoot_current(page, "04_activity_history_graph.png")
        if stopped:
            shoot(
                page,
                f"{url}/odoo/action-invoice_workflow_audit.action_invoice_recurrence_customer/{stopped[0]}",
                "05_stopped_recurrence.png",
            )
        if company:
            accountant = browser.new_page(viewport=VIEWPORT)
            login(accountant, url, "accountant", "accountant")
            shoot(
                accountant,
                f"{url}/my/accounting/{company[0]}/out_invoice",
                "06_accountant_portal.png",
                PORTAL_PAGE,
            )
        browser.close()


if __name__ == "__main__":
    main()
