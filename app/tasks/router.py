"""Tasks (API.md §4) and their progress reports, extension requests, reminders, history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.access.auth import Caller
from app.agencies import versions as agency_versions
from app.api.connections import Listing, Reading, Writing
from app.api.deps import (
    API_PREFIX,
    AsOf,
    IfMatch,
    IfMatchRequired,
    Paging,
    ResourceRoute,
    Today,
    page_response,
    problems,
    resource_response,
)
from app.api.queries import AsOfListQuery, Year
from app.core.day import Day
from app.core.enums import Pillar, Priority, TaskStatus, Timeliness
from app.files import exports
from app.files.downloads_router import add_file_route
from app.kernel.history_models import HistoryList
from app.kernel.listing import ListParams
from app.kernel.precondition import ABSENT
from app.kernel.schemas import AgencyRef, IsoDate
from app.tasks import as_of as task_as_of
from app.tasks import export as task_export
from app.tasks import lists as task_lists
from app.tasks import service as tasks
from app.tasks import subtasks
from app.tasks.lists import TaskFilters
from app.tasks.models import (
    SubtaskCreate,
    TaskCreate,
    TaskList,
    TaskRead,
    TaskUpdate,
)
from app.tasks.transition_models import (
    TaskTransition,
)

router = APIRouter(prefix=f"{API_PREFIX}/tasks", tags=["tasks"], route_class=ResourceRoute)
Ids = list[uuid.UUID] | None
FOR_ME = frozenset({"assignee", "portfolio"})  # the caller's own: not filters of the service


class TaskFiltering(BaseModel):
    """The filters of `GET /tasks` (a repeated parameter is OR)."""

    status: list[TaskStatus] | None = None
    timeliness: list[Timeliness] | None = None
    lead_agency_id: list[AgencyRef] | None = None
    agency_id: list[AgencyRef] | None = Field(None, description="Lead or cooperating.")
    directive_id: Ids = None
    proposal_id: Ids = None
    parent_id: Ids = None
    lead_official_id: Ids = None
    division_id: list[AgencyRef] | None = Field(
        None, description="Tasks one of these divisions carries."
    )
    assignee: Literal["me"] | None = Field(
        None, description="`me`: tasks whose focal official is the caller's official."
    )
    portfolio: Literal["me"] | None = Field(
        None,
        description="`me`: tasks in the fields or of the agencies of the caller's portfolio.",
    )
    pillar: list[Pillar] | None = None
    field: list[str] | None = None
    priority: list[Priority] | None = None
    is_key_task: bool | None = None
    year: list[Year] | None = None
    due_from: IsoDate | None = None
    due_to: IsoDate | None = None
    q: str | None = Field(None, description="Words to find in code, title and description.")


class TaskQuery(AsOfListQuery, TaskFiltering):
    """`GET /tasks`: the page, the day, and the filters (a repeated parameter is OR).

    The filters come first in the document, the page (and the day) after them."""


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
    ctx: Listing,
    today: Today,
    query: Annotated[TaskQuery, Query()],
) -> Response:
    """Tasks visible to the caller; sort keys: due_date, created_at, updated_at, code, priority,
    progress_percent (default `-created_at`)."""
    caller, conn = ctx.caller, ctx.conn
    params, day = query.page(request), query.day(today)
    filters = TaskFilters(**query.filters(exclude=FOR_ME))
    assignee, portfolio = query.assignee, query.portfolio
    if assignee or portfolio:
        filters = await task_lists.for_me(conn, caller, filters, assignee, portfolio)
    # As of a day: the tasks as they stood at its end (a day not yet over: as they stand).
    cut = None
    if query.as_of is not None:
        cut = task_as_of.end_of(query.as_of, request.app.state.settings.tz)
    kind = exports.wanted(request)
    if kind is not None:
        return _download(request, kind, caller, params, filters, day, cut)
    page, items = await task_lists.list_(conn, caller, params, filters, day, cut)
    return page_response(request, page, items)


def _download(
    request: Request,
    kind: str,
    caller: Caller,
    params: ListParams,
    filters: TaskFilters,
    day: Day,
    cut: datetime | None,
) -> Response:
    """Every matching task, not one page, streamed as it is read."""
    today = request.app.state.clock.today()
    title = [
        "Danh sách nhiệm vụ",
        f"Tình trạng tính đến ngày {day.today:%d/%m/%Y}",
        exports.made_on(today),
    ]
    rows = task_export.export_rows(
        request.app.state.download_engine, caller, params, filters, day, cut
    )
    return exports.stream(
        request, kind, f"nhiem-vu-{day.today}", title, task_export.EXPORT_HEADERS, rows
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
    ctx: Writing,
    data: TaskCreate,
    day: Today,
) -> Response:
    """Create a task; its code `NV-<year>-<number>` is generated unless given."""
    caller, conn = ctx.caller, ctx.conn
    body = await tasks.create(conn, caller, data, day)
    return resource_response(body, 201, f"{request.url.path}/{body['id']}")


@router.get(
    "/{task_id}", name="get", summary="Get a task", response_model=TaskRead, responses=problems(404)
)
async def get_task(
    task_id: uuid.UUID,
    ctx: Reading,
    day: AsOf,
    include_deleted: bool = False,
) -> Response:
    """One task with its timeliness and the actions the caller may take."""
    caller, conn = ctx.caller, ctx.conn
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
    ctx: Writing,
    day: Today,
    data: Annotated[TaskUpdate, Body(media_type="application/merge-patch+json")],
    if_match: IfMatchRequired = ABSENT,
) -> Response:
    """RFC 7396 merge patch; requires If-Match; status changes go through transitions."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(await tasks.update_(conn, caller, task_id, data, if_match, day))


@router.delete(
    "/{task_id}",
    name="delete",
    summary="Delete a task (soft)",
    status_code=204,
    responses=problems(404, 412),
)
async def delete_task(task_id: uuid.UUID, ctx: Writing, if_match: IfMatch = ABSENT) -> Response:
    """Soft-delete: hidden from lists until restored."""
    caller, conn = ctx.caller, ctx.conn
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
    ctx: Writing,
    day: Today,
    if_match: IfMatch = ABSENT,
) -> Response:
    """Bring a soft-deleted task back."""
    caller, conn = ctx.caller, ctx.conn
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
    ctx: Writing,
    day: Today,
    data: TaskTransition,
    if_match: IfMatch = ABSENT,
) -> Response:
    """start, submit, confirm, return, pause, resume, cancel, reopen (API.md §4 table)."""
    caller, conn = ctx.caller, ctx.conn
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
    ctx: Writing,
    day: Today,
    data: SubtaskCreate,
) -> Response:
    """The lead agency's staff (and the office, leaders) hand part of an open task to one of
    the lead's divisions or officials; list them with `GET /tasks?parent_id=…`."""
    caller, conn = ctx.caller, ctx.conn
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
    request: Request, task_id: uuid.UUID, ctx: Reading, params: Paging
) -> Response:
    """Every change and action: actor, time, changed fields, comment, request id; each
    agency a change names, with its name on the day of the change (`agency_names`)."""
    caller, conn = ctx.caller, ctx.conn
    page = await tasks.history_of(conn, caller, task_id, params)
    tz = request.app.state.settings.tz
    return page_response(request, page, await agency_versions.name_history(conn, page.rows, tz))
