/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";

// The account owner filters the activity history by action family and period,
// then opens the document of a row.
registry.category("web_tour.tours").add("invoice_activity_log_tour", {
    url: "/odoo/action-invoice_workflow_audit.action_invoice_activity_log",
    steps: () => [
        {
            content: "The history opens on the last 30 days",
            trigger: ".o_searchview_facet:contains(Last 30 Days)",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Keep only status changes (a posting is one)",
            trigger: ".o_filter_menu .o_menu_item:contains(Status Changes)",
            run: "click",
        },
        {
            content: "Creations are not listed, the posting is",
            trigger: ".o_list_view:not(:has(.o_data_cell:contains(Document created))) .o_data_row .o_data_cell:contains(Document posted)",
        },
        {
            content: "Open the posting",
            trigger: ".o_data_row .o_data_cell:contains(Document posted)",
            run: "click",
        },
        {
            content: "Open its document",
            trigger: ".o_form_view .o_field_widget[name=res_id] a",
            run: "click",
        },
        {
            content: "The invoice opens",
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains(Activity Tour Customer)",
        },
    ],
});
