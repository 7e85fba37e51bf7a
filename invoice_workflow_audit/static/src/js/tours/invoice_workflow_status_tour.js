/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";

// An invoicing user opens an invoice from the list, moves it to a status that
// requires a comment, and finds the change and the comment in the chatter.
registry.category("web_tour.tours").add("invoice_workflow_status_tour", {
    url: "/odoo/action-account.action_move_out_invoice_type",
    steps: () => [
        {
            content: "Open the invoice of the tour customer",
            trigger: ".o_list_view .o_data_row td:contains(Workflow Tour Customer)",
            run: "click",
        },
        {
            content: "The invoice shows its current status",
            trigger: ".o_workflow_status_bar .badge:contains(In progress)",
        },
        {
            content: "Change its status",
            trigger: ".o_form_view button[name=action_open_workflow_status_change]",
            run: "click",
        },
        {
            content: "Only the allowed next statuses are offered",
            trigger: ".modal .o_selection_badge:contains(Tour Disputed)",
        },
        {
            content: "A status that is not reachable is not offered",
            trigger: ".modal .o_field_selection_badge:not(:has(.o_selection_badge:contains(Tour Unreachable)))",
        },
        {
            content: "Choose the status that requires a comment",
            trigger: ".modal .o_selection_badge:contains(Tour Disputed)",
            run: "click",
        },
        {
            content: "Write the comment",
            trigger: ".modal div[name=comment] textarea",
            run: "edit The customer disputes the unit price",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The new status shows on the invoice",
            trigger: ".o_workflow_status_bar .badge:contains(Tour Disputed)",
        },
        {
            content: "The comment is in the chatter with the status change",
            trigger: ".o-mail-Message:contains(The customer disputes the unit price):contains(Tour Disputed)",
        },
    ],
});
