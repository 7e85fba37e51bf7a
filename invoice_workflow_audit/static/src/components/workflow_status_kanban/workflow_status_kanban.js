/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { kanbanView } from "@web/views/kanban/kanban_view";

/**
 * The status board asks, it does not refuse: a card dropped into a status that
 * needs a comment or a reason code opens Change Status with that status chosen,
 * instead of answering an error. After any drop the server refused, the board
 * is reloaded so that cards and column counters say what the server holds.
 */
export class WorkflowStatusKanbanRenderer extends KanbanRenderer {
    setup() {
        super.setup();
        this.orm = useService("orm");
        this.actionService = useService("action");
    }

    async sortRecordDrop(dataRecordId, dataGroupId, params) {
        const list = this.props.list;
        const targetGroup =
            list.isGrouped &&
            list.groupByField?.name === "workflow_status_id" &&
            params.parent &&
            list.groups.find((group) => group.id === params.parent.dataset.id);
        if (targetGroup && targetGroup.id !== dataGroupId && targetGroup.value) {
            const [status] = await this.orm.read(
                "invoice.workflow.status",
                [targetGroup.value],
                ["requires_input"]
            );
            if (status?.requires_input) {
                params.parent.classList.remove("o_kanban_hover");
                const sourceGroup = list.groups.find((group) => group.id === dataGroupId);
                const record = sourceGroup.list.records.find((rec) => rec.id === dataRecordId);
                const action = await this.orm.call("account.move", "action_open_workflow_status_change", [
                    [record.resId],
                ]);
                await this.actionService.doAction(action, {
                    additionalContext: { default_status_id: targetGroup.value },
                    onClose: () => list.model.load(),
                });
                return;
            }
        }
        try {
            await super.sortRecordDrop(...arguments);
        } catch (error) {
            await list.model.load();
            throw error;
        }
    }
}

export const workflowStatusKanbanView = {
    ...kanbanView,
    Renderer: WorkflowStatusKanbanRenderer,
};

registry.category("views").add("workflow_status_kanban", workflowStatusKanbanView);
