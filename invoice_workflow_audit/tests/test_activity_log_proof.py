# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The history's proof against whoever runs the database: rows protected by a
MAC from their first write, a signing key the database does not hold, seals
anyone verifies with the public key."""

import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
from unittest.mock import patch

from cryptography.hazmat.primitives import serialization

from odoo import SUPERUSER_ID, api, tools
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.activity_log import invoice_activity_log as activity_log_module
from ..models.activity_log.invoice_activity_log_key import KEY_FILE_OPTION, key_path
from ..models.activity_log.invoice_activity_log_link import (
    HASHED_FIELDS,
    canonical_sql,
    canonical_text,
    link_hash,
    link_hash_sql,
)
from .test_accountant_portal import AccountantPortalCommon
from .test_activity_log_chain import ActivityLogChainCommon

VERIFY_SEAL = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "verify_seal.py")


class ActivityLogProofCommon(ActivityLogChainCommon):
    def _key_file(self, path):
        """Point the server option at ``path`` for this test."""
        patcher = patch.dict(tools.config.options, {KEY_FILE_OPTION: path})
        patcher.start()
        self.addCleanup(patcher.stop)

    def _own_key_copy(self):
        """A copy of this database's key in a directory of the test: rotating
        it there leaves the database's own key file alone."""
        directory = tempfile.mkdtemp(prefix="iwa_key_")
        self.addCleanup(shutil.rmtree, directory, True)
        path = os.path.join(directory, "signing_key.pem")
        shutil.copy(key_path(self.env.cr.dbname), path)
        self._key_file(path)
        return path

    def _pending_row(self, description):
        self.env["invoice.activity.log"]._log_action(self.company, "books_stamped", description)
        self._flush_tracking()
        return self._log_rows(company_id=self.company.id, description=description)

    def _sql_update(self, row, **values):
        for column, value in values.items():
            self.env.cr.execute(
                SQL(
                    "UPDATE invoice_activity_log SET %s = %s WHERE id = %s",
                    SQL.identifier(column),
                    value,
                    row.id,
                )
            )
        row.invalidate_recordset()


@tagged("post_install", "-at_install")
class TestActivityLogCanonicalForm(ActivityLogProofCommon):
    def test_python_and_postgresql_give_the_same_text_and_hash(self):
        texts = [
            "Réglé : 1 200,00 € — « reçu » ✓ 𝄞",
            "a|b 3:xyz|",
            "line one\nline two\ttab",
            False,
        ]
        for text in texts:
            self.env["invoice.activity.log"]._log_action(self.company, "books_stamped", text)
        self._flush_tracking()
        rows = self.env["invoice.activity.log"].sudo().search([("company_id", "=", self.company.id)])
        self.assertGreaterEqual(len(rows), len(texts))
        Link = self.env["invoice.activity.log.link"]
        for row in Link._fetch_rows(SQL("SELECT unnest(%s::int[]) AS id", rows.ids)):
            python_text = canonical_text(row)
            self.env.cr.execute(
                SQL(
                    "SELECT %s, %s FROM invoice_activity_log log WHERE log.id = %s",
                    canonical_sql("log"),
                    link_hash_sql(SQL("%s", "prev"), canonical_sql("log"), SQL("FALSE")),
                    row["id"],
                )
            )
            sql_text, sql_hash = self.env.cr.fetchone()
            self.assertEqual(python_text, sql_text)
            self.assertEqual(link_hash("prev", python_text), sql_hash)
        # A NULL is empty, a date ISO 8601 in UTC; a text cannot slide from
        # one field into the next.
        row = dict.fromkeys(HASHED_FIELDS) | {"id": 1, "date": "2026-01-02 03:04:05", "description": "x"}
        self.assertEqual(canonical_text(row), "1:1|26:2026-01-02T03:04:05.000000|0:|0:|0:|0:|0:|0:|0:|1:x")
        # 0 and "" are stored as NULL by the writer: the same text.
        self.assertEqual(canonical_text(row | {"res_id": 0}), canonical_text(row))
        self.assertNotEqual(
            canonical_text(row | {"document_name": "a|", "description": "b"}),
            canonical_text(row | {"document_name": "a", "description": "|b"}),
        )

    def test_each_row_carries_its_mac_from_its_first_write(self):
        row = self._pending_row("protected at once")
        key = self.env["invoice.activity.log.key"]._current_key()
        self.assertFalse(row.link_ids, "not sealed yet")
        self.assertEqual(row.mac_key_id, key.key_id)
        fields_ = self.env["invoice.activity.log.link"]._fetch_rows(SQL("SELECT %s AS id", row.id))[0]
        self.assertEqual(row.mac, key.mac(canonical_text(fields_)))


@tagged("post_install", "-at_install")
class TestActivityLogTampering(ActivityLogProofCommon):
    def _danger(self, result, *needles):
        self.assertEqual(result["type"], "danger", result["message"])
        for needle in needles:
            self.assertIn(needle, result["message"])

    def test_rows_changed_before_and_after_their_seal_are_both_named(self):
        self._sealed_history(2)
        sealed = (
            self.env["invoice.activity.log"]
            .sudo()
            .search([("company_id", "=", self.company.id), ("link_ids", "!=", False)], order="id", limit=1)
        )
        pending = self._pending_row("changed before its seal")
        # An insider with SQL access: one row already chained, one still waiting.
        self._sql_update(sealed, description="rewritten after its seal")
        self._sql_update(pending, description="rewritten before its seal", user_id=None)
        result = self._verify()
        self._danger(
            result,
            f"position {sealed.link_ids.position} (#{sealed.id}",
            f"position {pending.link_ids.position} (#{pending.id}",
            "changed before its seal",
        )
        self.assertTrue(pending.link_ids.altered_before_seal, "chained as found, marked")
        self.assertFalse(sealed.link_ids.altered_before_seal)
        # The mark is covered by the hash: taking it off breaks the chain.
        self.env.cr.execute(
            SQL(
                "UPDATE invoice_activity_log_link SET altered_before_seal = FALSE WHERE log_id = %s",
                pending.id,
            )
        )
        self._danger(self._verify(), f"position {pending.link_ids.position}")

    def test_with_the_sealer_switched_off_a_changed_row_is_still_caught(self):
        self.env.ref("invoice_workflow_audit.ir_cron_activity_log_seal").active = False
        row = self._pending_row("waits for a sealer that never runs")
        self._sql_update(row, description="quietly changed")
        self._danger(self._verify(), f"(#{row.id}", "changed before its seal")

    def test_a_row_rewritten_and_chained_again_after_the_last_seal_is_caught_by_its_mac(self):
        self._sealed_history(1)
        self.env["invoice.activity.log.seal"]._make_seal(self.company)
        self._posted_invoice()
        self._seal()
        links = self._links()
        log_id, position, _hash = links[-2]
        row = self.env["invoice.activity.log"].sudo().browse(log_id)
        self._sql_update(row, description="rewritten")
        # What a server action could do: hash the chain again from there.
        Link = self.env["invoice.activity.log.link"]
        previous = links[-3][2]
        for link_log_id, link_position, _old in links[-2:]:
            fields_ = Link._fetch_rows(SQL("SELECT %s AS id", link_log_id))[0]
            previous = link_hash(previous, canonical_text(fields_))
            self.env.cr.execute(
                SQL(
                    "UPDATE invoice_activity_log_link SET hash = %s WHERE company_id = %s AND position = %s",
                    previous,
                    self.company.id,
                    link_position,
                )
            )
        self._danger(self._verify(), f"position {position} (#{log_id}", "after its seal")

    def test_a_row_taken_out_of_the_sealers_queue_is_counted(self):
        self._sealed_history(1)
        row = self._pending_row("never to be chained")
        # An insider deletes its pending entry: no sealer will ever see it.
        self.env.cr.execute(SQL("DELETE FROM invoice_activity_log_pending WHERE log_id = %s", row.id))
        self._seal()
        self.assertFalse(row.link_ids)
        self._danger(self._verify(), "1 rows were taken out of the chain")

    def test_a_row_of_another_company_slipped_into_the_chain_is_named(self):
        self._sealed_history(1)
        row = self._pending_row("given to another company")
        other = self.env["res.company"].create({"name": "IWA other company"})
        # Before its seal, the row is handed to another company and its MAC
        # taken off (so it is not "altered before its seal", only
        # unprotected): the sealer chains it as it finds it, in this chain.
        self._sql_update(row, company_id=other.id, mac=None)
        self._seal()
        self.assertEqual(row.link_ids.company_id, self.company)
        self._danger(self._verify(), f"position {row.link_ids.position} (#{row.id}")

    def test_verify_leaves_the_planner_settings_as_it_found_them(self):
        self._sealed_history(1)
        self.env.cr.execute("SET LOCAL parallel_setup_cost = 1234")
        self.env.cr.execute("SELECT current_setting('jit'), current_setting('work_mem')")
        jit, work_mem = self.env.cr.fetchone()
        self.env["invoice.activity.log.link"]._verify_chain(self.company)
        self.env.cr.execute(
            "SELECT current_setting('parallel_setup_cost'), current_setting('jit'),"
            " current_setting('work_mem')"
        )
        self.assertEqual(self.env.cr.fetchone(), ("1234", jit, work_mem))


@tagged("post_install", "-at_install")
class TestActivityLogKey(ActivityLogProofCommon):
    def test_a_seal_signed_with_the_database_secret_is_refused(self):
        self._sealed_history(1)
        position, head = self.env["invoice.activity.log.link"]._chain_head(self.company.id)
        values = {
            "format": "invoice_workflow_audit.seal/1",
            "database": self.env["ir.config_parameter"].sudo().get_param("database.uuid"),
            "company_id": self.company.id,
            "company": self.company.name,
            "position": position,
            "hash": head,
            "date": "2026-12-01 00:00:00",
        }
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        payload = json.dumps(values, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
        values["signature"] = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        with self.assertRaisesRegex(UserError, "database's own secret"):
            self._verify(json.dumps(values))

    def test_the_private_key_is_in_no_table_of_the_database(self):
        self._sealed_history(1)
        self.env["invoice.activity.log.seal"]._make_seal(self.company)
        self._flush_tracking()
        key = self.env["invoice.activity.log.key"]._current_key()
        raw = key.private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        with open(key_path(self.env.cr.dbname), encoding="ascii") as file:
            body = "".join(line for line in file.read().splitlines() if not line.startswith("-----"))
        needles = [body, base64.b64encode(raw).decode(), raw.hex(), key.mac_key.hex()]
        cr = self.env.cr
        cr.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        for (table,) in cr.fetchall():
            for needle in needles:
                cr.execute(
                    SQL(
                        "SELECT 1 FROM %s t WHERE t::text LIKE %s LIMIT 1",
                        SQL.identifier(table),
                        f"%{needle}%",
                    )
                )
                self.assertFalse(cr.fetchone(), f"the private key is in {table}")
        # The public key is there, for anyone to check seals.
        self.assertIn(key.public_pem, self.company.with_user(self.owner).activity_log_public_key)

    def test_a_missing_key_loses_no_row_and_says_where_it_is_expected(self):
        missing = os.path.join(tempfile.gettempdir(), f"iwa_no_key_{os.getpid()}", "signing_key.pem")
        self._key_file(missing)
        # A server without the key keeps serving, and its log says so once.
        activity_log_module._WARNED_WITHOUT_KEY.discard(self.env.cr.dbname)
        with self.assertLogs("odoo.addons.invoice_workflow_audit", level="WARNING") as logs:
            row = self._pending_row("written while the key file is missing")
        self.assertIn(missing, "\n".join(logs.output))
        self.assertTrue(row, "the row is written")
        self.assertFalse(row.mac, "without a key, no MAC")
        with self.assertRaisesRegex(UserError, "missing") as caught:
            self._verify()
        self.assertIn(missing, str(caught.exception))
        with self.assertRaisesRegex(UserError, "missing"):
            self.env["invoice.activity.log.seal"]._make_seal(self.company)
        with self.assertLogs("odoo.addons.invoice_workflow_audit", level="WARNING") as logs:
            self.env["invoice.activity.log.link"]._cron_seal()
        self.assertIn(missing, "\n".join(logs.output))
        self.assertFalse(row.link_ids, "nothing sealed without the key")
        # The key file back: the row is sealed, and counted as unprotected.
        tools.config.options[KEY_FILE_OPTION] = ""
        result = self._verify()
        self.assertEqual(result["type"], "success", result["message"])
        self.assertIn("without the signing key", result["message"])

    def test_rotation_keeps_the_old_seals_valid(self):
        self._sealed_history(1)
        old_seal = self.env["invoice.activity.log.seal"]._make_seal(self.company)
        path = self._own_key_copy()
        old_key = self.env["invoice.activity.log.key"]._current_key()
        self._posted_invoice()
        self._flush_tracking()  # rows protected by the old key, sealed after the rotation
        self.company.with_user(self.owner).action_activity_log_new_key()
        new_key = self.env["invoice.activity.log.key"]._current_key()
        self.assertNotEqual(new_key.key_id, old_key.key_id)
        self.assertTrue(os.path.exists(path), "the new key in the file")
        self.assertEqual(oct(os.stat(path).st_mode & 0o777), "0o600")
        self.assertEqual(self.company.with_user(self.owner).activity_log_key_id, new_key.key_id)
        self._posted_invoice()
        new_seal = self.env["invoice.activity.log.seal"]._make_seal(self.company)
        self.assertEqual(new_seal.key_id, new_key.key_id)
        self.assertEqual(self._verify(old_seal.seal_text)["type"], "success")
        result = self._verify(new_seal.seal_text)
        self.assertEqual(result["type"], "success", result["message"])
        self.assertNotIn("without the signing key", result["message"], "old MACs still checked")
        keys = (
            self.env["invoice.activity.log.key"]
            .sudo()
            .search([("key_id", "in", [old_key.key_id, new_key.key_id])])
        )
        self.assertEqual(len(keys), 2)
        old_record = keys.filtered(lambda key: key.key_id == old_key.key_id)
        self.assertTrue(old_record.date_end, "the old key signed until the rotation")
        self.assertIn(f"{old_seal.position} to {old_seal.position}", old_record.chain_range)
        self.assertEqual(
            len(self._log_rows(company_id=self.company.id, action_type="signing_key_rotated")), 1
        )

    def test_the_standalone_script_checks_a_seal_with_the_public_key_alone(self):
        self._sealed_history(1)
        seal = self.env["invoice.activity.log.seal"]._make_seal(self.company)
        directory = tempfile.mkdtemp(prefix="iwa_seal_")
        self.addCleanup(shutil.rmtree, directory, True)
        key_file, seal_file = os.path.join(directory, "key.pem"), os.path.join(directory, "seal.json")
        with open(key_file, "w", encoding="ascii") as file:
            file.write(self.company.with_user(self.owner).activity_log_public_key)
        with open(seal_file, "w", encoding="utf-8") as file:
            file.write(seal.seal_text)
        run = subprocess.run(
            [sys.executable, VERIFY_SEAL, seal_file, key_file], capture_output=True, text=True
        )
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        forged = json.loads(seal.seal_text) | {"position": seal.position + 100}
        with open(seal_file, "w", encoding="utf-8") as file:
            file.write(json.dumps(forged))
        run = subprocess.run(
            [sys.executable, VERIFY_SEAL, seal_file, key_file], capture_output=True, text=True
        )
        self.assertEqual(run.returncode, 1)
        self.assertIn("signature does not match", run.stdout)


@tagged("post_install", "-at_install")
class TestActivityLogVolume(ActivityLogProofCommon):
    def test_a_backlog_larger_than_a_batch_goes_through_in_several_calls(self):
        Log = self.env["invoice.activity.log"]
        partners = self.env["res.partner"].create([{"name": f"Backlog {index}"} for index in range(25)])
        Log._log_action(partners.with_company(self.company), "document_modified", "backlog")
        self._flush_tracking()
        self.env.cr.execute(
            SQL("SELECT count(*) FROM invoice_activity_log_pending WHERE company_id = %s", self.company.id)
        )
        [[pending]] = self.env.cr.fetchall()
        self.assertGreater(pending, 20)
        Link, calls, sealed = self.env["invoice.activity.log.link"], 0, 0
        while count := Link._seal(self.company, batch_size=10, max_batches=1):
            self.assertLessEqual(count, 10)
            sealed, calls = sealed + count, calls + 1
        self.assertEqual(sealed, pending)
        self.assertGreaterEqual(calls, 3)
        self.assertEqual(self._verify()["type"], "success")

    def test_a_long_chain_is_verified_in_the_background_and_the_owner_told(self):
        self._sealed_history(1)
        wizard = self.env["invoice.activity.log.verify"].with_user(self.owner).create({})
        wizard._queue()
        self.assertEqual(wizard.state, "queued")
        self.env["invoice.activity.log.verify"]._cron_verify_queued()
        self.assertEqual(wizard.state, "done")
        self.assertIn("is intact", wizard.result)
        message = self.env["mail.message"].search(
            [("partner_ids", "in", self.owner.partner_id.ids)], order="id desc", limit=1
        )
        self.assertIn("is intact", str(message.body))


@tagged("post_install", "-at_install")
class TestActivityLogStaleSealer(ActivityLogProofCommon):
    """Real transactions: a sealer whose snapshot predates another sealer's
    commit skips and leaves the rows to the next run, without failing."""

    def test_a_sealer_on_a_stale_snapshot_skips_instead_of_failing(self):
        company_id = self.env.ref("base.main_company").id
        marker = f"iwa stale sealer {self.id()}"
        stale, writer = self.registry.cursor(), self.registry.cursor()

        def cleanup():
            with self.registry.cursor() as cr:
                cr.execute(
                    SQL(
                        "DELETE FROM invoice_activity_log_link WHERE log_id IN"
                        " (SELECT id FROM invoice_activity_log WHERE description = %s)",
                        marker,
                    )
                )
                cr.execute(SQL("DELETE FROM invoice_activity_log WHERE description = %s", marker))

        self.addCleanup(cleanup)
        try:
            env = api.Environment(writer, SUPERUSER_ID, {})
            env["invoice.activity.log"]._insert_rows(
                [
                    {
                        "date": "2026-12-01 00:00:00",
                        "company_id": company_id,
                        "action_type": "books_stamped",
                        "description": marker,
                    }
                ]
            )
            writer.commit()  # pylint: disable=invalid-commit
            stale.execute("SELECT 1")  # its snapshot: before the other sealer's links
            with self.registry.cursor() as cr:
                Link = api.Environment(cr, SUPERUSER_ID, {})["invoice.activity.log.link"]
                self.assertGreaterEqual(Link._seal(Link.env["res.company"].browse(company_id)), 1)
            env = api.Environment(writer, SUPERUSER_ID, {})
            env["invoice.activity.log"]._insert_rows(
                [
                    {
                        "date": "2026-12-01 00:00:01",
                        "company_id": company_id,
                        "action_type": "books_stamped",
                        "description": marker,
                    }
                ]
            )
            writer.commit()  # pylint: disable=invalid-commit
            Stale = api.Environment(stale, SUPERUSER_ID, {})["invoice.activity.log.link"]
            # Its snapshot sees the first row still pending and the old head.
            self.assertEqual(Stale._seal(Stale.env["res.company"].browse(company_id)), 0)
            stale.rollback()
        finally:
            stale.close()
            writer.close()
        with self.registry.cursor() as cr:
            Link = api.Environment(cr, SUPERUSER_ID, {})["invoice.activity.log.link"]
            company = Link.env["res.company"].browse(company_id)
            Link._seal(company)
            self.assertTrue(Link._verify_chain(company)["intact"])


@tagged("post_install", "-at_install")
class TestAccountantPortalSeals(AccountantPortalCommon):
    def test_the_accountant_downloads_the_seals_of_the_granted_company_only(self):
        self.env["invoice.activity.log.link"]._seal(self.company)
        seal = self.env["invoice.activity.log.seal"]._make_seal(self.company)
        foreign = self.env["invoice.activity.log.seal"]._make_seal(self.other_company)
        self.authenticate(self.accountant.login, self.accountant.login)
        page = self._get(self._url("/seals"))
        self.assertIn(seal.head_hash, page)
        self.assertIn(seal.key_id, page)
        self.assertEqual(self._get(self._url(f"/seals/{seal.id}")), seal.seal_text)
        self.assertIn("BEGIN PUBLIC KEY", self._get(self._url(f"/seals/key/{seal.key_id}")))
        other = f"/my/accounting/{self.other_company.id}"
        self._get(f"{other}/seals", 404)
        self._get(f"{other}/seals/{foreign.id}", 404)
        self._get(self._url(f"/seals/{foreign.id}"), 404)
        self.authenticate(self.outsider.login, self.outsider.login)
        self._get(self._url("/seals"), 404)
