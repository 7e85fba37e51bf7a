/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";

// On the status board, a card dropped into a status that requires a comment
// opens Change Status with that status chosen; once the comment is given, the
// card lands in the column and the counters follow.
registry.category("web_tour.tours").add("invoice_workflow_board_tour", {
    steps: () => [
        {
            content: "Drop a card where it may not go: a Paid status for an unpaid invoice",
            trigger: ".o_kanban_record:contains(Board Refused Customer)",
            run: "drag_and_drop (.o_kanban_group:has(.o_column_title:contains(Board Paid)))",
        },
        {
            content: "The server's refusal is shown",
            trigger: ".modal:contains(not fully paid) .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The card is back in its column",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains(In progress)) .o_kanban_record:contains(Board Refused Customer)",
        },
        {
            content: "Every column counter says what the column holds",
            trigger: "body:not(:has(.modal))",
            async run() {
                // The counters animate towards their value: give them a few seconds.
                let wrong = "";
                for (let attempt = 0; attempt < 30; attempt++) {
                    wrong = "";
                    for (const group of document.querySelectorAll(".o_kanban_group")) {
                        const counter = group.querySelector(".o_kanban_counter .o_animated_number");
                        const cards = group.querySelectorAll(".o_kanban_record").length;
                        if (counter && parseInt(counter.textContent || "0") !== cards) {
                            wrong = `Column counter ${counter.textContent} for ${cards} cards`;
                        }
                    }
                    if (!wrong) {
                        return;
                    }
                    await new Promise((resolve) => setTimeout(resolve, 200));
                }
                throw new Error(wrong);
            },
        },
        {
            content: "Drop the card of the tour customer into the status that requires a comment",
            trigger: ".o_kanban_record:contains(Board Tour Customer)",
            run: "drag_and_drop (.o_kanban_group:has(.o_column_title:contains(Board Disputed)))",
        },
        {
            content: "Change Status opens with that status chosen",
            trigger: ".modal .o_selection_badge.active:contains(Board Disputed)",
        },
        {
            content: "Write the comment",
            trigger: ".modal div[name=comment] textarea",
            run: "edit The customer disputes the quantity",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The card landed in the column",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains(Board Disputed)) .o_kanban_record:contains(Board Tour Customer)",
        },
    ],
});
