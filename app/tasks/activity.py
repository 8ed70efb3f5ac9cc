"""Progress reports, extension requests with their decisions, and manual reminders."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from app.access import permissions
from app.access.auth import Caller
from app.core.day import Day
from app.core.enums import DeadlineChangeKind, ExtensionStatus, ReminderKind, Role, TaskStatus
from app.core.ids import uuid7
from app.db import Reader
from app.errors.domain import Conflict, NotFound, field_error
from app.kernel import history, records, versioned
from app.kernel.listing import ListParams, Page
from app.kernel.precondition import Precondition
from app.kernel.schemas import utcnow
from app.tasks import deadlines
from app.tasks import service as tasks
from app.tasks.activity_models import (
    EXTENSION_REQUESTS,
    PROGRESS_REPORTS,
    REMINDERS,
    ExtensionDecision,
    ExtensionRequestCreate,
    ExtensionRequestRead,
    ProgressReportCreate,
    ProgressReportRead,
    ReminderCreate,
    ReminderRead,
)
from app.tasks.models import TASKS
from app.tasks.timeliness import OPEN_STATUSES

RESOURCE = tasks.RESOURCE
READS: dict[str, type[SQLModel]] = {
    PROGRESS_REPORTS.name: ProgressReportRead,
    EXTENSION_REQUESTS.name: ExtensionRequestRead,
    REMINDERS.name: ReminderRead,
}
pr = PROGRESS_REPORTS.c
er = EXTENSION_REQUESTS.c
rm = REMINDERS.c


def _require_open(row: Any, what: str) -> None:
    if row.status not in OPEN_STATUSES:
        raise Conflict(f"The task is {row.status}: {what} only on open tasks.")


async def _list(
    conn: Reader,
    caller: Caller,
    task_id: uuid.UUID,
    params: ListParams,
    table: Any,
) -> Page:
    await tasks.load(conn, caller, task_id, include_deleted=True)
    return await records.page_of(conn, table, READS[table.name], "task_id", task_id, params)


async def _get(
    conn: Reader, caller: Caller, task_id: uuid.UUID, table: Any, item_id: uuid.UUID
) -> dict[str, Any]:
    """One record of a task the caller can see (the URL a creation answers in `Location`)."""
    await tasks.load(conn, caller, task_id, include_deleted=True)
    return await records.one_of(conn, table, READS[table.name], "task_id", task_id, item_id)


async def get_progress_report(
    conn: Reader, caller: Caller, task_id: uuid.UUID, report_id: uuid.UUID
) -> dict[str, Any]:
    return await _get(conn, caller, task_id, PROGRESS_REPORTS, report_id)


async def get_extension_request(
    conn: Reader, caller: Caller, task_id: uuid.UUID, request_id: uuid.UUID
) -> dict[str, Any]:
    return await _get(conn, caller, task_id, EXTENSION_REQUESTS, request_id)


async def get_reminder(
    conn: Reader, caller: Caller, task_id: uuid.UUID, reminder_id: uuid.UUID
) -> dict[str, Any]:
    return await _get(conn, caller, task_id, REMINDERS, reminder_id)


# --- progress reports ----------------------------------------------------------------------


async def add_progress_report(
    conn: AsyncConnection,
    caller: Caller,
    task_id: uuid.UUID,
    data: ProgressReportCreate,
    day: Day,
) -> dict[str, Any]:
    """A lead agency's report sets the task's progress, and starts a `new` task."""
    row = await tasks.load(conn, caller, task_id, lock=True)
    permissions.require(caller, RESOURCE, "report_progress", row)
    _require_open(row, "progress is reported")
    if caller.role == Role.agency:
        if data.reporting_agency_id not in (None, caller.agency_id):
            raise field_error("reporting_agency_id", "staff report for their own agency only")
        agency_id = caller.agency_id
    else:
        agency_id = data.reporting_agency_id or row.lead_agency_id
        if agency_id != row.lead_agency_id and agency_id not in row.cooperating_agency_ids:
            raise field_error("reporting_agency_id", "must be the lead or a cooperating agency")
    reported_on = data.reported_on or day.today
    if reported_on > day.today:
        raise field_error("reported_on", "cannot be in the future")
    report = (
        await conn.execute(
            insert(PROGRESS_REPORTS)
            .values(
                id=uuid7(),
                task_id=task_id,
                reported_on=reported_on,
                progress_percent=data.progress_percent,
                results=data.results,
                difficulties=data.difficulties,
                recommendations=data.recommendations,
                attachments=[a.model_dump() for a in data.attachments],
                reporting_agency_id=agency_id,
                actor_id=caller.key_id,
                actor_name=caller.name,
                created_at=utcnow(),
            )
            .returning(*PROGRESS_REPORTS.c)
        )
    ).one()
    values: dict[str, Any] = {}
    if agency_id == row.lead_agency_id:
        values["progress_percent"] = data.progress_percent
        if row.status == TaskStatus.new:
            values["status"] = TaskStatus.in_progress
    changes = history.diff(dict(row._mapping), values)
    changes["progress_report_id"] = {"old": None, "new": str(report.id)}
    if values:
        await versioned.touch(conn, TASKS, task_id, values)
    await tasks.mark_activity(conn, row)
    await history.record(conn, caller, RESOURCE, task_id, "progress_reported", changes)
    return dict(report._mapping)


async def list_progress_reports(
    conn: Reader, caller: Caller, task_id: uuid.UUID, params: ListParams
) -> Page:
    return await _list(conn, caller, task_id, params, PROGRESS_REPORTS)


# --- extension requests --------------------------------------------------------------------


async def request_extension(
    conn: AsyncConnection,
    caller: Caller,
    task_id: uuid.UUID,
    data: ExtensionRequestCreate,
    day: Day,
) -> dict[str, Any]:
    row = await tasks.load(conn, caller, task_id, lock=True)
    permissions.require(caller, RESOURCE, "request_extension", row)
    _require_open(row, "extensions are requested")
    if row.due_date is None:
        raise Conflict("The task has no deadline to extend.")
    if data.proposed_due_date <= row.due_date:
        raise field_error("proposed_due_date", f"must be after the current due date {row.due_date}")
    pending = (
        await conn.execute(
            select(er.id).where(er.task_id == task_id, er.status == ExtensionStatus.pending)
        )
    ).first()
    if pending is not None:
        raise Conflict(
            "An extension request is already pending for this task.", pending_id=str(pending.id)
        )
    try:
        request = (
            await conn.execute(
                insert(EXTENSION_REQUESTS)
                .values(
                    id=uuid7(),
                    task_id=task_id,
                    current_due_date=row.due_date,
                    proposed_due_date=data.proposed_due_date,
                    reason=data.reason,
                    requested_after_deadline=day.today > row.due_date,
                    status=ExtensionStatus.pending,
                    requested_by_id=caller.key_id,
                    requested_by_name=caller.name,
                    created_at=utcnow(),
                )
                .returning(*EXTENSION_REQUESTS.c)
            )
        ).one()
    except IntegrityError as exc:  # the partial unique index: one pending per task
        raise Conflict("An extension request is already pending for this task.") from exc
    await tasks.mark_activity(conn, row)
    await history.record(
        conn,
        caller,
        RESOURCE,
        task_id,
        "extension_requested",
        {
            "extension_request_id": {"old": None, "new": str(request.id)},
            "proposed_due_date": {"old": None, "new": data.proposed_due_date.isoformat()},
        },
        data.reason,
    )
    return dict(request._mapping)


async def _pending_request(conn: AsyncConnection, task_id: uuid.UUID, request_id: uuid.UUID) -> Any:
    request = (
        await conn.execute(
            select(*EXTENSION_REQUESTS.c)
            .where(er.id == request_id, er.task_id == task_id)
            .with_for_update()
        )
    ).first()
    if request is None:
        raise NotFound(f"No extension request {request_id} on this task.")
    if request.status != ExtensionStatus.pending:
        raise Conflict(f"The request was already {request.status}.")
    return request


def _decided_due_date(row: Any, request: Any, data: ExtensionDecision) -> Any:
    """The due date an approval sets: the one decided, else the one proposed; after the
    current one."""
    if not data.approved:
        if data.approved_due_date is not None:
            raise field_error("approved_due_date", "only with an approval")
        return None
    new_due = data.approved_due_date or request.proposed_due_date
    if row.due_date is not None and new_due <= row.due_date:
        raise field_error("approved_due_date", f"must be after the current due date {row.due_date}")
    return new_due


async def decide_extension(
    conn: AsyncConnection,
    caller: Caller,
    task_id: uuid.UUID,
    request_id: uuid.UUID,
    data: ExtensionDecision,
    if_match: Precondition,
    day: Day,
) -> dict[str, Any]:
    """Approval moves the task's due date; the original one is kept."""
    row = await tasks.load(conn, caller, task_id, lock=True)
    permissions.require(caller, RESOURCE, "decide_extension", row)
    change = versioned.admit(TASKS, row, if_match)
    request = await _pending_request(conn, task_id, request_id)
    new_due = _decided_due_date(row, request, data)
    decided = (
        await conn.execute(
            update(EXTENSION_REQUESTS)
            .where(er.id == request_id)
            .values(
                status=ExtensionStatus.approved if data.approved else ExtensionStatus.rejected,
                approved_due_date=new_due,
                decision_comment=data.comment,
                decided_by_id=caller.key_id,
                decided_by_name=caller.name,
                decided_at=utcnow(),
            )
            .returning(*EXTENSION_REQUESTS.c)
        )
    ).one()
    changes: dict[str, Any] = {
        "extension_request_id": {"old": None, "new": str(request_id)},
        "extension_approved": {"old": None, "new": data.approved},
    }
    if new_due is not None:
        _, moved = await deadlines.record(
            conn,
            caller,
            change,
            new_due,
            day,
            kind=DeadlineChangeKind.extension,
            extension_request_id=request_id,
            after_deadline=request.requested_after_deadline,
            reason=request.reason,
            decided_by_name=caller.name,
        )
        changes.update(moved)
    await history.record(
        conn, caller, RESOURCE, task_id, "extension_decided", changes, data.comment
    )
    return dict(decided._mapping)


async def list_extension_requests(
    conn: Reader, caller: Caller, task_id: uuid.UUID, params: ListParams
) -> Page:
    return await _list(conn, caller, task_id, params, EXTENSION_REQUESTS)


# --- reminders -----------------------------------------------------------------------------


async def remind(
    conn: AsyncConnection, caller: Caller, task_id: uuid.UUID, data: ReminderCreate
) -> dict[str, Any]:
    row = await tasks.load(conn, caller, task_id, lock=True)
    permissions.require(caller, RESOURCE, "remind", row)
    if data.kind != ReminderKind.manual:
        raise field_error("kind", "only 'manual' reminders are made through the API")
    _require_open(row, "reminders are sent")
    reminder = (
        await conn.execute(
            insert(REMINDERS)
            .values(
                id=uuid7(),
                task_id=task_id,
                kind=data.kind.value,
                channel=data.channel.value,
                message=data.message,
                document_number=data.document_number,
                due_date=row.due_date,
                actor_id=caller.key_id,
                actor_name=caller.name,
                created_at=utcnow(),
            )
            .returning(*REMINDERS.c)
        )
    ).one()
    await history.record(
        conn,
        caller,
        RESOURCE,
        task_id,
        "reminded",
        {
            "reminder_id": {"old": None, "new": str(reminder.id)},
            "channel": {"old": None, "new": data.channel.value},
        },
        data.message,
    )
    return dict(reminder._mapping)


async def list_reminders(
    conn: Reader, caller: Caller, task_id: uuid.UUID, params: ListParams
) -> Page:
    return await _list(conn, caller, task_id, params, REMINDERS)
