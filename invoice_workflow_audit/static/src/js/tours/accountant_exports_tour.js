/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";

// The accountant opens the Exports tab, downloads the CSV batch of January
// 2026 and finds it listed, with its counts.
registry.category("web_tour.tours").add("accountant_exports_tour", {
    steps: () => [
        {
            content: "Open the Exports tab",
            trigger: ".o_accountant_tabs a[data-kind=exports]",
            run: "click",
        },
        {
            content: "No batch yet",
            trigger: ".o_accountant_tabs a[data-kind=exports].active",
        },
        {
            content: "A month",
            trigger: "select#accountant_export_period",
            run: "select month",
        },
        {
            content: "January 2026",
            trigger: "input#accountant_export_month",
            run() {
                this.anchor.value = "2026-01";
            },
        },
        {
            content: "As CSV",
            trigger: "select#accountant_export_format",
            run: "select csv",
        },
        {
            content: "Download",
            trigger: ".o_accountant_export_download",
            run: "click",
        },
        {
            content: "Back to the list of batches",
            trigger: ".o_accountant_tabs a[data-kind=exports]",
            run: "click",
        },
        {
            content: "The batch of January is listed, as CSV, not changed since",
            trigger:
                ".o_accountant_batch:has(.o_accountant_batch_period:contains(2026-01)):has(.o_accountant_batch_format:contains(CSV)):has(.o_accountant_batch_collected)",
        },
    ],
});
