#!/usr/bin/env python3
"""The history's proof at volume (issue 20, part 4): ``--rows`` history rows
written through the writer's own path (``_insert_rows``: ids, MAC, one INSERT
per ``--chunk`` rows), then sealed by ``_seal`` in batches of 20,000 rows,
then verified by ``_verify_chain`` (set-based in PostgreSQL, MACs checked in
Python) twice: with no seal (every MAC checked) and after a seal (the MACs of
the rows after it only, as every day after the daily seal).

Runs inside one transaction of an existing database with the addon
installed, on a company of its own, and rolls everything back:

    bench/bench_history_proof.py -d iwa_proof --rows 1000000

Targets (issue 20): sealing >= 20,000 rows/s; Verify over 1,000,000 rows <= 5 s.
"""

import argparse
import os
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--addons-path", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    args = parser.parse_args()

    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(
        ["--addons-path", f"{args.addons_path},/opt/odoo18/odoo/addons", "-d", args.database]
    )
    registry = odoo.registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env["res.company"].create({"name": "IWA proof bench"})
        Log, Link = env["invoice.activity.log"], env["invoice.activity.log.link"]
        started = time.perf_counter()
        for offset in range(0, args.rows, args.chunk):
            Log._insert_rows(
                [
                    {
                        "date": "2026-12-01 10:00:00",
                        "user_id": SUPERUSER_ID,
                        "ip_address": "192.0.2.7",
                        "company_id": company.id,
                        "action_type": "document_modified",
                        "res_model": "account.move",
                        "res_id": offset + index,
                        "document_name": f"INV/2026/{offset + index:07d}",
                        "description": f"Référence : - → BENCH/{offset + index}",
                    }
                    for index in range(min(args.chunk, args.rows - offset))
                ]
            )
        write_s = time.perf_counter() - started
        cr.execute("ANALYZE invoice_activity_log_pending")
        started = time.perf_counter()
        batches, sealed = 0, 0
        while count := Link._seal(company, max_batches=1):
            sealed, batches = sealed + count, batches + 1
        seal_s = time.perf_counter() - started
        cr.execute("ANALYZE invoice_activity_log_link")
        started = time.perf_counter()
        bare = Link._verify_chain(company)
        verify_all_s = time.perf_counter() - started
        env["invoice.activity.log.seal"]._make_seal(company)
        started = time.perf_counter()
        sealed_report = Link._verify_chain(company)
        verify_s = time.perf_counter() - started
        cr.rollback()
    print(f"rows written (writer path, MAC, {args.chunk}/INSERT): {args.rows} in {write_s:.1f} s")
    print(
        f"_seal: {sealed} rows in {batches} batches, {seal_s:.1f} s,"
        f" {sealed / seal_s:,.0f} rows/s (target >= 20,000)"
    )
    print(
        f"_verify_chain, no seal (every MAC checked): {verify_all_s:.2f} s, intact {bare['intact']},"
        f" {bare['macs_checked']} MACs"
    )
    print(
        f"_verify_chain after the daily seal: {verify_s:.2f} s (target <= 5 s),"
        f" intact {sealed_report['intact']},"
        f" {sealed_report['macs_checked']} MACs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
