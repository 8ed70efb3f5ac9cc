"""The permission table: who may take each action on each resource, as data, and the lifecycles
that are part of it — each resource declares its rows in its feature's `spec.py`, and
`app/registry.py` gathers them. Services enforce it through `require` and `allows`, and build
each resource's `allowed_actions` from it; `python -m app.access.permissions > docs/permissions.md` renders
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
from app.core.config import get_settings
from app.core.enums import Role
from app.errors.domain import Conflict, Forbidden, InvalidTransition
from app.kernel.schemas import ActionBody, utcnow
from app.registry import EDITABLE, LIFECYCLES, PERMISSIONS, VISIBILITY


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
        "file from the table each resource declares in its feature's `spec.py`, gathered by",
        "`app/registry.py` and enforced by `app/access/permissions.py`; a test checks that it is",
        "current and walks every cell through HTTP). An agency's staff see only the",
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
