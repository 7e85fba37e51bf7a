/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";

// The accountant opens a company, goes through the tabs, filters the customer
// invoices, marks one as processed, then reads the bank transactions, a
// partner's history and the help.
registry.category("web_tour.tours").add("accountant_portal_tour", {
    url: "/my/accounting",
    steps: () => [
        {
            content: "Open the company",
            trigger: ".o_accountant_company_row a:contains(Tour Company)",
            run: "click",
        },
        {
            content: "The customer invoices tab opens with both dates",
            trigger: ".o_accountant_dates .o_accountant_books_date:contains(2026)",
        },
        {
            content: "The paid customer invoice is listed",
            trigger: ".o_accountant_document:contains(Tour Customer Paid) .o_accountant_paid",
        },
        {
            content: "The open one too",
            trigger: ".o_accountant_document:contains(Tour Customer Open) .o_accountant_unpaid",
        },
        {
            content: "Open the vendor bills",
            trigger: ".o_accountant_tabs a[data-kind=in_invoice]",
            run: "click",
        },
        {
            content: "The bill is listed",
            trigger: ".o_accountant_tabs a[data-kind=in_invoice].active",
        },
        {
            content: "Its supplier shows",
            trigger: ".o_accountant_document:contains(Tour Supplier)",
        },
        {
            content: "Back to the customer invoices",
            trigger: ".o_accountant_tabs a[data-kind=out_invoice]",
            run: "click",
        },
        {
            content: "The customer invoices are back",
            trigger: ".o_accountant_tabs a[data-kind=out_invoice].active",
        },
        {
            content: "Keep the unpaid ones",
            trigger: "select#accountant_filter",
            run: "select unpaid",
        },
        {
            content: "Apply",
            trigger: ".o_accountant_apply",
            run: "click",
        },
        {
            content: "Only the open invoice is left",
            trigger: ".o_portal_my_doc_table:not(:has(.o_accountant_document:contains(Tour Customer Paid))) .o_accountant_document:contains(Tour Customer Open)",
        },
        {
            content: "Mark it as processed",
            trigger: ".o_accountant_document:contains(Tour Customer Open) .o_accountant_unprocessed",
            run: "click",
        },
        {
            content: "It is processed, and the filter is kept",
            trigger: ".o_accountant_document:contains(Tour Customer Open) .o_accountant_processed",
        },
        {
            content: "Keep the unpaid and not processed ones",
            trigger: "select#accountant_filter",
            run: "select unpaid_unprocessed",
        },
        {
            content: "Apply",
            trigger: ".o_accountant_apply",
            run: "click",
        },
        {
            content: "Nothing left to process",
            trigger: ".o_accountant_empty",
        },
        {
            content: "Open the bank transactions",
            trigger: ".o_accountant_tabs a[data-kind=financial]",
            run: "click",
        },
        {
            content: "The bank line is listed",
            trigger: ".o_accountant_bank_line:contains(Tour bank transfer)",
        },
        {
            content: "Open the history",
            trigger: ".o_accountant_tabs a[data-kind=history]",
            run: "click",
        },
        {
            content: "Search the paying customer",
            trigger: "input#accountant_partner",
            run: "edit Tour Customer Paid",
        },
        {
            content: "Show the history (one partner matches: it opens)",
            trigger: ".o_accountant_apply",
            run: "click",
        },
        {
            content: "Invoice then payment: the running balance is back to zero",
            trigger: ".o_accountant_history_line .o_accountant_balance[data-balance='0.00']",
        },
        {
            content: "Open the help",
            trigger: "a[href='/my/accounting/help']:first",
            run: "click",
        },
        {
            content: "The FAQ and the guide are there",
            trigger: ".o_accountant_faq ~ a, a.o_accountant_guide",
        },
    ],
});
