"""Directives (API.md §3) and the tasks they assign."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.api.connections import Listing, Reading, Writing
from app.api.deps import (
    API_PREFIX,
    AsOf,
    IfMatch,
    IfMatchRequired,
    Paging,
    ResourceRoute,
    Today,
    json_response,
    page_response,
    problems,
    resource_response,
    rows_page_response,
)
from app.api.queries import AsOfListQuery, Year
from app.core.enums import DirectiveKind, DirectiveStatus
from app.directives import service as directives
from app.directives.models import (
    DirectiveCreate,
    DirectiveList,
    DirectiveRead,
    DirectiveTransition,
    DirectiveUpdate,
)
from app.directives.service import DirectiveFilters
from app.kernel.history_models import HistoryList
from app.kernel.precondition import ABSENT
from app.kernel.schemas import AgencyRef
from app.tasks.models import DirectiveTasksCreate, TaskRead

router = APIRouter(
    prefix=f"{API_PREFIX}/directives", tags=["directives"], route_class=ResourceRoute
)


class TaskItems(BaseModel):
    items: list[TaskRead]


class DirectiveFiltering(BaseModel):
    """The filters of `GET /directives` (a repeated parameter is OR)."""

    status: list[DirectiveStatus] | None = None
    kind: list[DirectiveKind] | None = None
    issuer_agency_id: list[AgencyRef] | None = None
    year: list[Year] | None = None
    q: str | None = Field(None, description="Words to find in code, number, title, content.")


class DirectiveQuery(AsOfListQuery, DirectiveFiltering):
    """`GET /directives`: the page, the day, and the filters (a repeated parameter is OR).

    The filters come first in the document, the page (and the day) after them."""


@router.get(
    "", name="list", summary="List directives", response_model=DirectiveList, responses=problems()
)
async def list_directives(
    request: Request,
    ctx: Listing,
    today: Today,
    query: Annotated[DirectiveQuery, Query()],
) -> Response:
    """Directives with their task summaries; sort keys: created_at, updated_at, code."""
    caller, conn = ctx.caller, ctx.conn
    params, day = query.page(request), query.day(today)
    filters = DirectiveFilters(**query.filters())
    page, items = await directives.list_(conn, caller, params, filters, day)
    return page_response(request, page, items)


@router.post(
    "",
    name="create",
    summary="Record a directive",
    status_code=201,
    response_model=DirectiveRead,
    responses=problems(409, 413, 415),
)
async def create_directive(
    request: Request,
    ctx: Writing,
    data: DirectiveCreate,
    day: Today,
) -> Response:
    """Create a directive in `draft`; `document_number` is unique per issuer and year."""
    caller, conn = ctx.caller, ctx.conn
    body = await directives.create(conn, caller, data, day)
    return resource_response(body, 201, f"{request.url.path}/{body['id']}")


@router.get(
    "/{directive_id}",
    name="get",
    summary="Get a directive",
    response_model=DirectiveRead,
    responses=problems(404),
)
async def get_directive(
    directive_id: uuid.UUID,
    ctx: Reading,
    day: AsOf,
    include_deleted: bool = False,
) -> Response:
    """One directive with its task summary."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(await directives.get(conn, caller, directive_id, day, include_deleted))


@router.patch(
    "/{directive_id}",
    name="update",
    summary="Update a directive (merge patch)",
    response_model=DirectiveRead,
    responses=problems(404, 409, 412, 415, 428),
)
async def update_directive(
    directive_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    data: Annotated[DirectiveUpdate, Body(media_type="application/merge-patch+json")],
    if_match: IfMatchRequired = ABSENT,
) -> Response:
    """RFC 7396 merge patch (also inside `meeting`); requires If-Match."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(
        await directives.update_(conn, caller, directive_id, data, if_match, day)
    )


@router.delete(
    "/{directive_id}",
    name="delete",
    summary="Delete a directive (soft)",
    status_code=204,
    responses=problems(404, 412),
)
async def delete_directive(
    directive_id: uuid.UUID, ctx: Writing, if_match: IfMatch = ABSENT
) -> Response:
    """Soft-delete: hidden from lists until restored."""
    caller, conn = ctx.caller, ctx.conn
    await directives.delete(conn, caller, directive_id, if_match)
    return Response(status_code=204)


@router.post(
    "/{directive_id}/restore",
    name="restore",
    summary="Restore a deleted directive",
    response_model=DirectiveRead,
    responses=problems(404, 409, 412),
)
async def restore_directive(
    directive_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    if_match: IfMatch = ABSENT,
) -> Response:
    """Bring a soft-deleted directive back."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(await directives.restore(conn, caller, directive_id, if_match, day))


@router.post(
    "/{directive_id}/transitions",
    name="transition",
    summary="Change a directive's status",
    response_model=DirectiveRead,
    responses=problems(404, 409, 412),
)
async def transition_directive(
    directive_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    data: DirectiveTransition,
    if_match: IfMatch = ABSENT,
) -> Response:
    """issue (draft → issued), close (issued → closed), withdraw (draft, issued → withdrawn),
    reopen (closed → issued)."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(
        await directives.transition(conn, caller, directive_id, data, if_match, day)
    )


@router.post(
    "/{directive_id}/tasks",
    name="create_tasks",
    summary="Assign the directive's tasks",
    status_code=201,
    response_model=TaskItems,
    responses=problems(404, 409, 413, 415),
)
async def create_directive_tasks(
    directive_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    data: DirectiveTasksCreate,
) -> Response:
    """Create all the tasks in one transaction: one bad item and none is created (the error
    names the item, e.g. `tasks.3.due_date`)."""
    caller, conn = ctx.caller, ctx.conn
    items = await directives.create_tasks(conn, caller, directive_id, data.tasks, day)
    return json_response({"items": items}, 201)


@router.get(
    "/{directive_id}/history",
    name="history",
    summary="History of a directive",
    response_model=HistoryList,
    responses=problems(404),
)
async def directive_history(
    request: Request,
    directive_id: uuid.UUID,
    ctx: Reading,
    params: Paging,
) -> Response:
    """Every change and action of the directive."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(
        request, await directives.history_of(conn, caller, directive_id, params)
    )
