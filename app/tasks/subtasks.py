"""Sub-tasks: the lead agency splits its own task among its divisions and officials."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.access import permissions
from app.access.auth import Caller
from app.core.day import Day
from app.errors.domain import Conflict, field_error
from app.tasks import service as tasks
from app.tasks.models import SubtaskCreate, TaskFields
from app.tasks.timeliness import OPEN_STATUSES


async def create_subtask(
    conn: AsyncConnection,
    caller: Caller,
    parent_id: uuid.UUID,
    data: SubtaskCreate,
    day: Day,
) -> dict[str, Any]:
    """A part of the task for one of the lead agency's divisions or officials: the lead's staff
    may split their own task (office rights not needed), as the office and leaders may. The
    split is the lead's own: the sub-task belongs to no directive and is no key task, so that
    the directive's summary and the reports count the leader's assignment once (the parent)."""
    parent = await tasks.load(conn, caller, parent_id, lock=True)
    permissions.require(caller, tasks.RESOURCE, "create_subtask", parent)
    if parent.status not in OPEN_STATUSES:
        raise Conflict(f"A {parent.status} task takes no new sub-tasks.")
    due = data.due_date if data.due_date is not None else parent.due_date
    if due is not None and parent.due_date is not None and due > parent.due_date:
        raise field_error("due_date", f"must not be after the parent's deadline {parent.due_date}")
    fields = TaskFields.model_validate(
        {
            **data.model_dump(exclude={"due_date"}),
            "due_date": due,
            "parent_id": parent_id,
            "lead_agency_id": parent.lead_agency_id,
            "pillar": parent.pillar,
            "field": parent.field,
            "year": parent.year,
            "assigned_by_agency_id": caller.agency_id,
            "assigned_by_name": caller.name,
        }
    )
    return await tasks.create(conn, caller, fields, day, checked=True)
