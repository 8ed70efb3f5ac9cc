"""The permission matrix as data: role × resource × action, read from the services' own tables
where they have one (the lifecycles) and written out here for the rest.

`python -m app.permissions > docs/permissions.md` renders it; a test checks that the file is
current and walks the cells through HTTP.
"""

from __future__ import annotations

from app.enums import Role
from app.services import budget_payments, budget_requests, directives, proposals, tasks
from app.services.lifecycle import Action

ROLES = tuple(r.value for r in Role)
YES, NO = "yes", "—"
OWN = "own agency"
LEAD = "lead agency"
PARTICIPANT = "lead or cooperating agency"


def _roles(*roles: Role, agency: str = NO) -> dict[str, str]:
    cells = {r: (YES if Role(r) in roles or r == Role.admin else NO) for r in ROLES}
    if agency != NO:
        cells[Role.agency.value] = agency
    return cells


def _lifecycle(actions: dict[str, Action], own: str) -> dict[str, dict[str, str]]:
    return {name: _roles(*a.roles, agency=own if a.own else NO) for name, a in actions.items()}


def matrix() -> dict[str, dict[str, dict[str, str]]]:
    """resource → action → role → yes / — / the agency relation that allows it."""
    everyone = _roles(*Role)
    office, editors, admin_only = _roles(Role.office), _roles(Role.office, Role.leader), _roles()
    task_transitions = {
        name: _roles(*t.roles, agency=LEAD if t.lead else NO)
        for name, t in tasks.TRANSITIONS.items()
    }
    return {
        "agency": {
            "read": everyone,
            "create": office,
            "update": office,
            "delete": office,
            "restore": office,
            "succession": office,
        },
        "directive": {
            "read": everyone,
            "create": editors,
            "update": editors,
            "delete": editors,
            "restore": editors,
            "create_tasks": editors,
            **{name: editors for name in directives.TRANSITIONS},
        },
        "task": {
            "read": _roles(*Role, agency=PARTICIPANT),
            "create": editors,
            "update": editors,
            "delete": editors,
            "restore": editors,
            **task_transitions,
            "report_progress": _roles(Role.office, agency=PARTICIPANT),
            "request_extension": _roles(Role.office, agency=LEAD),
            "decide_extension": editors,
            "remind": editors,
        },
        "proposal": {
            "read": _roles(*Role, agency=OWN),
            "create": _roles(Role.office, agency=OWN),
            "update": _roles(Role.office, agency=OWN),
            "delete": _roles(Role.office, agency=OWN),
            **_lifecycle(proposals.ACTIONS, OWN),
            "create_tasks": editors,
        },
        "budget_request": {
            "read": _roles(*Role, agency=OWN),
            "create": _roles(Role.office, agency=OWN),
            "update": _roles(Role.office, agency=OWN),
            "delete": _roles(Role.office, agency=OWN),
            **_lifecycle(budget_requests.ACTIONS, OWN),
            "disburse": _roles(*budget_payments.PAYERS),
            "extend_deadline": _roles(*budget_payments.EXTENDERS),
        },
        "event": {"read": _roles(*Role, agency="events of what it sees")},
        "report": {"read": _roles(*Role, agency="its tasks, proposals and requests")},
        "api_key": {"read": admin_only, "create": admin_only, "revoke": admin_only},
        "webhook": {
            "read": admin_only,
            "create": admin_only,
            "update": admin_only,
            "delete": admin_only,
            "test": admin_only,
        },
    }


def render() -> str:
    lines = [
        "# Permissions",
        "",
        "Who may take each action (`python -m app.permissions > docs/permissions.md` writes this",
        "file from `app/permissions.py`; a test checks that it is current and walks the cells).",
        "An agency's staff see only the tasks their agency leads or cooperates on and their own",
        "agency's proposals and budget requests; anything else answers 404 to them, and an action",
        "their role may not take on something they see answers 403. State rules (which status an",
        "action starts from) are in API.md.",
        "",
        "| resource | action | " + " | ".join(ROLES) + " |",
        "|---|---|" + "---|" * len(ROLES),
    ]
    for resource, actions in matrix().items():
        for action, cells in actions.items():
            lines.append(f"| {resource} | {action} | " + " | ".join(cells[r] for r in ROLES) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
