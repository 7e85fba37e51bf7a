# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import namedtuple

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from ..common import STATUS_GROUP_COLORS, STATUS_GROUPS
from .lifecycle_codes import (
    COMPLETED_CODE,
    FINAL_CODES,
    LIFECYCLE_CODES,
    LIFECYCLE_SET_BY,
    LIFECYCLE_SIDES,
    REASON_REQUIRED_CODES,
    SUSPENDED_CODE,
    is_set_from_outside,
)

# The people who run the workflow: a status restricted to some groups hides its
# documents from the other users, never from them. The account owner answers
# for the books and their history, the status managers configure the statuses
# (a status must not hide its documents from whoever made it), the accounting
# administrators close the periods: each needs every document.
WORKFLOW_RUNNER_GROUPS = (
    "invoice_workflow_audit.group_account_owner",
    "invoice_workflow_audit.group_invoice_workflow_manager",
    "account.group_account_manager",
)
# What the documents' computes need of a status (_status_facts).
StatusFacts = namedtuple(
    "StatusFacts",
    [
        "group",
        "company_id",
        "time_limit_hours",
        "escalation_hours",
        "hold_payment",
        "hold_posting",
        "hold_sending",
        "lifecycle_code",
        "lifecycle_received",
    ],
)
NO_STATUS = StatusFacts(False, False, 0.0, 0.0, False, False, False, False, False)

# How many of the users a restricted status hides its documents from are named.
VISIBILITY_WARNING_NAMES = 5


class InvoiceWorkflowStatus(models.Model):
    _name = "invoice.workflow.status"
    _description = "Invoice Workflow Status"
    _order = "sequence, id"
    _inherit = ["invoice.activity.log.mixin"]
    _check_company_auto = True

    _activity_log_created = "status_config_created"
    _activity_log_deleted = "status_config_deleted"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=lambda self: self._default_sequence())
    group = fields.Selection(
        STATUS_GROUPS,
        required=True,
        default="in_progress",
        help="Decides the colour of the status and its accounting meaning: "
        "New = draft, In progress = posted and not paid, Paid = fully paid, "
        "Cancelled = cancelled. Posting, payment, cancellation and reset to draft "
        "move a document to the first status of the matching group.",
    )
    is_automatic = fields.Boolean(
        string="Automatic",
        help="Posting, payment, cancellation and reset to draft put documents in the automatic "
        "status of the matching group. One per group and company; it is available to everyone "
        "and requires no comment, so that these operations never fail because of a status.",
    )
    color = fields.Integer(compute="_compute_color")
    description = fields.Text(translate=True, help="What this status means for the people who use it.")
    time_limit_hours = fields.Float(
        string="Time Limit (hours)",
        help="How long a document may stay in this status. Past it, the document is "
        "marked overdue and its responsible gets a to-do activity. 0 means no limit.",
    )
    escalation_hours = fields.Float(
        string="Escalation After (hours)",
        help="Optional: this long after the time limit expired, the status managers get an activity "
        "and the document shows as escalated. 0 means no escalation.",
    )
    require_comment = fields.Boolean(
        string="Comment Required",
        help="Moving a document into this status requires a comment, which is posted in its chatter.",
    )
    group_ids = fields.Many2many(
        "res.groups",
        "invoice_workflow_status_res_groups_rel",
        "status_id",
        "group_id",
        string="Available To",
        help="Only members of these groups see documents in this status and may move "
        "documents into it. Leave empty for everyone. The account owner, the status managers "
        "and the accounting administrators always see the documents.",
    )
    visibility_warning = fields.Text(
        compute="_compute_visibility_warning",
        help="Who stops seeing the documents in this status because of its groups.",
    )
    next_status_ids = fields.Many2many(
        "invoice.workflow.status",
        "invoice_workflow_status_transition_rel",
        "from_status_id",
        "to_status_id",
        string="May Move To",
        help="The statuses a document in this status may be moved to by hand.",
    )
    previous_status_ids = fields.Many2many(
        "invoice.workflow.status",
        "invoice_workflow_status_transition_rel",
        "to_status_id",
        "from_status_id",
        string="May Come From",
        help="The statuses from which a document may be moved to this one. "
        "On an existing status, edit this from the other statuses (their "
        "'May Move To'), so that a sequence configured there is not broken here.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the status between all companies.",
    )
    move_count = fields.Integer(string="Documents", compute="_compute_move_count")
    # The French e-invoicing lifecycle (readme/USAGE.md, "E-invoicing lifecycle").
    lifecycle_code = fields.Selection(
        LIFECYCLE_CODES,
        index="btree_not_null",
        help="The e-invoicing lifecycle status (flux 6) this status stands for: what is sent to "
        "or received from the e-invoicing platform while a document is in it.",
    )
    lifecycle_side = fields.Selection(
        LIFECYCLE_SIDES,
        help="The documents this lifecycle status applies to: customer invoices and credit notes, "
        "or vendor bills and refunds. Other documents cannot be moved into it.",
    )
    lifecycle_set_by = fields.Selection(
        LIFECYCLE_SET_BY,
        string="Set By",
        help="Who sets this lifecycle status. Statuses set by a platform or by the other party are "
        "received from the e-invoicing platform: users cannot move documents into them by hand.",
    )
    lifecycle_received = fields.Boolean(
        string="Received from the Platform",
        compute="_compute_lifecycle_received",
        help="Set by a platform or by the other party: documents enter this status only when the "
        "e-invoicing platform reports it, never by hand.",
    )
    requires_input = fields.Boolean(
        compute="_compute_requires_input",
        help="Entering this status asks for a comment or a reason code: the status board opens "
        "Change Status instead of moving the card.",
    )
    hold_payment = fields.Boolean(
        string="Hold Payments",
        help="While a document is in this status, registering or reconciling a payment on it is refused.",
    )
    hold_posting = fields.Boolean(
        help="While a document is in this status, posting it is refused.",
    )
    hold_sending = fields.Boolean(
        help="While a document is in this status, sending it is refused.",
    )

    @api.depends("group")
    def _compute_color(self):
        for status in self:
            status.color = STATUS_GROUP_COLORS[status.group][0] if status.group else 0

    @api.depends("require_comment", "lifecycle_code")
    def _compute_requires_input(self):
        for status in self:
            status.requires_input = status.require_comment or status.lifecycle_code in REASON_REQUIRED_CODES

    @api.depends("lifecycle_side", "lifecycle_set_by")
    def _compute_lifecycle_received(self):
        for status in self:
            status.lifecycle_received = is_set_from_outside(status.lifecycle_side, status.lifecycle_set_by)

    @api.depends("group_ids", "company_id")
    def _compute_visibility_warning(self):
        runners = self._workflow_runner_groups()
        for status in self:
            status.visibility_warning = status._visibility_warning(runners) if status.group_ids else False

    def _visibility_warning(self, runners):
        self.ensure_one()
        # sudo: the status manager learns who the status hides documents from,
        # whatever the access rights on users and their groups.
        domain = [("share", "=", False), ("groups_id", "not in", (self.group_ids | runners).ids)]
        if self.company_id:
            domain.append(("company_ids", "in", self.company_id.ids))
        Users = self.env["res.users"].sudo()
        count = Users.search_count(domain)
        if not count:
            return False
        names = Users.search(domain, order="name, id", limit=VISIBILITY_WARNING_NAMES).mapped("name")
        if count > len(names):
            names.append("…")
        return self.env._(
            "Internal users outside these groups will not see documents in this status: %(users)s "
            "(%(count)s users). The account owner, the status managers and the accounting "
            "administrators always see them.",
            users=", ".join(names),
            count=count,
        )

    def _compute_move_count(self):
        counts = dict(
            self.env["account.move"]._read_group(
                [("workflow_status_id", "in", self.ids)],
                ["workflow_status_id"],
                ["__count"],
            )
        )
        for status in self:
            status.move_count = counts.get(status, 0)

    @api.model
    def _default_sequence(self):
        # A new status goes after the existing ones.
        last = self.with_context(active_test=False).search([], order="sequence desc", limit=1)
        return last.sequence + 10 if last else 10

    @api.constrains("time_limit_hours", "escalation_hours")
    def _check_time_limit_hours(self):
        if any(status.time_limit_hours < 0 or status.escalation_hours < 0 for status in self):
            raise ValidationError(
                self.env._("The time limit and the escalation delay of a status cannot be negative.")
            )
        if any(status.escalation_hours and not status.time_limit_hours for status in self):
            raise ValidationError(
                self.env._("A status escalates after its time limit: set the time limit first.")
            )

    @api.constrains("is_automatic", "group", "company_id", "group_ids", "require_comment", "active")
    def _check_automatic(self):
        for status in self.filtered("is_automatic"):
            if status.group_ids or status.require_comment or not status.active:
                raise ValidationError(
                    self.env._(
                        "%(status)s is the automatic status of its group: it must stay active, available "
                        "to everyone and without required comment, as posting, payment, cancellation and "
                        "reset move documents into it for any user.",
                        status=status.display_name,
                    )
                )
            others = self.search_count(
                [
                    ("id", "!=", status.id),
                    ("is_automatic", "=", True),
                    ("group", "=", status.group),
                    ("company_id", "=", status.company_id.id),
                ]
            )
            if others:
                raise ValidationError(
                    self.env._(
                        "Only one status of each group is automatic for a company: unmark the other "
                        "automatic status of the group %(group)s first.",
                        group=dict(STATUS_GROUPS)[status.group],
                    )
                )

    @api.constrains("next_status_ids")
    def _check_next_status_ids(self):
        for status in self:
            if status in status.next_status_ids:
                raise ValidationError(
                    self.env._("Status %(name)s cannot be a transition to itself.", name=status.display_name)
                )

    @api.constrains("lifecycle_code", "next_status_ids", "lifecycle_set_by", "is_automatic")
    def _check_lifecycle(self):
        for status in self.filtered("lifecycle_code"):
            if status.lifecycle_code in FINAL_CODES and status.next_status_ids:
                raise ValidationError(
                    self.env._(
                        "%(status)s is final (lifecycle code %(code)s): no transition leaves it. "
                        "A corrected invoice is a new document.",
                        status=status.display_name,
                        code=status.lifecycle_code,
                    )
                )
            if status.lifecycle_code == COMPLETED_CODE and any(
                previous.lifecycle_code != SUSPENDED_CODE for previous in status.previous_status_ids
            ):
                raise ValidationError(
                    self.env._(
                        "%(status)s (lifecycle code 209, Complétée) can only be reached from a "
                        "Suspendue status (208).",
                        status=status.display_name,
                    )
                )
            if status.lifecycle_received and status.is_automatic:
                raise ValidationError(
                    self.env._(
                        "%(status)s is received from the e-invoicing platform: it cannot be the "
                        "automatic status of its group.",
                        status=status.display_name,
                    )
                )
        # Reached from the other end: a status that starts moving into a 209.
        for status in self:
            if status.lifecycle_code != SUSPENDED_CODE and any(
                target.lifecycle_code == COMPLETED_CODE for target in status.next_status_ids
            ):
                raise ValidationError(
                    self.env._(
                        "%(status)s cannot move to a Complétée status (209): only a Suspendue "
                        "status (208) can.",
                        status=status.display_name,
                    )
                )

    @api.depends_context("lang")
    def _compute_display_name(self):
        # The chatter's tracking and the history name the statuses a document
        # leaves and enters at every posting and payment: their names come
        # from the registry's cache, per language. A status not in it (new,
        # not saved) is named from its own field.
        names = self._status_names(self.env.lang)
        for status in self:
            name = names.get(status.id) if isinstance(status.id, int) else None
            status.display_name = name if name is not None else status.name

    @api.model
    @tools.ormcache("lang")
    def _status_names(self, lang):
        """{status id: name in ``lang``} of every status (cleared as above)."""
        statuses = self.sudo().with_context(active_test=False, lang=lang).search([])  # pylint: disable=no-search-all
        return {status.id: status.name for status in statuses}

    def _check_company_domain(self, companies):
        # Odoo's company check of the documents (check_company) reads the
        # status at every creation: statuses whose company the registry's
        # cache shows allowed need no domain. The others get the standard
        # one, checked and reported by Odoo.
        if self and isinstance(companies, models.BaseModel) and companies._name == "res.company":
            facts = self._status_facts()
            allowed = {False, *companies.ids}
            if all(status.id in facts and facts[status.id].company_id in allowed for status in self):
                return []
        return super()._check_company_domain(companies)

    def _is_available_to_document(self, move):
        """Whether this status applies to ``move``'s side of the lifecycle."""
        self.ensure_one()
        if not self.lifecycle_side:
            return True
        side = "customer" if move.is_sale_document(include_receipts=True) else "vendor"
        return self.lifecycle_side == side

    @api.model_create_multi
    def create(self, vals_list):
        statuses = super().create(vals_list)
        self._clear_access_caches()
        return statuses

    def write(self, vals):
        if "previous_status_ids" in vals and self.ids:
            raise UserError(
                self.env._(
                    "The statuses a document may come from are edited on those statuses "
                    "('May Move To'), not here: changing them here could break a sequence "
                    "configured on another status."
                )
            )
        if {"group", "company_id"} & vals.keys():
            self._check_meaning_change_unused(vals)
        # The history says what changed, old → new, as for documents.
        fnames = sorted(fname for fname in vals if fname in self._fields)
        before = {status.id: {fname: status[fname] for fname in fnames} for status in self}
        result = super().write(vals)
        # Every field of a status may change what the caches hold (the
        # automatic status of a group, the group of each status, the hidden ones).
        self._clear_access_caches()
        changes = {}
        for status in self:
            old = before[status.id]
            if changed := [fname for fname in fnames if status[fname] != old[fname]]:
                changes[status.id] = changed

        def describe(env):
            # In the language of ``env`` (the company's), names included.
            return {
                status.id: status._activity_log_describe(changes[status.id], before[status.id])
                for status in self.with_env(env).browse(list(changes))
            }

        if changes:
            self.env["invoice.activity.log"]._log_action(
                self.browse(list(changes)), "status_config_modified", describe
            )
        return result

    def _check_meaning_change_unused(self, vals):
        # The group is the accounting meaning of the documents in the status, and
        # the company theirs: changing either under them would make them lie.
        counts = self._read_group_moves_per_status()
        for status in self:
            changed = ("group" in vals and vals["group"] != status.group) or (
                "company_id" in vals and vals["company_id"] != status.company_id.id
            )
            if changed and counts.get(status.id):
                raise UserError(
                    self.env._(
                        "The group and the company of status %(name)s cannot change while "
                        "%(count)s document(s) are in it. Create a new status instead.",
                        name=status.display_name,
                        count=counts[status.id],
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        counts = self.with_context(active_test=False)._read_group_moves_per_status()
        for status in self:
            if counts.get(status.id):
                raise UserError(
                    self.env._(
                        "Status %(name)s cannot be deleted: %(count)s document(s) are in it. "
                        "Move them to another status first (Invoicing > Customers > Invoices, "
                        "filter Workflow Status = %(name)s), or archive the status instead.",
                        name=status.display_name,
                        count=counts[status.id],
                    )
                )

    def unlink(self):
        result = super().unlink()
        self._clear_access_caches()
        return result

    def _read_group_moves_per_status(self):
        # sudo: the check must count the documents the current user cannot see too
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [("workflow_status_id", "in", self.ids)],
                ["workflow_status_id"],
                ["__count"],
            )
        )
        return {status.id: count for status, count in groups}

    def _clear_access_caches(self):
        # The record rules on account.move read the statuses hidden from the user
        # (ir.rule._eval_context); their computed domains are cached per user.
        # The documents' side reads the statuses from the registry's cache too
        # (_automatic_status_ids, _status_facts, _status_names).
        self.env.registry.clear_cache()

    @api.model
    def _get_hidden_status_ids(self):
        """Statuses whose documents the current user may not see: statuses
        restricted to groups the user is not a member of. The restriction
        concerns internal users other than the people who run the workflow
        (WORKFLOW_RUNNER_GROUPS): they, and portal and public users (the
        customer on /my/invoices), see documents whatever their status."""
        if self.env.user.share:
            return ()
        return self._hidden_status_ids_for_groups(frozenset(self.env.user._get_group_ids()))

    @api.model
    @tools.ormcache("user_group_ids")
    def _hidden_status_ids_for_groups(self, user_group_ids):
        # Cached per set of groups; cleared with the registry cache whenever a
        # status changes its groups, is archived or deleted (_clear_access_caches),
        # or a user's groups change (res.users clears it).
        #
        # The people who run the workflow are exempted here, by their groups,
        # rather than by rules per group: account's own group rules on
        # account.move (invoicing users see all) are OR-ed with any group rule,
        # so only a global rule restricts an invoicing user, and a global rule
        # cannot be lifted for a group. An empty list, as for portal users,
        # reduces the global rules to TRUE for them.
        if user_group_ids & set(self._workflow_runner_groups().ids):
            return ()
        restricted = self.sudo().with_context(active_test=False).search([("group_ids", "!=", False)])
        return tuple(status.id for status in restricted if not set(status.group_ids.ids) & user_group_ids)

    @api.model
    def _workflow_runner_groups(self):
        """The groups that see every document whatever its status (WORKFLOW_RUNNER_GROUPS)."""
        IrModelData = self.env["ir.model.data"]
        ids = [
            IrModelData._xmlid_to_res_id(xmlid, raise_if_not_found=False) for xmlid in WORKFLOW_RUNNER_GROUPS
        ]
        return self.env["res.groups"].sudo().browse(filter(None, ids))

    def _is_available_to_user(self, user=None):
        self.ensure_one()
        user = user or self.env.user
        return not self.group_ids or bool(self.group_ids & user.groups_id)

    @api.model
    def _get_first_status(self, group, company):
        """The automatic status of ``group`` for ``company``: the company's own,
        else the shared one. Without any (a configuration left half-way), the
        first status of the group that anyone may use."""
        return self.browse(self._automatic_status_ids(company.id).get(group))

    @api.model
    @tools.ormcache("company_id")
    def _automatic_status_ids(self, company_id):
        """{group: id of the status documents of ``company_id`` enter when
        their accounting state puts them in that group} (_get_first_status).

        Every posting, payment, cancellation and reset asks for it: it is
        cached in the registry, cleared whenever a status is created, written
        or deleted (_clear_access_caches). Not read through the context nor
        the user's rights: the same answer for everyone."""
        statuses = (
            self.sudo()
            .with_context(active_test=False)
            .search([("company_id", "in", [company_id, False]), ("active", "=", True)], order="sequence, id")
        )
        result = {}
        for group, _label in STATUS_GROUPS:
            in_group = statuses.filtered(lambda status, group=group: status.group == group)
            # The company's own automatic status before the shared one.
            automatic = sorted(in_group.filtered("is_automatic"), key=lambda status: not status.company_id)
            fallback = in_group.filtered(lambda status: not status.group_ids and not status.require_comment)
            status = automatic[0] if automatic else fallback[:1]
            if status:
                result[group] = status.id
        return result

    @api.model
    @tools.ormcache()
    def _status_facts(self):
        """{status id: StatusFacts} of every status, archived included: what
        the documents' computes need of their status (whether it still
        matches their accounting state, its time limits), answered without
        reading the status (cleared as above)."""
        statuses = self.sudo().with_context(active_test=False).search([])  # pylint: disable=no-search-all
        return {
            status.id: StatusFacts(
                status.group,
                status.company_id.id,
                status.time_limit_hours,
                status.escalation_hours,
                status.hold_payment,
                status.hold_posting,
                status.hold_sending,
                status.lifecycle_code,
                status.lifecycle_received,
            )
            for status in statuses
        }

    def action_open_moves(self):
        self.ensure_one()
        # The invoices and bills, as invoicing users see them (not journal entries).
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice")
        action.update(
            {
                "name": self.env._("Documents in %(status)s", status=self.display_name),
                "domain": [("workflow_status_id", "=", self.id)],
                "context": {"create": False},
            }
        )
        return action
