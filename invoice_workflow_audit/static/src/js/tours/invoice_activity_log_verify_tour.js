/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";

// The account owner verifies the history: the dialog stays open on the
// outcome, then closes; Verify opened again shows the last verification.
registry.category("web_tour.tours").add("invoice_activity_log_verify_tour", {
    url: "/odoo/action-invoice_workflow_audit.action_invoice_activity_log",
    steps: () => [
        {
            content: "Open Verify Integrity",
            trigger: "button[name=action_verify_integrity]",
            run: "click",
        },
        {
            content: "Verify",
            trigger: ".modal button[name=action_verify]",
            run: "click",
        },
        {
            content: "The outcome is in the dialog",
            trigger: ".modal .o_iwa_verify_result.alert-success:contains(is intact)",
        },
        {
            content: "With the chain's length and last hash",
            trigger: ".modal .o_field_widget[name=head_hash]:not(:empty)",
        },
        {
            content: "Close the dialog",
            trigger: ".modal .o_iwa_verify_close",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Open Verify Integrity again",
            trigger: "button[name=action_verify_integrity]",
            run: "click",
        },
        {
            content: "The last verification is shown",
            trigger: ".modal .o_iwa_verify_last:contains(Intact):contains(is intact)",
        },
        {
            content: "Cancel",
            trigger: ".modal .modal-footer button:contains(Cancel)",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
