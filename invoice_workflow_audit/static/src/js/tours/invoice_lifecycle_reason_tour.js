/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";

// A buyer disputes a vendor bill: Change Status asks for the reason code of
// En litige with the comment, and both land in the chatter.
registry.category("web_tour.tours").add("invoice_lifecycle_reason_tour", {
    steps: () => [
        {
            content: "Change the status of the bill",
            trigger: ".o_form_view button[name=action_open_workflow_status_change]",
            run: "click",
        },
        {
            content: "Statuses set by the seller are not offered",
            trigger: ".modal .o_field_selection_badge:not(:has(.o_selection_badge:contains(220 Annulée)))",
        },
        {
            content: "Choose En litige",
            trigger: ".modal .o_selection_badge:contains(207 En litige)",
            run: "click",
        },
        {
            content: "Choose the reason",
            trigger: ".modal div[name=reason_id] input",
            run: "edit QTE_ERR",
        },
        {
            content: "Pick it from the list of En litige",
            trigger: ".ui-autocomplete .dropdown-item:contains(QTE_ERR)",
            run: "click",
        },
        {
            content: "Write the comment",
            trigger: ".modal div[name=comment] textarea",
            run: "edit 5 facturés, 3 livrés",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The status and its reason show on the bill",
            trigger: ".o_workflow_status_bar:contains(207 En litige):contains(QTE_ERR)",
        },
        {
            content: "The reason and the comment are in the chatter",
            trigger: ".o-mail-Message:contains(QTE_ERR):contains(5 facturés, 3 livrés)",
        },
    ],
});
