# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An account owner of one company, pointing at another company's id
(as any RPC client may: create/write values, context), reads and changes
nothing of that company's history: Verify Integrity and archives."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .test_activity_log_chain import ActivityLogChainCommon

VERIFY = "invoice.activity.log.verify"


@tagged("post_install", "-at_install")
class TestActivityLogOtherCompanyDoors(ActivityLogChainCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company()["company"]
        # What the other company's owner left there: a verification outcome.
        cls.other_company.sudo()._write_protected(
            {
                "activity_log_verify_result": "The history of the other company is intact.",
                "activity_log_verify_result_type": "success",
            }
        )

    def test_verify_wizard_of_another_company_is_refused(self):
        Verify = self.env[VERIFY].with_user(self.owner)
        with self.assertRaises(AccessError):
            Verify.create({"company_id": self.other_company.id})
        wizard = Verify.create({})
        self.assertEqual(wizard.company_id, self.company)
        with self.assertRaises(AccessError):
            wizard.write({"company_id": self.other_company.id})
        self.assertNotIn("other company", wizard.last_result or "")

    def test_the_context_does_not_open_another_company(self):
        # allowed_company_ids naming a company the owner does not belong to
        # is not honoured by Odoo; the wizard stays on the owner's company.
        Verify = (
            self.env[VERIFY].with_user(self.owner).with_context(allowed_company_ids=[self.other_company.id])
        )
        with self.assertRaises(AccessError):
            Verify.create({"company_id": self.other_company.id})

    def test_archive_of_another_company_is_refused(self):
        Archive = self.env["invoice.activity.log.archive"].with_user(self.owner)
        with self.assertRaises(AccessError):
            archive = Archive.create(
                {"company_id": self.other_company.id, "date_from": "2026-01-01", "date_to": "2026-01-31"}
            )
            archive.action_generate()
        foreign = (
            self.env["invoice.activity.log.archive"]
            .sudo()
            .create({"company_id": self.other_company.id, "date_from": "2026-01-01", "date_to": "2026-01-31"})
        )
        with self.assertRaises(AccessError):
            foreign.with_user(self.owner).action_generate()
        foreign.invalidate_recordset()
        self.assertEqual(foreign.state, "draft")
