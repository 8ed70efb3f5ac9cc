"""A task's deadline moves only by decision: an approved extension request, or an adjustment
the office or a leader decides (with the decision's number, date and signer, and a reason).
Each change is a row the task shows (`GET /tasks/{id}/deadline-changes`); `original_due_date`
keeps the first deadline. A change asked for or decided after the deadline it replaces had
passed says so (`after_deadline`): the task was overdue until the day it was decided."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access import permissions
from app.access.auth import Caller
from app.core.day import Day
from app.core.enums import DeadlineChangeKind
from app.core.ids import uuid7
from app.db import Reader
from app.errors.domain import Conflict, field_error
from app.kernel import history, records, versioned
from app.kernel.listing import ListParams, Page
from app.kernel.precondition import Precondition
from app.kernel.schemas import utcnow
from app.tasks import service as tasks
from app.tasks.deadline_models import (
    TASK_DEADLINE_CHANGES,
    DeadlineAdjustmentCreate,
    DeadlineChangeRead,
)
from app.tasks.models import TASKS
from app.tasks.timeliness import OPEN_STATUSES

RESOURCE = tasks.RESOURCE


async def record(
    conn: AsyncConnection,
    caller: Caller,
    task: versioned.Admitted,
    new_due: Any,
    day: Day,
    **decision: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write the change row and the task's new deadline, in the caller's transaction; return
    the row and the task's changes for its history entry."""
    row = task.row
    after = decision.pop("after_deadline", None)
    if after is None:
        after = row.due_date is not None and day.today > row.due_date
    change = (
        await conn.execute(
            insert(TASK_DEADLINE_CHANGES)
            .values(
                id=uuid7(),
                task_id=row.id,
                old_due_date=row.due_date,
                new_due_date=new_due,
                after_deadline=after,
                recorded_by_id=caller.key_id,
                recorded_by_name=caller.name,
                decided_on=day.today,
                created_at=utcnow(),
                **decision,
            )
            .returning(*TASK_DEADLINE_CHANGES.c)
        )
    ).one()
    values: dict[str, Any] = {"due_date": new_due}
    if row.original_due_date is None:
        values["original_due_date"] = row.due_date
    if after and row.missed_due_date is None and row.due_date is not None:
        # Moved after it had passed: a completion is still judged against the deadline missed.
        values["missed_due_date"] = row.due_date
    changes = history.diff(dict(row._mapping), values)
    changes["deadline_change_id"] = {"old": None, "new": str(change.id)}
    await conn.execute(versioned.statement(task, values))
    return dict(change._mapping), changes


async def adjust(
    conn: AsyncConnection,
    caller: Caller,
    task_id: uuid.UUID,
    data: DeadlineAdjustmentCreate,
    if_match: Precondition,
    day: Day,
) -> dict[str, Any]:
    """The office or a leader moves an open task's deadline on the strength of a decision."""
    row = await tasks.load(conn, caller, task_id, lock=True)
    permissions.require(caller, RESOURCE, "adjust_deadline", row)
    task = versioned.admit(TASKS, row, if_match)
    if row.status not in OPEN_STATUSES:
        raise Conflict(f"Only an open task's deadline moves; this one is {row.status}.")
    if data.decision_date > day.today:
        raise field_error("decision_date", "cannot be in the future")
    if data.new_due_date == row.due_date:
        raise field_error("new_due_date", "is already the deadline")
    if data.new_due_date < row.assigned_on:
        raise field_error("new_due_date", "cannot be before the task was assigned")
    change, changes = await record(
        conn,
        caller,
        task,
        data.new_due_date,
        day,
        kind=DeadlineChangeKind.adjustment,
        reason=data.reason,
        decision_number=data.decision_number,
        decision_date=data.decision_date,
        decided_by_name=data.decided_by,
    )
    await history.record(conn, caller, RESOURCE, task_id, "deadline_adjusted", changes, data.reason)
    return change


async def list_(conn: Reader, caller: Caller, task_id: uuid.UUID, params: ListParams) -> Page:
    await tasks.load(conn, caller, task_id, include_deleted=True)
    return await records.page_of(
        conn, TASK_DEADLINE_CHANGES, DeadlineChangeRead, "task_id", task_id, params
    )


async def get(
    conn: Reader, caller: Caller, task_id: uuid.UUID, change_id: uuid.UUID
) -> dict[str, Any]:
    await tasks.load(conn, caller, task_id, include_deleted=True)
    return await records.one_of(
        conn, TASK_DEADLINE_CHANGES, DeadlineChangeRead, "task_id", task_id, change_id
    )
