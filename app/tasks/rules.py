"""What a task must satisfy to be written: the agencies it names exist and are active (and
stay so until the change commits), its directive takes tasks, its parent exists without a loop,
and its dates and agencies agree with each other."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.agencies import service as agencies
from app.core.enums import DirectiveStatus
from app.directives.models import DIRECTIVES
from app.errors.domain import Conflict, field_error
from app.kernel import hierarchy
from app.tasks.models import TASKS


async def check_references(
    conn: AsyncConnection,
    values: dict[str, Any],
    prefix: str = "",
    self_id: uuid.UUID | None = None,
) -> None:
    """Agencies named must exist and be active; the directive and parent must exist, and the
    parent must not be the task `self_id` or below it."""
    agency_fields: dict[str, list[uuid.UUID]] = {}
    for name in ("lead_agency_id", "assigned_by_agency_id"):
        if values.get(name) is not None:
            agency_fields[name] = [values[name]]
    if values.get("cooperating_agency_ids"):
        agency_fields["cooperating_agency_ids"] = list(values["cooperating_agency_ids"])
    await agencies.require_active(conn, {prefix + k: v for k, v in agency_fields.items()})
    if values.get("directive_id") is not None:
        directive = (
            await conn.execute(
                select(DIRECTIVES.c.status).where(
                    DIRECTIVES.c.id == values["directive_id"], DIRECTIVES.c.deleted_at.is_(None)
                )
            )
        ).first()
        if directive is None:
            raise field_error(
                prefix + "directive_id", f"no directive with id {values['directive_id']}"
            )
        if directive.status in (DirectiveStatus.closed, DirectiveStatus.withdrawn):
            raise Conflict(f"The directive is {directive.status}; it takes no new tasks.")
    await hierarchy.check_parent(
        conn, TASKS, "task", values.get("parent_id"), self_id, prefix + "parent_id"
    )


async def check_assignees(conn: AsyncConnection, values: dict[str, Any], prefix: str = "") -> None:
    """Down the line (issue 17): the focal official is an active official of the lead agency,
    and each division named is a division of the lead agency."""
    from app.people import service as officials

    lead: uuid.UUID = values["lead_agency_id"]
    divisions = values.get("division_ids") or []
    if len(set(divisions)) != len(divisions):
        raise field_error(prefix + "division_ids", "a division is listed twice")
    for division in divisions:
        await officials.check_division(conn, lead, division, prefix + "division_ids")
    official = values.get("lead_official_id")
    if official is not None:
        (found,) = await officials.active_in(conn, [official], prefix + "lead_official_id")
        if found.agency_id != lead:
            raise field_error(prefix + "lead_official_id", "must be an official of the lead agency")


def check_shape(values: dict[str, Any], prefix: str = "") -> None:
    """Rules across fields: deadline after assignment, lead not also cooperating."""
    due, assigned = values.get("due_date"), values.get("assigned_on")
    if due is not None and assigned is not None and due < assigned:
        raise field_error(prefix + "due_date", "must not be before assigned_on")
    cooperating = values.get("cooperating_agency_ids") or []
    if values.get("lead_agency_id") in cooperating:
        raise field_error(
            prefix + "cooperating_agency_ids", "the lead agency cannot also cooperate"
        )
    if len(set(cooperating)) != len(cooperating):
        raise field_error(prefix + "cooperating_agency_ids", "an agency is listed twice")


# --- create, read, list --------------------------------------------------------------------
