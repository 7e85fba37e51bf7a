/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * "Status period": a lightning icon that turns red once the time limit of the
 * document's workflow status has passed, followed by the expiry date and time.
 */
export class WorkflowStatusPeriodField extends Component {
    static template = "invoice_workflow_audit.WorkflowStatusPeriodField";
    static props = { ...standardFieldProps };

    get deadline() {
        return this.props.record.data[this.props.name];
    }

    get isOverdue() {
        return Boolean(this.props.record.data.workflow_status_overdue);
    }

    get formattedDeadline() {
        return this.deadline ? formatDateTime(this.deadline) : "";
    }

    get title() {
        return this.isOverdue
            ? _t("Status overdue since %s", this.formattedDeadline)
            : _t("Status time limit: %s", this.formattedDeadline);
    }
}

export const workflowStatusPeriodField = {
    component: WorkflowStatusPeriodField,
    displayName: _t("Workflow status period"),
    supportedTypes: ["datetime"],
    fieldDependencies: [{ name: "workflow_status_overdue", type: "boolean" }],
};

registry.category("fields").add("workflow_status_period", workflowStatusPeriodField);
