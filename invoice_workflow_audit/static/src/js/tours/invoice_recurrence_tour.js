/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";

// An invoicing user makes an invoice recurring, then resolves a stopped
// recurrence from the alert of the Invoicing dashboard.
registry.category("web_tour.tours").add("invoice_recurrence_tour", {
    url: "/odoo/action-account.action_move_out_invoice_type",
    steps: () => [
        {
            content: "Open the invoice of the tour customer",
            trigger: ".o_list_view .o_data_row td:contains(Recurring Tour Customer)",
            run: "click",
        },
        {
            content: "Make it recurring",
            trigger: ".o_form_view button[name=action_make_recurring]",
            run: "click",
        },
        {
            content: "The recurrence is based on the invoice, for its customer",
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains(Recurring Tour Customer)",
        },
        {
            content: "Every 3 months",
            trigger: ".o_form_view .o_field_widget[name=interval_number] input",
            run: "edit 3",
        },
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "The recurrence got its reference and runs",
            trigger:
                ".o_form_view:has(.o_field_widget[name=name]:contains(REC/)) " +
                ".o_statusbar_status .o_arrow_button_current:contains(Running)",
        },
        {
            content: "Back to the invoice",
            trigger: ".o_breadcrumb .breadcrumb-item:not(.active) a:contains(INV/)",
            run: "click",
        },
        {
            content: "The invoice is the base of the recurrence: open it from the banner",
            trigger: ".o_form_view .alert-info .o_field_widget[name=base_recurrence_ids] button:contains(REC/)",
            run: "click",
        },
        {
            content: "The recurrence's form opens",
            trigger:
                ".o_form_view:has(.o_field_widget[name=interval_type]) " +
                ".o_field_widget[name=name]:contains(REC/)",
        },
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open Invoicing",
            trigger: ".o_app[data-menu-xmlid='account.menu_finance']",
            run: "click",
        },
        {
            content: "Go to the Invoicing dashboard",
            trigger: ".o_main_navbar [data-menu-xmlid='account.menu_board_journal_1']",
            run: "click",
        },
        {
            content: "The dashboard tells that a recurrence stopped: resolve it",
            trigger: ".o_recurrence_stopped_alert button[name=action_open_stopped_recurrences]",
            run: "click",
        },
        {
            content: "Only the stopped recurrence is listed: open it",
            trigger: ".o_invoice_recurrence_list .o_data_row td:contains(Stopped Tour Customer)",
            run: "click",
        },
        {
            content: "The cause is shown",
            trigger: ".o_form_view .alert-danger:contains(Tour Hosting is archived)",
        },
        {
            content: "Several documents are missing: only skipping or ending is offered",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_reactivate_create_missing]))",
        },
        {
            content: "Reactivate, skipping the missing documents",
            trigger: ".o_form_view button[name=action_reactivate_skip]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The recurrence runs again",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Running)",
        },
        {
            content: "The reactivation is in the chatter",
            trigger: ".o-mail-Message:contains(missing documents skipped)",
        },
    ],
});
