#!/usr/bin/env python3
"""The history's proof at volume (issue 20, parts 4 and 6): ``--rows`` history
rows written through the writer's own path (``_insert_rows``: ids, MAC, one
INSERT per ``--chunk`` rows), then sealed by ``_seal`` in batches of 20,000
rows, then verified by ``_verify_chain`` (set-based in PostgreSQL, MACs
checked in Python): once with no seal (every MAC checked), then
``--verify-reps`` times after a seal (the MACs of the rows after it only, as
every day after the daily seal; median, min and max); then the month of the
rows is closed and archived (``invoice.activity.log.archive._generate``: time,
size, the process's peak RSS above its RSS when the archive started, sampled
every 20 ms), and the archive's own ``verify.py`` is run on it (time).

Runs on a copy of ``-d`` (a database with the addon installed; its signing
key file is copied along), ``iwa_bench_proof``, dropped at the end unless
``--keep``: as on a server, the rows are committed when written and each
batch when sealed, then ``VACUUM ANALYZE`` (what autovacuum does after such a
load) before Verify; everything is on a company of its own:

    bench/bench_history_proof.py -d iwa_proof --rows 1000000

Targets (issue 20): sealing >= 20,000 rows/s; Verify over 1,000,000 rows
<= 5 s; the archive of 1,000,000 rows with a peak memory < 200 MB.
"""

import argparse
import base64
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from datetime import date, timedelta


class PeakRss:
    """The peak resident memory of this process above its level at start,
    sampled every 20 ms by a thread (Linux /proc)."""

    def __init__(self):
        self.start = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _rss():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def growth_mb(self):
        return (self.peak - self.start) / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--verify-reps", type=int, default=5)
    parser.add_argument("--skip-archive", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database iwa_bench_proof")
    parser.add_argument("--addons-path", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    args = parser.parse_args()

    import odoo

    database = "iwa_bench_proof"
    odoo.tools.config.parse_config(
        ["--addons-path", f"{args.addons_path},/opt/odoo18/odoo/addons", "-d", database]
    )
    odoo.modules.module.initialize_sys_path()
    from odoo.addons.invoice_workflow_audit.models.activity_log.invoice_activity_log_key import key_path

    subprocess.run(["dropdb", "--if-exists", database], check=True)
    subprocess.run(["createdb", "-T", args.database, database], check=True)
    os.makedirs(os.path.dirname(key_path(database)), exist_ok=True)
    shutil.copy(key_path(args.database), key_path(database))
    try:
        return run(args, database)
    finally:
        odoo.sql_db.close_all()
        if not args.keep:
            subprocess.run(["dropdb", "--if-exists", database], check=True)
            shutil.rmtree(os.path.dirname(key_path(database)), ignore_errors=True)
            shutil.rmtree(odoo.tools.config.filestore(database), ignore_errors=True)


def run(args, database):
    import odoo
    from odoo import SUPERUSER_ID, api

    registry = odoo.modules.registry.Registry(database)
    # The rows are dated in the previous month, which is complete: it can be
    # closed and archived.
    day = date.today().replace(day=1) - timedelta(days=15)
    results = {}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env["res.company"].create({"name": f"IWA proof bench {time.time():.0f}"})
        env.user.company_ids |= company
        Log, Link = env["invoice.activity.log"], env["invoice.activity.log.link"]
        started = time.perf_counter()
        for offset in range(0, args.rows, args.chunk):
            Log._insert_rows(
                [
                    {
                        "date": f"{day} 10:00:00",
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
            cr.commit()
        results["write_s"] = time.perf_counter() - started
        cr.execute("ANALYZE invoice_activity_log_pending")
        started = time.perf_counter()
        batches, sealed = 0, 0
        while count := Link._seal(company, max_batches=1):
            sealed, batches = sealed + count, batches + 1
            cr.commit()
        seal_s = time.perf_counter() - started
        with registry.cursor() as vacuum_cr:
            vacuum_cr._cnx.autocommit = True
            vacuum_cr.execute("VACUUM ANALYZE invoice_activity_log, invoice_activity_log_link")
        started = time.perf_counter()
        bare = Link._verify_chain(company)
        verify_all_s = time.perf_counter() - started
        env["invoice.activity.log.seal"]._make_seal(company)
        cr.commit()
        verify_times = []
        for _rep in range(args.verify_reps):
            started = time.perf_counter()
            sealed_report = Link._verify_chain(company)
            verify_times.append(time.perf_counter() - started)
        if not args.skip_archive:
            closing = env["invoice.activity.log.closing"]._close(company, "month")[:1]
            archive = env["invoice.activity.log.archive"].create(
                {"company_id": company.id, "date_from": closing.date_from, "date_to": closing.date_to}
            )
            with PeakRss() as memory:
                started = time.perf_counter()
                archive._generate()
                archive_s = time.perf_counter() - started
            data = archive.with_context(bin_size=False).archive_file
            with tempfile.TemporaryDirectory(prefix="iwa_bench_archive_") as directory:
                zipfile.ZipFile(io.BytesIO(base64.b64decode(data))).extractall(directory)
                started = time.perf_counter()
                verified = subprocess.run(
                    [sys.executable, "verify.py"], cwd=directory, capture_output=True, text=True, check=False
                )
                verify_py_s = time.perf_counter() - started
            archived = (archive.row_count, archive.date_from, archive.date_to)
        cr.commit()
    print(f"rows written (writer path, MAC, {args.chunk}/INSERT): {args.rows} in {results['write_s']:.1f} s")
    print(
        f"_seal: {sealed} rows in {batches} batches, {seal_s:.1f} s,"
        f" {sealed / seal_s:,.0f} rows/s (target >= 20,000)"
    )
    print(
        f"_verify_chain, no seal (every MAC checked): {verify_all_s:.2f} s, intact {bare['intact']},"
        f" {bare['macs_checked']} MACs"
    )
    print(
        f"_verify_chain after the daily seal, {args.verify_reps} runs: median"
        f" {statistics.median(verify_times):.2f} s (min {min(verify_times):.2f}, max {max(verify_times):.2f};"
        f" target <= 5 s), intact {sealed_report['intact']}, {sealed_report['macs_checked']} MACs"
    )
    if not args.skip_archive:
        print(
            f"archive of {archived[0]} rows ({archived[1]} to {archived[2]}): {archive_s:.1f} s,"
            f" {len(data) * 3 / 4 / 2**20:.1f} MB,"
            f" peak RSS growth {memory.growth_mb:.0f} MB (target < 200 MB)"
        )
        said = verified.stdout.strip().splitlines()[-1] if verified.stdout.strip() else verified.stderr[-300:]
        print(f"verify.py of the archive: {verify_py_s:.1f} s, exit code {verified.returncode}: {said}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
