"""The permission table: who may take each action on each resource, as data, and the lifecycles
that are part of it. Services enforce it through `require` and `allows`, and build each
resource's `allowed_actions` from it; `python -m app.access.permissions > docs/permissions.md` renders
it, and a test checks that file and walks every cell through HTTP.

Reads are the one exception to enforcement by `require`: who sees what is the resources'
visibility (each feature's `spec.py`, assembled in `app/registry.py`), which answers 404 rather than 403; the `read` rows here
describe it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from app.access.auth import Caller
from app.access.lifecycle import RELATION_LABELS, Lifecycle, Relation, Rule, Transition, related
from app.budget import models as br
from app.budget.spec import BUDGET_REQUEST_VISIBILITY
from app.core.config import get_settings
from app.core.enums import BudgetStatus as B
from app.core.enums import DirectiveStatus as D
from app.core.enums import ProposalStatus as P
from app.core.enums import Role
from app.core.enums import TaskStatus as T
from app.directives import models as dm
from app.errors.domain import Conflict, Forbidden, InvalidTransition
from app.kernel.schemas import ActionBody, utcnow
from app.proposals import models as pm
from app.proposals.spec import PROPOSAL_VISIBILITY
from app.registry import VISIBILITY
from app.tasks import models as tm
from app.tasks.spec import TASK_VISIBILITY
from app.tasks.timeliness import OPEN_STATUSES

OFFICE = (Role.office,)
EDITORS = (Role.office, Role.leader)
FINANCE = (Role.finance,)
ADMIN: tuple[Role, ...] = ()
NOT_AGENCY = tuple(r for r in Role if r != Role.agency)

TASK = Lifecycle(
    "task",
    (
        Transition(tm.StartTask, (T.new,), T.in_progress, OFFICE, Relation.lead),
        Transition(tm.SubmitTask, (T.in_progress,), T.awaiting_confirmation, OFFICE, Relation.lead),
        Transition(tm.ConfirmTask, (T.awaiting_confirmation,), T.completed, EDITORS),
        Transition(tm.ReturnTask, (T.awaiting_confirmation,), T.in_progress, EDITORS),
        Transition(tm.PauseTask, (T.new, T.in_progress), T.paused, EDITORS),
        Transition(tm.ResumeTask, (T.paused,), T.in_progress, EDITORS),
        Transition(tm.CancelTask, tuple(T(s) for s in OPEN_STATUSES), T.cancelled, EDITORS),
        Transition(tm.ReopenTask, (T.completed,), T.in_progress, EDITORS),
    ),
    TASK_VISIBILITY,
)
DIRECTIVE = Lifecycle(
    "directive",
    (
        Transition(dm.IssueDirective, (D.draft,), D.issued, EDITORS),
        Transition(dm.CloseDirective, (D.issued,), D.closed, EDITORS),
        Transition(dm.WithdrawDirective, (D.draft, D.issued), D.withdrawn, EDITORS),
        Transition(dm.ReopenDirective, (D.closed,), D.issued, EDITORS),
    ),
)
PROPOSAL = Lifecycle(
    "proposal",
    (
        Transition(pm.SubmitProposal, (P.draft,), P.submitted, OFFICE, Relation.own),
        Transition(pm.ReviewProposal, (P.submitted,), P.under_review, OFFICE),
        Transition(pm.ResolveProposal, (P.under_review,), P.resolved, EDITORS),
        Transition(pm.WithdrawProposal, (P.draft, P.submitted), P.withdrawn, ADMIN, Relation.own),
        Transition(pm.ReopenProposal, (P.resolved,), P.under_review, EDITORS),
    ),
    PROPOSAL_VISIBILITY,
)
BUDGET_REQUEST = Lifecycle(
    "budget_request",
    (
        Transition(
            br.SubmitBudgetRequest, (B.draft, B.returned), B.submitted, OFFICE, Relation.own
        ),
        Transition(br.StartAppraisal, (B.submitted,), B.under_appraisal, FINANCE),
        Transition(br.AppraiseBudgetRequest, (B.under_appraisal,), B.appraised, FINANCE),
        Transition(
            br.ReturnBudgetRequest,
            (B.submitted, B.under_appraisal, B.appraised),
            B.returned,
            (Role.finance, Role.leader),
        ),
        Transition(br.ApproveBudgetRequest, (B.appraised,), B.approved, (Role.leader,)),
        Transition(br.RejectBudgetRequest, (B.appraised,), B.rejected, (Role.leader,)),
        Transition(br.CloseBudgetRequest, (B.approved,), B.closed, (Role.leader, Role.finance)),
    ),
    BUDGET_REQUEST_VISIBILITY,
)
LIFECYCLES = {lc.resource: lc for lc in (TASK, DIRECTIVE, PROPOSAL, BUDGET_REQUEST)}

_EVERYONE = Rule(tuple(Role))
_OWNED = Rule(OFFICE, Relation.own)  # the office, or staff of the owning agency
PERMISSIONS: dict[str, dict[str, Rule]] = {
    "agency": {
        "read": _EVERYONE,
        **dict.fromkeys(("create", "update", "delete", "restore", "succession"), Rule(OFFICE)),
        # Divisions (phòng, ban) of an agency are also kept by that agency's own staff.
        **dict.fromkeys(
            ("create_division", "update_division"),
            Rule(OFFICE, Relation.own, note="divisions of its own agency"),
        ),
    },
    "official": {
        "read": Rule(NOT_AGENCY, Relation.own),
        **dict.fromkeys(("create", "update"), _OWNED),
        "read_notifications": Rule(OFFICE, Relation.self),
        # how they are told (immediate, digest, off): every official chooses for themself
        "choose_notify": Rule(OFFICE, Relation.self),
    },
    "directive": {
        "read": _EVERYONE,
        **dict.fromkeys(
            ("create", "update", "delete", "restore", "create_tasks", "attach"), Rule(EDITORS)
        ),
        **DIRECTIVE.rules(),
    },
    "task": {
        "read": Rule(NOT_AGENCY, Relation.participant),
        **dict.fromkeys(("create", "update", "delete", "restore"), Rule(EDITORS)),
        **TASK.rules(),
        "report_progress": Rule(OFFICE, Relation.participant),
        "request_extension": Rule(OFFICE, Relation.lead),
        "decide_extension": Rule(EDITORS),
        "adjust_deadline": Rule(EDITORS),
        "remind": Rule(EDITORS),
        # The lead agency splits its own task among its divisions and officials.
        "create_subtask": Rule(EDITORS, Relation.lead),
        "comment": Rule(EDITORS, Relation.participant),
        # documents: attached and removed by those who work on it
        "attach": Rule(EDITORS, Relation.participant),
    },
    "proposal": {
        "read": Rule(NOT_AGENCY, Relation.own),
        **dict.fromkeys(("create", "update", "delete", "restore"), _OWNED),
        **PROPOSAL.rules(),
        "create_tasks": Rule(EDITORS),
        "comment": Rule(EDITORS, Relation.own),
        "attach": Rule(EDITORS, Relation.own),
    },
    "budget_request": {
        "read": Rule(NOT_AGENCY, Relation.own),
        **dict.fromkeys(("create", "update", "delete", "restore"), _OWNED),
        **BUDGET_REQUEST.rules(),
        "disburse": Rule(FINANCE),
        "extend_deadline": Rule((Role.leader, Role.finance)),
        "comment": Rule((*EDITORS, Role.finance), Relation.own),
        "attach": Rule((*EDITORS, Role.finance), Relation.own),
    },
    "event": {"read": Rule(NOT_AGENCY, Relation.participant, note="events of what it sees")},
    "report": {
        "read": Rule(NOT_AGENCY, Relation.participant, note="its tasks, proposals and requests"),
        "snapshot": Rule(EDITORS),
    },
    "api_key": dict.fromkeys(("read", "create", "revoke"), Rule(ADMIN)),
    "webhook": dict.fromkeys(("read", "create", "update", "delete", "test"), Rule(ADMIN)),
}


def delete_grace_days() -> int:
    return get_settings().delete_grace_days


def deletion_cutoff() -> datetime:
    """The oldest creation time a task may still be deleted at, now."""
    return utcnow() - timedelta(days=delete_grace_days())


def deletable_task(row: Any, cutoff: datetime | None = None) -> bool:
    """Deleting is for mistakes: a task may be deleted within DONDOC_DELETE_GRACE_DAYS of its
    creation and before any activity (progress, an extension request, a completion)."""
    if cutoff is None:
        cutoff = deletion_cutoff()
    return not row.has_activity and bool(row.created_at >= cutoff)


# Actions that the table allows but the row's own state may forbid (409, and absent from
# `allowed_actions`); each is asked with the deletion cutoff of the moment.
CONDITIONS: dict[str, dict[str, Callable[[Any, datetime], bool]]] = {
    "task": {"delete": deletable_task}
}

# Proposals and budget requests are edited (and deleted) only before the committee acts on them.
EDITABLE = {"proposal": (P.draft,), "budget_request": (B.draft, B.returned)}


def allows(
    caller: Caller, resource: str, action: str, row: Any = None, *, holds: bool | None = None
) -> bool:
    """Whether the table lets the caller take the action on the row. `holds` states the
    relation when there is no row yet (an agency creating a proposal for itself)."""
    rule = PERMISSIONS[resource][action]
    if holds is None:
        holds = related(VISIBILITY.get(resource), rule.relation, caller, row)
    return rule.allows(caller, holds)


def require(
    caller: Caller, resource: str, action: str, row: Any = None, *, holds: bool | None = None
) -> None:
    """403 unless the table lets the caller take the action, naming who may."""
    if not allows(caller, resource, action, row, holds=holds):
        rule = PERMISSIONS[resource][action]
        who = ", ".join(["admin", *(r.value for r in rule.roles)])
        if rule.relation != Relation.none:
            who += f", staff of the {RELATION_LABELS[rule.relation]}"
        raise Forbidden(
            f"Role '{caller.role}' may not {action.replace('_', ' ')} this"
            f" {resource.replace('_', ' ')} (allowed: {who})."
        )


def require_editable(caller: Caller, resource: str, action: str, row: Any) -> None:
    """`require`, then 409 (with `allowed_actions`) once the resource left its editable
    statuses."""
    require(caller, resource, action, row)
    if row.status not in EDITABLE[resource]:
        raise Conflict(
            f"A {row.status} {resource.replace('_', ' ')} can no longer be edited.",
            allowed_actions=allowed_actions(caller, resource, row),
        )


def allowed_actions(
    caller: Caller, resource: str, row: Any, cutoff: datetime | None = None
) -> list[str]:
    """What the caller may do to the row now: the `allowed_actions` of every resource body.
    A page passes the `cutoff` it worked out once for all its rows."""
    lifecycle = LIFECYCLES[resource]
    relations = lifecycle.relations(caller, row)
    conditions = CONDITIONS.get(resource)
    if conditions:
        moment = deletion_cutoff() if cutoff is None else cutoff
        blocked = frozenset(a for a, holds in conditions.items() if not holds(row, moment))
    else:
        blocked = frozenset()
    key = (resource, caller.role, row.status, row.deleted_at is not None, relations, blocked)
    found = _ALLOWED.get(key)
    if found is None:
        found = _ALLOWED[key] = tuple(
            a for a in _work_out(caller, lifecycle, row, relations) if a not in blocked
        )
    return list(found)


def _work_out(
    caller: Caller, lifecycle: Lifecycle, row: Any, relations: frozenset[Relation]
) -> tuple[str, ...]:
    """The same for every row with the same status and relations (a list works it out once
    per combination)."""
    rules = PERMISSIONS[lifecycle.resource]

    def may(action: str) -> bool:
        return rules[action].allows(caller, rules[action].relation in relations)

    if row.deleted_at is not None:
        return ("restore",) if may("restore") else ()
    editable = EDITABLE.get(lifecycle.resource)
    edits = (
        [a for a in ("update", "delete") if may(a)]
        if not editable or row.status in editable
        else []
    )
    return (*lifecycle.allowed(caller, row.status, relations), *edits)


_ALLOWED: dict[
    tuple[str, Role, str, bool, frozenset[Relation], frozenset[str]], tuple[str, ...]
] = {}


def check_transition(caller: Caller, resource: str, data: ActionBody, row: Any) -> Transition:
    """The transition `data` names, if the caller may take it from the row's status: 403 if it
    never may, 409 with `allowed_actions` if not from this status."""
    lifecycle = LIFECYCLES[resource]
    transition = lifecycle.transitions[data.action]
    label = resource.replace("_", " ")
    if not transition.rule.allows(caller, transition.relation in lifecycle.relations(caller, row)):
        raise Forbidden(f"Role '{caller.role}' may not '{data.action}' this {label}.")
    if row.status not in transition.sources:
        raise InvalidTransition(
            f"Cannot '{data.action}' a {label} that is {row.status}.",
            allowed_actions=allowed_actions(caller, resource, row),
        )
    return transition


# --- the rendered table ---------------------------------------------------------------------

ROLES = tuple(r.value for r in Role)
YES, NO = "yes", "—"


def _cells(rule: Rule) -> dict[str, str]:
    cells = {r: YES if r == Role.admin or Role(r) in rule.roles else NO for r in ROLES}
    if rule.relation == Relation.self:
        return {r: c if c == YES else RELATION_LABELS[rule.relation] for r, c in cells.items()}
    if rule.relation != Relation.none and Role.agency not in rule.roles:
        cells[Role.agency.value] = rule.note or RELATION_LABELS[rule.relation]
    return cells


def matrix() -> dict[str, dict[str, dict[str, str]]]:
    """resource → action → role → yes / — / the agency relation that allows it."""
    return {
        resource: {action: _cells(rule) for action, rule in actions.items()}
        for resource, actions in PERMISSIONS.items()
    }


def render() -> str:
    lines = [
        "# Permissions",
        "",
        "Who may take each action (`python -m app.access.permissions > docs/permissions.md` writes this",
        "file from the table in `app/access/permissions.py`, which the services enforce; a test checks",
        "that it is current and walks every cell through HTTP). An agency's staff see only the",
        "tasks their agency leads or cooperates on and their own agency's proposals and budget",
        "requests; anything else answers 404 to them, and an action their role may not take on",
        "something they see answers 403.",
        "",
        "| resource | action | " + " | ".join(ROLES) + " |",
        "|---|---|" + "---|" * len(ROLES),
    ]
    for resource, actions in matrix().items():
        for action, cells in actions.items():
            lines.append(f"| {resource} | {action} | " + " | ".join(cells[r] for r in ROLES) + " |")
    lines += ["", "## Lifecycles", ""]
    for lifecycle in LIFECYCLES.values():
        lines += [
            f"### {lifecycle.resource}",
            "",
            "| action | from | to | comment required |",
            "|---|---|---|---|",
        ]
        for name, t in lifecycle.transitions.items():
            sources = ", ".join(s.value for s in t.sources)
            comment = "yes" if t.needs_comment else "—"
            lines.append(f"| {name} | {sources} | {t.target.value} | {comment} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
