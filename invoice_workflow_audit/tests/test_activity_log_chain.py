# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import json

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..models.activity_log.invoice_activity_log_link import canonical_text, link_hash
from .common import WorkflowStatusCommon


class ActivityLogChainCommon(WorkflowStatusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.owner = new_test_user(
            cls.env,
            login="iwa_chain_owner",
            groups="invoice_workflow_audit.group_account_owner",
            email="owner@example.com",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.company.with_user(cls.owner).activity_log_enabled = True

    def _links(self, company=None):
        self.env.cr.execute(
            SQL(
                "SELECT log_id, position, hash FROM invoice_activity_log_link"
                " WHERE company_id = %s ORDER BY position",
                (company or self.company).id,
            )
        )
        return self.env.cr.fetchall()

    def _seal(self):
        self._flush_tracking()
        return self.env["invoice.activity.log.link"]._seal(self.company)

    def _verify(self, seal_text=None):
        """Verify as the owner: the outcome the dialog shows, as {"type", "message"}."""
        wizard = (
            self.env["invoice.activity.log.verify"].with_user(self.owner).create({"seal_text": seal_text})
        )
        return self._verify_outcome(wizard)

    def _verify_outcome(self, wizard):
        action = wizard.action_verify()
        # The dialog stays open on the same wizard, which shows the outcome.
        self.assertEqual(
            (action["res_model"], action["res_id"], action["target"]), (wizard._name, wizard.id, "new")
        )
        self.assertEqual(wizard.state, "done")
        return {"type": wizard.result_type, "message": wizard.result}

    def _sealed_history(self, documents=3):
        for _i in range(documents):
            self._posted_invoice()
        self._seal()
        return self._links()


@tagged("post_install", "-at_install")
class TestActivityLogSealing(ActivityLogChainCommon):
    """Writers insert; the sealer chains the rows afterwards, each once."""

    def test_writers_only_insert_and_the_sealer_chains_each_row_once(self):
        self._posted_invoice()
        rows = self._log_rows(company_id=self.company.id)
        self.assertTrue(rows)
        self.assertEqual(rows.mapped("chain_position"), [0] * len(rows), "not sealed by the writer")
        self.assertEqual(self._seal(), len(rows))
        links = self._links()
        self.assertEqual([position for _id, position, _hash in links], list(range(1, len(rows) + 1)))
        self.assertEqual({log_id for log_id, _p, _h in links}, set(rows.ids))
        self.assertEqual(self._seal(), 0, "a second run has nothing to seal")
        self.assertEqual(len(self._links()), len(rows))
        self.assertEqual(self._verify()["type"], "success")

    def test_the_chain_order_is_the_sealing_order(self):
        first = self._sealed_history(1)
        self._posted_invoice()
        self._seal()
        links = self._links()
        self.assertEqual(links[: len(first)], first, "sealed links never move")
        # Each hash covers the previous one.
        Link = self.env["invoice.activity.log.link"]
        row = Link._fetch_rows(SQL("SELECT %s AS id", links[len(first)][0]))[0]
        self.assertEqual(link_hash(first[-1][2], canonical_text(row)), links[len(first)][2])

    def test_nobody_writes_the_chain(self):
        self._sealed_history(1)
        link = (
            self.env["invoice.activity.log.link"]
            .sudo()
            .search([("company_id", "=", self.company.id)], limit=1)
        )
        for record in (link.sudo(), link.with_user(self.owner)):
            with self.assertRaises(AccessError):
                record.write({"hash": "forged"})
            with self.assertRaises(AccessError):
                record.unlink()
        with self.assertRaises(AccessError):
            self.env["invoice.activity.log.link"].sudo().create({"position": 99})


@tagged("post_install", "-at_install")
class TestActivityLogIntegrity(ActivityLogChainCommon):
    """Verify Integrity catches what a database superuser can do."""

    def test_a_changed_row_is_caught_at_its_position(self):
        links = self._sealed_history()
        log_id, position, _hash = links[len(links) // 2]
        self.env.cr.execute(
            SQL("UPDATE invoice_activity_log SET description = 'forged' WHERE id = %s", log_id)
        )
        result = self._verify()
        self.assertEqual(result["type"], "danger")
        self.assertIn(f"position {position}", result["message"])
        self.assertIn("changed", result["message"])

    def test_a_deleted_middle_row_is_caught(self):
        links = self._sealed_history()
        log_id, position, _hash = links[1]
        self.env.cr.execute(SQL("DELETE FROM invoice_activity_log_link WHERE log_id = %s", log_id))
        self.env.cr.execute(SQL("DELETE FROM invoice_activity_log WHERE id = %s", log_id))
        result = self._verify()
        self.assertEqual(result["type"], "danger")
        self.assertIn(f"position {position}", result["message"])

    def test_a_row_deleted_under_its_link_is_named(self):
        # Links carry no foreign key (the sealer does not lock the rows it
        # chains): a row deleted in SQL, its link left, is named by Verify.
        links = self._sealed_history()
        log_id, position, _hash = links[1]
        self.env.cr.execute(SQL("DELETE FROM invoice_activity_log WHERE id = %s", log_id))
        result = self._verify()
        self.assertEqual(result["type"], "danger")
        self.assertIn(f"position {position} (#{log_id}", result["message"])
        self.assertIn("deleted", result["message"])

    def test_a_row_taken_out_of_the_chain_is_caught(self):
        self._sealed_history(1)
        self._posted_invoice()
        self._flush_tracking()
        # Its pending entry removed, a row would never be sealed.
        self.env.cr.execute(
            SQL("DELETE FROM invoice_activity_log_pending WHERE company_id = %s", self.company.id)
        )
        result = self._verify()
        self.assertEqual(result["type"], "danger")
        self.assertIn("taken out of the chain", result["message"])

    def test_a_deleted_tail_and_a_rewritten_chain_are_caught_against_a_seal(self):
        links = self._sealed_history()
        seal = self.env["invoice.activity.log"].with_user(self.owner).action_download_seal()
        self.assertEqual(seal["type"], "ir.actions.act_url")
        seal_text = (
            self.env["invoice.activity.log.seal"]
            .sudo()
            .search([("company_id", "=", self.company.id)])[:1]
            .seal_text
        )
        self.assertEqual(json.loads(seal_text)["position"], len(links))
        intact = self._verify(seal_text)
        self.assertEqual(intact["type"], "success")
        self.assertIn("still holds the seal", intact["message"])

        # The last rows and their links deleted: the seal kept in the database
        # no longer holds; deleted too, the chain alone looks whole.
        cr = self.env.cr
        tail = [log_id for log_id, _p, _h in links[-2:]]
        cr.execute(SQL("DELETE FROM invoice_activity_log_link WHERE log_id IN %s", tuple(tail)))
        cr.execute(SQL("DELETE FROM invoice_activity_log WHERE id IN %s", tuple(tail)))
        caught = self._verify()
        self.assertEqual(caught["type"], "danger")
        self.assertIn("seal kept in the database", caught["message"])
        cr.execute(SQL("DELETE FROM invoice_activity_log_seal WHERE company_id = %s", self.company.id))
        self.assertEqual(self._verify()["type"], "success")
        removed = self._verify(seal_text)
        self.assertEqual(removed["type"], "danger")
        self.assertIn("Rows were removed", removed["message"])

        # Everything deleted and hashed again from scratch, more rows than sealed.
        cr.execute(SQL("DELETE FROM invoice_activity_log_link WHERE company_id = %s", self.company.id))
        cr.execute(SQL("DELETE FROM invoice_activity_log WHERE company_id = %s", self.company.id))
        self._sealed_history(len(links))
        self.assertEqual(self._verify()["type"], "success")
        rewritten = self._verify(seal_text)
        self.assertEqual(rewritten["type"], "danger")
        self.assertIn("rewritten", rewritten["message"])

    def test_a_forged_or_foreign_seal_is_refused(self):
        self._sealed_history(1)
        seal = self.env["invoice.activity.log.seal"]._make_seal(self.company)
        values = json.loads(seal.seal_text)
        values["position"] += 1
        with self.assertRaisesRegex(UserError, "signature"):
            self._verify(json.dumps(values))
        with self.assertRaisesRegex(UserError, "not a seal"):
            self._verify("hello")
        other = self.setup_other_company()["company"]
        self.owner.company_ids |= other
        foreign = self.env["invoice.activity.log.seal"]._make_seal(other)
        with self.assertRaisesRegex(UserError, "not of"):
            self._verify(foreign.seal_text)
        # The seal as a file, as the owner downloaded it.
        wizard = (
            self.env["invoice.activity.log.verify"]
            .with_user(self.owner)
            .create({"seal_file": base64.b64encode(seal.seal_text.encode())})
        )
        self.assertEqual(self._verify_outcome(wizard)["type"], "success")

    def test_only_the_owner_verifies_and_seals(self):
        for user in (self.invoice_user, self.status_manager):
            with self.assertRaises(AccessError):
                self.env["invoice.activity.log"].with_user(user).action_verify_integrity()
            with self.assertRaises(AccessError):
                self.env["invoice.activity.log"].with_user(user).action_download_seal()
            with self.assertRaises(AccessError):
                self.env["invoice.activity.log.verify"].with_user(user).create({})

    def test_the_daily_seal_is_e_mailed_to_the_owners(self):
        self._sealed_history(1)
        self.env["invoice.activity.log.seal"]._cron_mail_seals()
        mail = self.env["mail.mail"].search(
            [("email_to", "ilike", "owner@example.com")], order="id desc", limit=1
        )
        self.assertTrue(mail, "the owner receives the seal")
        self.assertEqual(len(mail.attachment_ids), 1)
        seal = json.loads(base64.b64decode(mail.attachment_ids.datas))
        self.assertEqual(seal["position"], len(self._links()))
        self.assertEqual(self._verify(json.dumps(seal, indent=1, sort_keys=True))["type"], "success")

    def test_granting_the_owner_group_is_logged(self):
        group = self.env.ref("invoice_workflow_audit.group_account_owner")
        self.invoice_user.groups_id |= group
        granted = self._log_rows(company_id=self.company.id, action_type="owner_granted")
        self.assertEqual(len(granted), 1)
        self.assertIn(self.invoice_user.login, granted.description)
        group.users -= self.invoice_user
        self.assertEqual(len(self._log_rows(company_id=self.company.id, action_type="owner_revoked")), 1)

    def test_owners_are_told_of_a_new_owner_each_in_their_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["invoice_workflow_audit"], ["fr_FR"], overwrite=True)
        french_owner = new_test_user(
            self.env,
            login="iwa_chain_owner_fr",
            groups="invoice_workflow_audit.group_account_owner",
            email="proprietaire@example.com",
            company_id=self.company.id,
            company_ids=[self.company.id],
            lang="fr_FR",
        )
        self.owner.lang = "en_US"
        self.invoice_user.groups_id |= self.env.ref("invoice_workflow_audit.group_account_owner")
        mails = self.env["mail.mail"].search(
            [("subject", "ilike", self.company.name)], order="id desc", limit=2
        )
        by_recipient = {mail.email_to: mail for mail in mails}
        english = next(mail for to, mail in by_recipient.items() if "owner@example.com" in to)
        french = next(mail for to, mail in by_recipient.items() if "proprietaire@example.com" in to)
        self.assertNotIn("proprietaire@", english.email_to)
        self.assertIn("was granted the account owner rights", str(english.body_html))
        self.assertNotIn("was granted", str(french.body_html))
        self.assertIn(self.invoice_user.name, str(french.body_html))
        self.assertTrue(french_owner)


@tagged("post_install", "-at_install")
class TestActivityLogConcurrency(WorkflowStatusCommon):
    """Real concurrent transactions: writers never wait nor fail because of
    the history; sealers never chain a row twice."""

    def setUp(self):
        super().setUp()
        self.registry_company = self.env.ref("base.main_company")
        self.marker = f"iwa concurrency {self.id()}"
        with self.registry.cursor() as cr:
            cr.execute(
                SQL("SELECT activity_log_enabled FROM res_company WHERE id = %s", self.registry_company.id)
            )
            [[enabled]] = cr.fetchall()
            cr.execute(
                SQL(
                    "UPDATE res_company SET activity_log_enabled = TRUE WHERE id = %s",
                    self.registry_company.id,
                )
            )

        def cleanup():
            with self.registry.cursor() as cr:
                cr.execute(
                    SQL(
                        "DELETE FROM invoice_activity_log_link WHERE log_id IN"
                        " (SELECT id FROM invoice_activity_log WHERE description LIKE %s)",
                        f"{self.marker}%",
                    )
                )
                cr.execute(
                    SQL("DELETE FROM invoice_activity_log WHERE description LIKE %s", f"{self.marker}%")
                )
                cr.execute(
                    SQL(
                        "UPDATE res_company SET activity_log_enabled = %s WHERE id = %s",
                        enabled,
                        self.registry_company.id,
                    )
                )

        self.addCleanup(cleanup)

    def _log(self, cr, label):
        """What a user request does: an action logged, then the commit work."""
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["invoice.activity.log"]._log_action(
            env["res.company"].browse(self.registry_company.id),
            "document_modified",
            f"{self.marker}: {label}",
        )
        cr.precommit.run()

    def test_overlapping_writers_all_commit_and_each_row_is_sealed_once(self):
        cursors = [self.registry.cursor() for _i in range(4)]
        try:
            for cr in cursors:
                cr.execute("SELECT 1")  # every transaction starts before any logs
            for index, cr in enumerate(cursors):
                self._log(cr, f"writer {index}")
            # The last to log commits first: none of them fails.
            for cr in reversed(cursors):
                # Real transactions of their own, cleaned up by setUp's cleanup.
                cr.commit()  # pylint: disable=invalid-commit
            sealer, other = self.registry.cursor(), self.registry.cursor()
            try:
                Link = api.Environment(sealer, SUPERUSER_ID, {})["invoice.activity.log.link"]
                Other = api.Environment(other, SUPERUSER_ID, {})["invoice.activity.log.link"]
                company = Link.env["res.company"].browse(self.registry_company.id)
                self.assertGreaterEqual(Link._seal(company), 4)
                # A second sealer at the same time skips the company, never waits.
                self.assertEqual(Other._seal(Other.env["res.company"].browse(company.id)), 0)
                sealer.commit()
                other.rollback()
            finally:
                sealer.close()
                other.close()
        finally:
            for cr in cursors:
                cr.close()
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT count(*), count(DISTINCT k.position) FROM invoice_activity_log log"
                    " JOIN invoice_activity_log_link k ON k.log_id = log.id WHERE log.description LIKE %s",
                    f"{self.marker}%",
                )
            )
            self.assertEqual(cr.fetchone(), (4, 4))
            env = api.Environment(cr, SUPERUSER_ID, {})
            report = env["invoice.activity.log.link"]._verify_chain(env["res.company"].browse(company.id))
            self.assertTrue(report["intact"], report)

    def test_a_row_committed_late_is_chained_after_the_rows_sealed_before(self):
        late, early = self.registry.cursor(), self.registry.cursor()
        try:
            late.execute("SELECT 1")
            self._log(late, "late")  # takes the smaller id
            self._log(early, "early")
            early.commit()
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["invoice.activity.log.link"]._seal(env["res.company"].browse(self.registry_company.id))
            late.commit()
        finally:
            late.close()
            early.close()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].browse(self.registry_company.id)
            env["invoice.activity.log.link"]._seal(company)
            cr.execute(
                SQL(
                    "SELECT log.description FROM invoice_activity_log log"
                    " JOIN invoice_activity_log_link k ON k.log_id = log.id"
                    " WHERE log.description LIKE %s ORDER BY k.position",
                    f"{self.marker}%",
                )
            )
            self.assertEqual(
                [row[0] for row in cr.fetchall()], [f"{self.marker}: early", f"{self.marker}: late"]
            )
            self.assertTrue(env["invoice.activity.log.link"]._verify_chain(company)["intact"])
