"""Rules of who may do what, and the one lifecycle engine every resource's status goes through.

A `Rule` says which roles may take an action, and which relation to the resource lets an
agency's staff take it too (the task's lead agency, its lead or cooperating agencies, the
agency that owns a proposal or budget request). A `Transition` is a rule with the statuses it
starts from, the status it reaches and the request model of its action (`ActionBody`
subclasses: the `action` tag, a comment, the action's own fields). A `Lifecycle` holds a
resource's transitions and answers, for a caller and a row, which of them it may take now.
Each resource declares its lifecycle and permission rows in its feature's `spec.py`, the
registry gathers them, and `app/access/permissions.py` enforces them (403 when the caller may
never take the action, 409 with `allowed_actions` when not from the current status).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, get_args

from app.access.auth import Caller
from app.access.visibility import AgencyVisibility
from app.core.enums import Role
from app.kernel.schemas import ActionBody


class Relation(StrEnum):
    none = "none"
    lead = "lead"  # staff of the task's lead agency
    participant = "participant"  # staff of the task's lead or a cooperating agency
    own = "own"  # staff of the agency that owns the proposal or budget request
    self = "self"  # the official the row is, signed in as themself (any role)


# The role groups the permission rows name (each feature's spec.py).
OFFICE = (Role.office,)
EDITORS = (Role.office, Role.leader)
FINANCE = (Role.finance,)
ADMIN: tuple[Role, ...] = ()  # administrators may do anything: no other role
NOT_AGENCY = tuple(r for r in Role if r != Role.agency)

RELATION_LABELS = {
    Relation.lead: "lead agency",
    Relation.participant: "lead or cooperating agency",
    Relation.own: "own agency",
    Relation.self: "the official themself",
}


@dataclass(frozen=True)
class Rule:
    roles: tuple[Role, ...]
    relation: Relation = Relation.none
    note: str = ""  # for the generated table, where a relation is described rather than checked

    def allows(self, caller: Caller, related: bool = False) -> bool:
        """Administrators may do anything; `related` says whether the row names the caller's
        agency in the way `relation` asks (see `related`)."""
        if caller.has_role(*self.roles):
            return True
        if self.relation == Relation.self:
            return related
        return self.relation != Relation.none and caller.role == Role.agency and related


EVERYONE = Rule(tuple(Role))
OWNED = Rule(OFFICE, Relation.own)  # the office, or staff of the owning agency


def related(
    visibility: AgencyVisibility | None, relation: Relation, caller: Caller, row: Any
) -> bool:
    """Whether the loaded row names the caller's agency as `relation` asks: the lead is the
    first single agency column of the resource's visibility, the others any agency it names."""
    if relation == Relation.self:
        return row is not None and caller.official_id is not None and row.id == caller.official_id
    if visibility is None or relation == Relation.none or row is None:
        return False
    if relation == Relation.lead:
        return caller.role == Role.agency and getattr(row, visibility.single[0]) == caller.agency_id
    return visibility.names(caller, row)


@dataclass(frozen=True)
class Transition:
    body: type[ActionBody]
    sources: tuple[StrEnum, ...]
    target: StrEnum
    roles: tuple[Role, ...]
    relation: Relation = Relation.none

    @property
    def name(self) -> str:
        (tag,) = get_args(self.body.model_fields["action"].annotation)
        return str(tag)

    @property
    def rule(self) -> Rule:
        return Rule(self.roles, self.relation)

    @property
    def needs_comment(self) -> bool:
        return self.body.model_fields["comment"].is_required()


@dataclass(frozen=True)
class Lifecycle:
    resource: str
    steps: tuple[Transition, ...]
    visibility: AgencyVisibility | None = None
    transitions: Mapping[str, Transition] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "transitions", {t.name: t for t in self.steps})

    def rules(self) -> dict[str, Rule]:
        return {name: t.rule for name, t in self.transitions.items()}

    def relations(self, caller: Caller, row: Any) -> frozenset[Relation]:
        """The relations the caller's agency has to the row (evaluated once per row)."""
        if caller.role != Role.agency:
            return frozenset()
        return frozenset(r for r in Relation if related(self.visibility, r, caller, row))

    def allowed(self, caller: Caller, status: str, relations: frozenset[Relation]) -> list[str]:
        return [
            name
            for name, t in self.transitions.items()
            if status in t.sources and t.rule.allows(caller, t.relation in relations)
        ]
