"""A task's progress reports, extension requests with their decisions, and reminders
(API.md §4 sub-resources)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.connections import Reading, Writing
from app.api.deps import (
    API_PREFIX,
    IfMatch,
    Paging,
    ResourceRoute,
    Today,
    json_response,
    problems,
    rows_page_response,
)
from app.kernel.precondition import ABSENT
from app.tasks import activity as task_activity
from app.tasks import deadlines
from app.tasks.activity_models import (
    ExtensionDecision,
    ExtensionRequestCreate,
    ExtensionRequestList,
    ExtensionRequestRead,
    ProgressReportCreate,
    ProgressReportList,
    ProgressReportRead,
    ReminderCreate,
    ReminderList,
    ReminderRead,
)
from app.tasks.deadline_models import (
    DeadlineAdjustmentCreate,
    DeadlineChangeList,
    DeadlineChangeRead,
)

router = APIRouter(prefix=f"{API_PREFIX}/tasks", tags=["tasks"], route_class=ResourceRoute)


@router.get(
    "/{task_id}/progress-reports",
    name="list_progress_reports",
    summary="Progress reports of a task",
    response_model=ProgressReportList,
    responses=problems(404),
)
async def list_progress_reports(
    request: Request, task_id: uuid.UUID, ctx: Reading, params: Paging
) -> Response:
    """Reports in the order they were made."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(
        request, await task_activity.list_progress_reports(conn, caller, task_id, params)
    )


@router.post(
    "/{task_id}/progress-reports",
    name="report_progress",
    summary="Report progress",
    status_code=201,
    response_model=ProgressReportRead,
    responses=problems(404, 409, 413, 415),
)
async def report_progress(
    request: Request,
    task_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    data: ProgressReportCreate,
) -> Response:
    """By the lead or a cooperating agency, or the office; the lead's report sets the task's progress."""
    caller, conn = ctx.caller, ctx.conn
    body = await task_activity.add_progress_report(conn, caller, task_id, data, day)
    return json_response(body, 201, {"Location": f"{request.url.path}/{body['id']}"})


@router.get(
    "/{task_id}/extension-requests",
    name="list_extension_requests",
    summary="Extension requests of a task",
    response_model=ExtensionRequestList,
    responses=problems(404),
)
async def list_extension_requests(
    request: Request, task_id: uuid.UUID, ctx: Reading, params: Paging
) -> Response:
    """Requests with their decisions."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(
        request, await task_activity.list_extension_requests(conn, caller, task_id, params)
    )


@router.post(
    "/{task_id}/extension-requests",
    name="request_extension",
    summary="Ask for a later deadline",
    status_code=201,
    response_model=ExtensionRequestRead,
    responses=problems(404, 409, 413, 415),
)
async def request_extension(
    request: Request,
    task_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    data: ExtensionRequestCreate,
) -> Response:
    """By the lead agency or the office; one pending request at a time. A request made after
    the deadline has passed is marked `requested_after_deadline`."""
    caller, conn = ctx.caller, ctx.conn
    body = await task_activity.request_extension(conn, caller, task_id, data, day)
    return json_response(body, 201, {"Location": f"{request.url.path}/{body['id']}"})


@router.post(
    "/{task_id}/extension-requests/{request_id}/decision",
    name="decide_extension",
    summary="Decide an extension request",
    response_model=ExtensionRequestRead,
    responses=problems(404, 409, 412, 413, 415),
)
async def decide_extension(
    task_id: uuid.UUID,
    request_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    data: ExtensionDecision,
    if_match: IfMatch = ABSENT,
) -> Response:
    """By the office or a leader; approval moves the due date (a row of
    `…/deadline-changes`) and keeps the original."""
    caller, conn = ctx.caller, ctx.conn
    body = await task_activity.decide_extension(
        conn, caller, task_id, request_id, data, if_match, day
    )
    return json_response(body)


@router.get(
    "/{task_id}/deadline-changes",
    name="list_deadline_changes",
    summary="Every change of a task's deadline",
    response_model=DeadlineChangeList,
    responses=problems(404),
)
async def list_deadline_changes(
    request: Request, task_id: uuid.UUID, ctx: Reading, params: Paging
) -> Response:
    """Approved extensions and deadline adjustments, oldest first, each with its decision."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(request, await deadlines.list_(conn, caller, task_id, params))


@router.post(
    "/{task_id}/deadline-changes",
    name="adjust_deadline",
    summary="Move a deadline by decision",
    status_code=201,
    response_model=DeadlineChangeRead,
    responses=problems(404, 409, 412, 413, 415),
)
async def adjust_deadline(
    request: Request,
    task_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    data: DeadlineAdjustmentCreate,
    if_match: IfMatch = ABSENT,
) -> Response:
    """By the office or a leader, naming the decision (number, date, who) and the reason; the
    only way besides an approved extension request that a deadline moves."""
    caller, conn = ctx.caller, ctx.conn
    body = await deadlines.adjust(conn, caller, task_id, data, if_match, day)
    return json_response(body, 201, {"Location": f"{request.url.path}/{body['id']}"})


@router.get(
    "/{task_id}/deadline-changes/{change_id}",
    name="get_deadline_change",
    summary="One change of a task's deadline",
    response_model=DeadlineChangeRead,
    responses=problems(404),
)
async def get_deadline_change(
    task_id: uuid.UUID,
    change_id: uuid.UUID,
    ctx: Reading,
) -> Response:
    caller, conn = ctx.caller, ctx.conn
    return json_response(await deadlines.get(conn, caller, task_id, change_id))


@router.get(
    "/{task_id}/reminders",
    name="list_reminders",
    summary="Reminders sent for a task",
    response_model=ReminderList,
    responses=problems(404),
)
async def list_reminders(
    request: Request, task_id: uuid.UUID, ctx: Reading, params: Paging
) -> Response:
    """Manual and automatic reminders (đôn đốc)."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(
        request, await task_activity.list_reminders(conn, caller, task_id, params)
    )


@router.post(
    "/{task_id}/reminders",
    name="remind",
    summary="Send a reminder",
    status_code=201,
    response_model=ReminderRead,
    responses=problems(404, 409, 413, 415),
)
async def remind(
    request: Request,
    task_id: uuid.UUID,
    ctx: Writing,
    data: ReminderCreate,
) -> Response:
    """A manual reminder by the office or a leader."""
    caller, conn = ctx.caller, ctx.conn
    body = await task_activity.remind(conn, caller, task_id, data)
    return json_response(body, 201, {"Location": f"{request.url.path}/{body['id']}"})


@router.get(
    "/{task_id}/progress-reports/{report_id}",
    name="get_progress_report",
    summary="One progress report",
    response_model=ProgressReportRead,
    responses=problems(404),
)
async def get_progress_report(
    task_id: uuid.UUID,
    report_id: uuid.UUID,
    ctx: Reading,
) -> Response:
    """The report a `POST …/progress-reports` answered with in `Location`."""
    caller, conn = ctx.caller, ctx.conn
    return json_response(await task_activity.get_progress_report(conn, caller, task_id, report_id))


@router.get(
    "/{task_id}/extension-requests/{request_id}",
    name="get_extension_request",
    summary="One extension request",
    response_model=ExtensionRequestRead,
    responses=problems(404),
)
async def get_extension_request(
    task_id: uuid.UUID,
    request_id: uuid.UUID,
    ctx: Reading,
) -> Response:
    """The request with its decision, if any."""
    caller, conn = ctx.caller, ctx.conn
    return json_response(
        await task_activity.get_extension_request(conn, caller, task_id, request_id)
    )


@router.get(
    "/{task_id}/reminders/{reminder_id}",
    name="get_reminder",
    summary="One reminder",
    response_model=ReminderRead,
    responses=problems(404),
)
async def get_reminder(
    task_id: uuid.UUID,
    reminder_id: uuid.UUID,
    ctx: Reading,
) -> Response:
    """A reminder (đôn đốc), manual or from the scheduler."""
    caller, conn = ctx.caller, ctx.conn
    return json_response(await task_activity.get_reminder(conn, caller, task_id, reminder_id))
