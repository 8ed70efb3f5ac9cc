"""Officials (cán bộ) of agencies and their divisions, and the notices each was sent."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from app.api.connections import Listing, Reading, Writing
from app.api.deps import (
    API_PREFIX,
    IfMatchRequired,
    Paging,
    ResourceRoute,
    page_response,
    problems,
    resource_response,
    rows_page_response,
)
from app.api.queries import ListQuery
from app.kernel.history_models import HistoryList
from app.kernel.precondition import ABSENT
from app.kernel.schemas import AgencyRef
from app.people import service as officials
from app.people.models import (
    NotificationList,
    OfficialCreate,
    OfficialList,
    OfficialRead,
    OfficialUpdate,
)

router = APIRouter(prefix=f"{API_PREFIX}/officials", tags=["officials"], route_class=ResourceRoute)
Agencies = Annotated[list[AgencyRef] | None, Query()]


class OfficialFiltering(BaseModel):
    """The filters of `GET /officials` (a repeated parameter is OR)."""

    agency_id: list[AgencyRef] | None = None
    division_id: list[AgencyRef] | None = None
    active: bool | None = None


class OfficialQuery(ListQuery, OfficialFiltering):
    """`GET /officials`: the page and the filters (a repeated parameter is OR).

    The filters come first in the document, the page (and the day) after them."""


@router.get(
    "", name="list", summary="List officials", response_model=OfficialList, responses=problems()
)
async def list_officials(
    request: Request,
    ctx: Listing,
    query: Annotated[OfficialQuery, Query()],
) -> Response:
    """Officials the caller may see (agency staff: their own agency's); sort keys: name,
    created_at, updated_at."""
    caller, conn = ctx.caller, ctx.conn
    page, items = await officials.list_(conn, caller, query.page(request), **query.filters())
    return page_response(request, page, items)


@router.post(
    "",
    name="create",
    summary="Add an official",
    status_code=201,
    response_model=OfficialRead,
    responses=problems(409, 413, 415),
)
async def create_official(request: Request, ctx: Writing, data: OfficialCreate) -> Response:
    """The office adds officials of any agency; an agency's staff, of their own agency."""
    caller, conn = ctx.caller, ctx.conn
    body = await officials.create(conn, caller, data)
    return resource_response(body, 201, f"{request.url.path}/{body['id']}")


@router.get(
    "/{official_id}",
    name="get",
    summary="Get an official",
    response_model=OfficialRead,
    responses=problems(404),
)
async def get_official(
    official_id: uuid.UUID,
    ctx: Reading,
) -> Response:
    """One official, with its ETag."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(await officials.get(conn, caller, official_id))


@router.patch(
    "/{official_id}",
    name="update",
    summary="Update an official (merge patch)",
    response_model=OfficialRead,
    responses=problems(404, 409, 412, 415, 428),
)
async def update_official(
    official_id: uuid.UUID,
    ctx: Writing,
    data: Annotated[OfficialUpdate, Body(media_type="application/merge-patch+json")],
    if_match: IfMatchRequired = ABSENT,
) -> Response:
    """RFC 7396 merge patch; requires If-Match. `active: false` retires an official."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(await officials.update_(conn, caller, official_id, data, if_match))


@router.get(
    "/{official_id}/history",
    name="history",
    summary="History of an official",
    response_model=HistoryList,
    responses=problems(404),
)
async def official_history(
    request: Request,
    official_id: uuid.UUID,
    ctx: Reading,
    params: Paging,
) -> Response:
    """Every change: actor, action, time, changed fields, request id."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(
        request, await officials.history_of(conn, caller, official_id, params)
    )


@router.get(
    "/{official_id}/notifications",
    name="notifications",
    summary="Notices sent to an official",
    response_model=NotificationList,
    responses=problems(404),
)
async def official_notifications(
    request: Request,
    official_id: uuid.UUID,
    ctx: Reading,
    params: Paging,
) -> Response:
    """The official's notices, newest first, with their delivery state: the official
    themself (signed in as them), the office and administrators."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(
        request, await officials.notifications_of(conn, caller, official_id, params)
    )
