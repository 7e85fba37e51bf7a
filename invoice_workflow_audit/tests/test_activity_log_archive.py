# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The archive of a closed period: a ZIP that verifies itself offline."""

import base64
import hashlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.activity_log.invoice_activity_log_link import HASHED_FIELDS, canonical_text, link_hash
from .test_activity_log_closing import ActivityLogClosingCommon

# The verify.py every archive carries, as shipped with the addon.
VERIFY_PY = os.path.join(os.path.dirname(__file__), "..", "data", "archive", "verify.py")


def load_verify_module():
    spec = importlib.util.spec_from_file_location("iwa_archive_verify", VERIFY_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ActivityLogArchiveCommon(ActivityLogClosingCommon):
    def _closed_month(self):
        """A month with invoices, a credit note, payments and history, sealed once, closed."""
        self._invoice(100.0, self.today)
        self._invoice(40.0, self.month, move_type="out_refund")
        formula = self.env["res.partner"].create({"name": "=SUM(1)"})
        self.init_invoice(
            "out_invoice", invoice_date=self.today, post=True, amounts=[12.5], taxes=[], partner=formula
        )
        self._payment(60.0, self.today)
        self.env["invoice.activity.log"]._log_action(self.company, "books_stamped", "Réglé « reçu » ✓")
        self._flush_tracking()
        self.env["invoice.activity.log.seal"]._make_seal(self.company)
        [closing] = self._close("month", self.next_month + timedelta(days=1))
        return closing

    def _generate(self, closing, user=None):
        archive = (
            self.env["invoice.activity.log.archive"]
            .with_user(user or self.owner)
            .create({"date_from": closing.date_from, "date_to": closing.date_to})
        )
        archive.action_generate()
        self._flush_tracking()
        return archive

    def _extract(self, archive):
        directory = tempfile.mkdtemp(prefix="iwa_archive_test_")
        self.addCleanup(shutil.rmtree, directory, True)
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(archive.sudo().archive_file))) as archive_zip:
            archive_zip.extractall(directory)
        return directory

    def _run_verify(self, directory, *args, script=VERIFY_PY):
        return subprocess.run([sys.executable, script, directory, *args], capture_output=True, text=True)


@tagged("post_install", "-at_install")
class TestActivityLogArchive(ActivityLogArchiveCommon):
    def test_the_archive_of_a_closed_month_verifies_offline(self):
        closing = self._closed_month()
        archive = self._generate(closing)
        self.assertEqual(archive.state, "done")
        self.assertEqual(archive.closing_id, closing)
        self.assertEqual((archive.first_position, archive.last_position), (1, closing.chain_position))
        self.assertEqual(archive.row_count, closing.chain_position)
        directory = self._extract(archive)
        self.assertEqual(
            sorted(os.listdir(directory)),
            [
                "README.txt",
                "closings.jsonl",
                "history.jsonl",
                "invoices.csv",
                "manifest.json",
                "payments.csv",
                "public_keys.json",
                "seals.jsonl",
                "verify.py",
            ],
        )
        checked = self._run_verify(directory)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
        self.assertIn(f"{archive.row_count} history rows chained", checked.stdout)
        # With the public key the owner keeps outside, and with the archive's own script.
        key_file = os.path.join(tempfile.mkdtemp(prefix="iwa_key_"), "public_key.pem")
        self.addCleanup(shutil.rmtree, os.path.dirname(key_file), True)
        with open(key_file, "w", encoding="utf-8") as file:
            file.write(self.company.with_user(self.owner).activity_log_public_key)
        own = self._run_verify(
            directory, "--public-key", key_file, script=os.path.join(directory, "verify.py")
        )
        self.assertEqual(own.returncode, 0, own.stdout + own.stderr)

        # What it holds: every row of the chain up to the closing, the
        # closing, the period's documents (formulas quoted), the seal.
        with open(os.path.join(directory, "history.jsonl"), encoding="utf-8") as file:
            rows = [json.loads(line) for line in file]
        self.assertEqual([row["position"] for row in rows], list(range(1, closing.chain_position + 1)))
        self.assertEqual(rows[-1]["hash"], closing.chain_hash)
        with open(os.path.join(directory, "closings.jsonl"), encoding="utf-8") as file:
            self.assertEqual([json.loads(line) for line in file], [json.loads(closing.closing_text)])
        with open(os.path.join(directory, "invoices.csv"), encoding="utf-8", newline="") as file:
            invoices = file.read()
        self.assertEqual(invoices.count("\r\n"), 4, invoices)
        self.assertIn(";-40,00;", invoices)
        self.assertIn(";'=SUM(1);", invoices, "a cell that would be a formula is quoted")
        with open(os.path.join(directory, "payments.csv"), encoding="utf-8") as file:
            self.assertIn(";60,00;", file.read())
        with open(os.path.join(directory, "seals.jsonl"), encoding="utf-8") as file:
            self.assertEqual(len(file.readlines()), 1)
        with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as file:
            manifest = json.load(file)
        self.assertEqual(
            set(manifest["files"]),
            set(os.listdir(directory)) - {"manifest.json"},
            "every file has its digest",
        )
        with open(os.path.join(directory, "README.txt"), encoding="utf-8") as file:
            readme = file.read()
        self.assertIn("ARCHIVE DE L'HISTORIQUE", readme)
        self.assertIn("ACTIVITY HISTORY ARCHIVE", readme)

        # Generating it is logged; it is never generated again nor changed.
        [row] = self._log_rows(company_id=self.company.id, action_type="period_archived")
        self.assertEqual((row.res_model, row.res_id), (archive._name, archive.id))
        self.assertIn(archive.archive_sha256, row.description)
        with self.assertRaises(UserError):
            archive.with_user(self.owner).action_generate()
        with self.assertRaises(UserError):
            archive.with_user(self.owner).write({"date_to": closing.date_to + timedelta(days=1)})
        with self.assertRaises(AccessError):
            archive.with_user(self.owner).write({"archive_sha256": "0" * 64})
        with self.assertRaises(UserError):
            archive.with_user(self.owner).unlink()

    def test_one_flipped_byte_in_any_file_is_named(self):
        archive = self._generate(self._closed_month())
        pristine = self._extract(archive)
        names = sorted(os.listdir(pristine))
        self.assertEqual(len(names), 9)
        for name in names:
            with self.subTest(file=name):
                directory = tempfile.mkdtemp(prefix="iwa_archive_flip_")
                self.addCleanup(shutil.rmtree, directory, True)
                shutil.copytree(pristine, directory, dirs_exist_ok=True)
                path = os.path.join(directory, name)
                with open(path, "r+b") as file:
                    data = bytearray(file.read())
                    middle = len(data) // 2
                    data[middle] ^= 0x01
                    file.seek(0)
                    file.write(data)
                result = self._run_verify(directory)
                self.assertNotEqual(result.returncode, 0, result.stdout)
                self.assertIn(name, result.stdout)
                self.assertIn("FAILED", result.stdout)

    def test_a_rewritten_archive_is_caught_even_with_its_digests_recomputed(self):
        directory = self._extract(self._generate(self._closed_month()))
        history = os.path.join(directory, "history.jsonl")
        with open(history, encoding="utf-8") as file:
            lines = file.readlines()
        row = json.loads(lines[1])
        row["description"] = "rewritten"
        lines[1] = json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
        with open(history, "w", encoding="utf-8") as file:
            file.writelines(lines)
        verify = load_verify_module()
        with self.assertRaisesRegex(verify.Mismatch, "history.jsonl: its SHA-256"):
            verify.verify(directory)
        # A forger recomputes the digest: the manifest's signature no longer holds...
        manifest_path = os.path.join(directory, "manifest.json")
        with open(manifest_path, encoding="utf-8") as file:
            manifest = json.load(file)
        with open(history, "rb") as file:
            manifest["files"]["history.jsonl"]["sha256"] = hashlib.sha256(file.read()).hexdigest()
        with open(manifest_path, "w", encoding="utf-8") as file:
            json.dump(manifest, file)
        with self.assertRaisesRegex(verify.Mismatch, "manifest.json: the signature"):
            verify.verify(directory)
        # ...and the chain names the row, line and position.
        manifest_files = manifest["files"]
        self.assertIn("history.jsonl", manifest_files)
        with self.assertRaisesRegex(verify.Mismatch, "history.jsonl, line 2 \\(position 2"):
            verify.check_chain(directory, manifest)

    def test_verify_py_and_the_addon_hash_rows_the_same_way(self):
        verify = load_verify_module()
        self.assertEqual(verify.HASHED_FIELDS, HASHED_FIELDS)
        for text in ("Réglé : 1 200,00 € — « reçu » ✓ 𝄞", "a|b 3:xyz|", "line\nnext", False):
            self.env["invoice.activity.log"]._log_action(self.company, "books_stamped", text)
        self._flush_tracking()
        rows = self.env["invoice.activity.log.link"]._fetch_rows(
            SQL("SELECT id FROM invoice_activity_log WHERE company_id = %s ORDER BY id", self.company.id)
        )
        for row in rows:
            exported = dict(row, date=row["date"].strftime("%Y-%m-%dT%H:%M:%S.%f"))
            self.assertEqual(verify.canonical_text(exported), canonical_text(row))
            self.assertEqual(
                verify.link_hash("prev", verify.canonical_text(exported), True),
                link_hash("prev", canonical_text(row), True),
            )
            self.assertEqual(
                verify.link_hash_v1("prev", exported),
                self.env["invoice.activity.log.link"]._compute_hash("prev", row),
            )

    def test_only_a_closed_period_is_archived_by_the_owner(self):
        self._invoice(10.0, self.today)
        Archive = self.env["invoice.activity.log.archive"]
        for user in (self.invoice_user, self.status_manager):
            with self.assertRaises(AccessError):
                Archive.with_user(user).create({"date_from": self.month, "date_to": self.next_month})
        archive = Archive.with_user(self.owner).create(
            {"date_from": self.month, "date_to": self.next_month - timedelta(days=1)}
        )
        with self.assertRaisesRegex(UserError, "Only a closed month or fiscal year"):
            archive.action_generate()
        self.assertEqual(archive.state, "draft")
        archive.unlink()  # a draft may be deleted
