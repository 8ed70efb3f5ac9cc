"""State machines of resources that an agency owns (proposals, budget requests): which role
may take which action from which status."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.auth import Caller
from app.enums import Role
from app.errors import Forbidden, InvalidTransition, ValidationFailed, field_error


@dataclass(frozen=True)
class Action:
    sources: tuple[str, ...]
    target: str
    roles: tuple[Role, ...]
    own: bool = False  # staff of the owning agency may also take it
    needs_comment: bool = False


def may(caller: Caller, action: Action, owner: uuid.UUID) -> bool:
    own = action.own and caller.role == Role.agency and caller.agency_id == owner
    return caller.has_role(*action.roles) or own


def allowed(caller: Caller, actions: dict[str, Action], status: str, owner: uuid.UUID) -> list[str]:
    return [n for n, a in actions.items() if status in a.sources and may(caller, a, owner)]


def check(
    caller: Caller,
    actions: dict[str, Action],
    name: str,
    status: str,
    owner: uuid.UUID,
    comment: str | None,
    extra: list[str],
) -> Action:
    """403 if the caller may never take the action, 409 (with allowed_actions) if not from
    this status, 422 if the comment is missing where it is required."""
    action = actions.get(name)
    if action is None:
        raise field_error("action", f"unknown action; one of {', '.join(actions)}")
    if not may(caller, action, owner):
        raise Forbidden(f"Role '{caller.role}' may not '{name}' this.")
    if status not in action.sources:
        raise InvalidTransition(
            f"Cannot '{name}' from status {status}.",
            allowed_actions=allowed(caller, actions, status, owner) + extra,
        )
    if action.needs_comment and not comment:
        raise ValidationFailed(
            f"'{name}' needs a comment.",
            [{"field": "comment", "message": f"required for '{name}'"}],
        )
    return action
