"""Tasks (API.md §4) and their progress reports, extension requests, reminders, history."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response

from app import exports
from app.auth import Caller, CurrentCaller
from app.enums import Pillar, Priority, TaskStatus, Timeliness
from app.kernel.listing import ListParams
from app.kernel.precondition import ABSENT
from app.models.common import AgencyRef, IsoDate
from app.models.history import HistoryList
from app.models.tasks import (
    SubtaskCreate,
    TaskCreate,
    TaskList,
    TaskRead,
    TaskTransition,
    TaskUpdate,
)
from app.routers.connections import ListConn, ReadConn, WriteConn
from app.routers.deps import (
    API_PREFIX,
    AsOf,
    IfMatch,
    IfMatchRequired,
    Listing,
    ResourceRoute,
    Today,
    Year,
    page_response,
    problems,
    resource_response,
)
from app.routers.files import add_file_route
from app.services import agency_versions, subtasks, task_lists, tasks
from app.services.task_lists import TaskFilters

router = APIRouter(prefix=f"{API_PREFIX}/tasks", tags=["tasks"], route_class=ResourceRoute)
Ids = Annotated[list[uuid.UUID] | None, Query()]
Divisions = Annotated[
    list[AgencyRef] | None, Query(description="Tasks one of these divisions carries.")
]
Assignee = Annotated[
    Literal["me"] | None,
    Query(description="`me`: tasks whose focal official is the caller's official."),
]
Portfolio = Annotated[
    Literal["me"] | None,
    Query(description="`me`: tasks in the fields or of the agencies of the caller's portfolio."),
]


@router.get(
    "",
    name="list",
    summary="List tasks",
    response_model=TaskList,
    responses={
        **problems(),
        200: {"description": "A page of tasks; every matching task as a file: GET /tasks.csv."},
    },
)
async def list_tasks(
    request: Request,
    caller: CurrentCaller,
    conn: ListConn,
    params: Listing,
    day: AsOf,
    status: Annotated[list[TaskStatus] | None, Query()] = None,
    timeliness: Annotated[list[Timeliness] | None, Query()] = None,
    lead_agency_id: Annotated[list[AgencyRef] | None, Query()] = None,
    agency_id: Annotated[list[AgencyRef] | None, Query(description="Lead or cooperating.")] = None,
    directive_id: Ids = None,
    proposal_id: Ids = None,
    parent_id: Ids = None,
    lead_official_id: Ids = None,
    division_id: Divisions = None,
    assignee: Assignee = None,
    portfolio: Portfolio = None,
    pillar: Annotated[list[Pillar] | None, Query()] = None,
    field: Annotated[list[str] | None, Query()] = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
    is_key_task: bool | None = None,
    year: Annotated[list[Year] | None, Query()] = None,
    due_from: IsoDate | None = None,
    due_to: IsoDate | None = None,
    q: Annotated[
        str | None, Query(description="Words to find in code, title and description.")
    ] = None,
) -> Response:
    """Tasks visible to the caller; sort keys: due_date, created_at, updated_at, code, priority,
    progress_percent (default `-created_at`)."""
    filters = TaskFilters(
        status=status,
        timeliness=timeliness,
        lead_agency_id=lead_agency_id,
        agency_id=agency_id,
        directive_id=directive_id,
        proposal_id=proposal_id,
        parent_id=parent_id,
        lead_official_id=lead_official_id,
        division_id=division_id,
        pillar=pillar,
        field=field,
        priority=priority,
        is_key_task=is_key_task,
        year=year,
        due_from=due_from,
        due_to=due_to,
        q=q,
    )
    if assignee or portfolio:
        filters = await task_lists.for_me(conn, caller, filters, assignee, portfolio)
    kind = exports.wanted(request)
    if kind is not None:
        return _download(request, kind, caller, params, filters, day)
    page, items = await task_lists.list_(conn, caller, params, filters, day)
    return page_response(request, page, items)


def _download(
    request: Request,
    kind: str,
    caller: Caller,
    params: ListParams,
    filters: TaskFilters,
    day: tasks.Day,
) -> Response:
    """Every matching task, not one page, streamed as it is read."""
    today = request.app.state.clock.today()
    title = [
        "Danh sách nhiệm vụ",
        f"Tình trạng tính đến ngày {day.today:%d/%m/%Y}",
        exports.made_on(today),
    ]
    rows = task_lists.export_rows(request.app.state.download_engine, caller, params, filters, day)
    return exports.stream(
        request, kind, f"nhiem-vu-{day.today}", title, task_lists.EXPORT_HEADERS, rows
    )


add_file_route(
    router,
    list_tasks,
    name="download",
    summary="Every matching task as a CSV or xlsx file",
    responses=problems(),
)


@router.post(
    "",
    name="create",
    summary="Assign a task",
    status_code=201,
    response_model=TaskRead,
    responses=problems(409, 413, 415),
)
async def create_task(
    request: Request,
    caller: CurrentCaller,
    conn: WriteConn,
    data: TaskCreate,
    day: Today,
) -> Response:
    """Create a task; its code `NV-<year>-<number>` is generated unless given."""

    body = await tasks.create(conn, caller, data, day)
    return resource_response(body, 201, f"{request.url.path}/{body['id']}")


@router.get(
    "/{task_id}", name="get", summary="Get a task", response_model=TaskRead, responses=problems(404)
)
async def get_task(
    task_id: uuid.UUID,
    caller: CurrentCaller,
    conn: ReadConn,
    day: AsOf,
    include_deleted: bool = False,
) -> Response:
    """One task with its timeliness and the actions the caller may take."""
    return resource_response(await tasks.get(conn, caller, task_id, day, include_deleted))


@router.patch(
    "/{task_id}",
    name="update",
    summary="Update a task (merge patch)",
    response_model=TaskRead,
    responses=problems(404, 412, 415, 428),
)
async def update_task(
    task_id: uuid.UUID,
    caller: CurrentCaller,
    conn: WriteConn,
    day: Today,
    data: Annotated[TaskUpdate, Body(media_type="application/merge-patch+json")],
    if_match: IfMatchRequired = ABSENT,
) -> Response:
    """RFC 7396 merge patch; requires If-Match; status changes go through transitions."""
    return resource_response(await tasks.update_(conn, caller, task_id, data, if_match, day))


@router.delete(
    "/{task_id}",
    name="delete",
    summary="Delete a task (soft)",
    status_code=204,
    responses=problems(404, 412),
)
async def delete_task(
    task_id: uuid.UUID, caller: CurrentCaller, conn: WriteConn, if_match: IfMatch = ABSENT
) -> Response:
    """Soft-delete: hidden from lists until restored."""
    await tasks.delete(conn, caller, task_id, if_match)
    return Response(status_code=204)


@router.post(
    "/{task_id}/restore",
    name="restore",
    summary="Restore a deleted task",
    response_model=TaskRead,
    responses=problems(404, 409, 412),
)
async def restore_task(
    task_id: uuid.UUID,
    caller: CurrentCaller,
    conn: WriteConn,
    day: Today,
    if_match: IfMatch = ABSENT,
) -> Response:
    """Bring a soft-deleted task back."""

    return resource_response(await tasks.restore(conn, caller, task_id, if_match, day))


@router.post(
    "/{task_id}/transitions",
    name="transition",
    summary="Change a task's status",
    response_model=TaskRead,
    responses=problems(404, 409, 412),
)
async def transition_task(
    task_id: uuid.UUID,
    caller: CurrentCaller,
    conn: WriteConn,
    day: Today,
    data: TaskTransition,
    if_match: IfMatch = ABSENT,
) -> Response:
    """start, submit, confirm, return, pause, resume, cancel, reopen (API.md §4 table)."""

    return resource_response(await tasks.transition(conn, caller, task_id, data, if_match, day))


@router.post(
    "/{task_id}/subtasks",
    name="create-subtask",
    summary="Split a task: a sub-task for a division or an official",
    status_code=201,
    response_model=TaskRead,
    responses=problems(404, 409, 413, 415),
)
async def create_subtask(
    request: Request,
    task_id: uuid.UUID,
    caller: CurrentCaller,
    conn: WriteConn,
    day: Today,
    data: SubtaskCreate,
) -> Response:
    """The lead agency's staff (and the office, leaders) hand part of an open task to one of
    the lead's divisions or officials; list them with `GET /tasks?parent_id=…`."""
    body = await subtasks.create_subtask(conn, caller, task_id, data, day)
    return resource_response(body, 201, f"{API_PREFIX}/tasks/{body['id']}")


@router.get(
    "/{task_id}/history",
    name="history",
    summary="History of a task",
    response_model=HistoryList,
    responses=problems(404),
)
async def task_history(
    request: Request, task_id: uuid.UUID, caller: CurrentCaller, conn: ReadConn, params: Listing
) -> Response:
    """Every change and action: actor, time, changed fields, comment, request id; each
    agency a change names, with its name on the day of the change (`agency_names`)."""
    page = await tasks.history_of(conn, caller, task_id, params)
    tz = request.app.state.settings.tz
    return page_response(request, page, await agency_versions.name_history(conn, page.rows, tz))
