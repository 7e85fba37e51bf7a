/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";

// An invoicing user opens Time in Status: the pivot gives the hours per
// status, with the median and the 90th percentile; the graph shows them too.
registry.category("web_tour.tours").add("invoice_workflow_time_report_tour", {
    steps: () => [
        {
            content: "The pivot shows the statuses as rows",
            trigger: ".o_pivot th:contains(Tour Disputed)",
        },
        {
            content: "The median and the 90th percentile are measures",
            trigger: ".o_pivot th:contains(Hours (median)) ~ th:contains(Hours (90th percentile))",
        },
        {
            content: "Ten hours in Disputed, whatever the measure",
            trigger: ".o_pivot tr:has(th:contains(Tour Disputed)) td:contains(10.00)",
        },
        {
            content: "Switch to the graph",
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "The graph is drawn",
            trigger: ".o_graph_renderer canvas",
        },
    ],
});
