"""Tasks: assignment, visibility, the lifecycle, editing, lists with timeliness."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access import permissions
from app.access.auth import Caller
from app.core.day import Day
from app.core.enums import Role, TaskStatus
from app.core.ids import uuid7
from app.db import Reader
from app.errors.domain import Conflict, field_error
from app.kernel import codes, hierarchy, history, records, soft_delete, versioned
from app.kernel.fields import public_columns
from app.kernel.listing import ListParams, Page
from app.kernel.precondition import Precondition
from app.kernel.schemas import utcnow
from app.tasks import documents as task_documents
from app.tasks import rules as task_checks
from app.tasks.models import (
    TASKS,
    TaskFields,
    TaskRead,
    TaskUpdate,
)
from app.tasks.spec import TASK_VISIBILITY
from app.tasks.timeliness import OPEN_STATUSES, days_overdue, timeliness
from app.tasks.transition_models import (
    CancelTask,
    PauseTask,
    ReopenTask,
    ReturnTask,
    StartTask,
    SubmitTask,
    TaskTransition,
)

RESOURCE = "task"
t = TASKS.c
# The public fields, and whether the task has had activity (for deletion; never shown).
COLUMNS = (*public_columns(TASKS, TaskRead), t.has_activity)
SINGLE = (*COLUMNS, task_documents.DOCUMENTS)
HIDDEN = {"due_sort", "priority_rank", "timeliness_sql", "days_overdue_sql", "has_activity"}


# --- visibility and permissions ------------------------------------------------------------


def allowed_actions(caller: Caller, row: Any) -> list[str]:
    return permissions.allowed_actions(caller, RESOURCE, row)


def to_body(caller: Caller, row: Any, day: Day) -> dict[str, Any]:
    body = {k: v for k, v in row._mapping.items() if k not in HIDDEN}
    body["timeliness"] = timeliness(row, day.today, day.soon_days)
    body["days_overdue"] = days_overdue(row, day.today)
    body["allowed_actions"] = allowed_actions(caller, row)
    return body


# --- loading and validation ----------------------------------------------------------------


async def load(
    conn: Reader,
    caller: Caller,
    task_id: uuid.UUID,
    *,
    lock: bool = False,
    include_deleted: bool = False,
    documents: bool = False,
) -> Row[*tuple[Any, ...]]:
    return await records.load_one(
        conn,
        TASKS,
        SINGLE if documents else COLUMNS,
        task_id,
        f"No task with id {task_id}.",
        caller=caller,
        visibility=TASK_VISIBILITY,
        include_deleted=include_deleted,
        lock=lock,
    )


async def create(
    conn: AsyncConnection,
    caller: Caller,
    data: TaskFields,
    day: Day,
    *,
    directive_id: uuid.UUID | None = None,
    proposal_id: uuid.UUID | None = None,
    prefix: str = "",
    checked: bool = False,
) -> dict[str, Any]:
    """A new task (`checked`: the caller's right was checked otherwise, as for a sub-task)."""
    if not checked:
        permissions.require(caller, RESOURCE, "create")
    values = data.model_dump()
    if directive_id is not None:
        values["directive_id"] = directive_id
    if proposal_id is not None:
        values["proposal_id"] = proposal_id
    values["assigned_on"] = values["assigned_on"] or day.today
    values["year"] = values["year"] or values["assigned_on"].year
    task_checks.check_shape(values, prefix)
    await task_checks.check_references(conn, values, prefix)
    if values["lead_official_id"] is not None or values["division_ids"]:
        await task_checks.check_assignees(conn, values, prefix)
    given_code = values.pop("code")
    now = utcnow()
    values.update(
        original_due_date=values["due_date"],
        status=TaskStatus.new,
        progress_percent=0,
        created_at=now,
        updated_at=now,
    )
    plain = {k: v.value if isinstance(v, Enum) else v for k, v in values.items()}
    for _ in range(10):
        code = given_code or await codes.next_code(conn, RESOURCE, values["year"])
        params = {"id": uuid7(), "code": code, **plain}
        row = (await conn.execute(_INSERT, params)).first()
        if row is not None:
            break
        if given_code:
            raise Conflict(
                f"A task with code '{given_code}' already exists.", field=prefix + "code"
            )
    else:  # pragma: no cover - ten imported codes in a row
        raise Conflict("Could not allocate a task code; retry.")
    recorded = {
        k: v
        for k, v in values.items()
        if v not in (None, [], False) and k not in ("created_at", "updated_at")
    }
    await history.record(
        conn, caller, RESOURCE, row.id, "created", history.diff({}, {"code": code, **recorded})
    )
    return to_body(caller, row, day)


async def open_subtasks(conn: AsyncConnection, task_id: uuid.UUID) -> int:
    """How many sub-tasks of the task are still open (not deleted)."""
    stmt = select(func.count()).where(
        t.parent_id == task_id, t.status.in_(OPEN_STATUSES), t.deleted_at.is_(None)
    )
    return int((await conn.execute(stmt)).scalar_one())


async def get(
    conn: Reader,
    caller: Caller,
    task_id: uuid.UUID,
    day: Day,
    include_deleted: bool = False,
) -> dict[str, Any]:
    row = await load(conn, caller, task_id, include_deleted=include_deleted, documents=True)
    return to_body(caller, row, day)


# INSERT … ON CONFLICT (code) DO NOTHING RETURNING: no row when the code is taken.
_INSERT = insert(TASKS).on_conflict_do_nothing(index_elements=[t.code]).returning(*COLUMNS)


async def history_of(conn: Reader, caller: Caller, task_id: uuid.UUID, params: ListParams) -> Page:
    await load(conn, caller, task_id, include_deleted=True)
    return await history.list_for(conn, RESOURCE, task_id, params)


# --- changes -------------------------------------------------------------------------------


async def update_(
    conn: AsyncConnection,
    caller: Caller,
    task_id: uuid.UUID,
    patch: TaskUpdate,
    if_match: Precondition,
    day: Day,
) -> dict[str, Any]:
    if "parent_id" in patch.model_fields_set:
        await hierarchy.lock_tree(conn, TASKS)
    row = await load(conn, caller, task_id, lock=True)
    permissions.require(caller, RESOURCE, "update", row)
    change = versioned.admit(TASKS, row, if_match)
    fields = patch.model_dump(exclude_unset=True)
    current = dict(row._mapping)
    merged = {**current, **fields}
    task_checks.check_shape(merged)
    changed = {
        k: v for k, v in fields.items() if history.jsonable(v) != history.jsonable(current[k])
    }
    if "due_date" in changed and current["due_date"] is not None:
        raise field_error(
            "due_date",
            "a deadline moves only by decision: an extension request and its decision, or a "
            "deadline adjustment (POST /api/v1/tasks/{id}/deadline-changes)",
        )
    await task_checks.check_references(conn, dict(changed), self_id=task_id)
    if changed.keys() & {"lead_agency_id", "lead_official_id", "division_ids"}:
        await task_checks.check_assignees(conn, {**current, **changed})
    if "due_date" in changed and current["original_due_date"] is None:
        changed["original_due_date"] = changed["due_date"]
    changes = history.diff(current, changed)
    if not changes:
        return to_body(caller, row, day)
    updated = await versioned.write(conn, change, changed, COLUMNS)
    await history.record(conn, caller, RESOURCE, task_id, "updated", changes)
    return to_body(caller, updated, day)


async def delete(
    conn: AsyncConnection, caller: Caller, task_id: uuid.UUID, if_match: Precondition
) -> None:
    row = await load(conn, caller, task_id, lock=True)
    permissions.require(caller, RESOURCE, "delete", row)
    if not permissions.deletable_task(row):
        raise Conflict(
            "Deleting is for mistakes: a task with progress, an extension request or a "
            f"completion, or created more than {permissions.delete_grace_days()} days ago, "
            "leaves the books only by 'cancel', with a reason.",
            allowed_actions=allowed_actions(caller, row),
        )
    await soft_delete.delete(conn, caller, RESOURCE, TASKS, row, if_match)


async def restore(
    conn: AsyncConnection, caller: Caller, task_id: uuid.UUID, if_match: Precondition, day: Day
) -> dict[str, Any]:
    row = await load(conn, caller, task_id, lock=True, include_deleted=True)
    permissions.require(caller, RESOURCE, "restore", row)
    restored = await soft_delete.restore(
        conn, caller, RESOURCE, TASKS, row, if_match, COLUMNS, allowed_actions(caller, row)
    )
    return to_body(caller, restored, day)


async def transition(
    conn: AsyncConnection,
    caller: Caller,
    task_id: uuid.UUID,
    data: TaskTransition,
    if_match: Precondition,
    day: Day,
) -> dict[str, Any]:
    """Take one action of the lifecycle (`app/tasks/spec.py: TASK_LIFECYCLE`)."""
    row = await load(conn, caller, task_id, lock=True)
    step = permissions.check_transition(caller, RESOURCE, data, row)
    change = versioned.admit(TASKS, row, if_match)
    values: dict[str, Any] = {"status": step.target}
    if isinstance(data, SubmitTask):
        values.update(_completion(caller, row, data, day))
        # The parent's work is not done while its parts are open, unless the lead says so.
        still_open = await open_subtasks(conn, task_id)
        if still_open and not data.close_open_subtasks:
            raise Conflict(
                f"{still_open} sub-task(s) of this task are still open: finish them first, or "
                "submit with close_open_subtasks: true (kept in history).",
                allowed_actions=allowed_actions(caller, row),
            )
        if still_open:
            values["open_subtasks_left"] = still_open
        if not row.requires_confirmation:
            values["status"] = TaskStatus.completed
    if isinstance(data, ReturnTask | CancelTask | ReopenTask):
        values["completed_on"] = None
    # The days the judgement needs (app/tasks/timeliness.py).
    values["paused_on"] = day.today if isinstance(data, PauseTask) else None
    if isinstance(data, CancelTask):
        values["cancelled_on"] = day.today
    if values["status"] == TaskStatus.completed:
        values["progress_percent"] = 100
    left = values.pop("open_subtasks_left", None)
    changes = history.diff(dict(row._mapping), values)
    if left:
        changes["open_subtasks_left"] = {"old": None, "new": left}
    if isinstance(data, SubmitTask) and data.evidence_ids:
        changes["evidence_ids"] = {
            "old": None,
            "new": await task_documents.evidence(conn, task_id, data.evidence_ids),
        }
    if isinstance(data, StartTask | SubmitTask):
        values["has_activity"] = True
    updated = await versioned.write(conn, change, values, COLUMNS)
    await history.record(conn, caller, RESOURCE, task_id, data.action, changes, data.comment)
    return to_body(caller, updated, day)


def _completion(caller: Caller, row: Any, data: SubmitTask, day: Day) -> dict[str, Any]:
    """The completion date of a submission: never in the future nor before the assignment;
    for agency staff at most `backdate_days` back; older only from the office or a leader,
    with a reason (kept on the task and in history)."""
    completed_on = data.completed_on or day.today
    if completed_on > day.today:
        raise field_error("completed_on", "cannot be in the future")
    if completed_on < row.assigned_on:
        raise field_error("completed_on", "cannot be before the task was assigned")
    values: dict[str, Any] = {
        "completed_on": completed_on,
        "result": data.result,
        "completed_on_reason": None,
    }
    if (day.today - completed_on).days > day.backdate_days:
        if caller.role == Role.agency:
            raise field_error(
                "completed_on",
                f"at most {day.backdate_days} days before today; an older date is recorded by "
                "the office or a leader, with a reason",
            )
        if data.reason is None:
            raise field_error(
                "reason", f"required for a completion date more than {day.backdate_days} days back"
            )
        values["completed_on_reason"] = data.reason
    return values


async def mark_activity(conn: AsyncConnection, row: Any) -> None:
    """The task has had activity (a progress report, an extension request): from now on it
    leaves the books only by `cancel`. Not a change of the task (no new version)."""
    if not row.has_activity:
        await conn.execute(update(TASKS).where(t.id == row.id).values(has_activity=True))
