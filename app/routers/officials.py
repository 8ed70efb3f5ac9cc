"""Officials (cán bộ) of agencies and their divisions, and the notices each was sent."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response

from app.auth import CurrentCaller
from app.kernel.precondition import ABSENT
from app.models.common import AgencyRef
from app.models.history import HistoryList
from app.models.officials import (
    NotificationList,
    OfficialCreate,
    OfficialList,
    OfficialRead,
    OfficialUpdate,
)
from app.routers.connections import ListConn, ReadConn, WriteConn
from app.routers.deps import (
    API_PREFIX,
    IfMatchRequired,
    Listing,
    ResourceRoute,
    page_response,
    problems,
    resource_response,
    rows_page_response,
)
from app.services import officials

router = APIRouter(prefix=f"{API_PREFIX}/officials", tags=["officials"], route_class=ResourceRoute)
Agencies = Annotated[list[AgencyRef] | None, Query()]


@router.get(
    "", name="list", summary="List officials", response_model=OfficialList, responses=problems()
)
async def list_officials(
    request: Request,
    caller: CurrentCaller,
    conn: ListConn,
    params: Listing,
    agency_id: Agencies = None,
    division_id: Agencies = None,
    active: bool | None = None,
) -> Response:
    """Officials the caller may see (agency staff: their own agency's); sort keys: name,
    created_at, updated_at."""
    page, items = await officials.list_(
        conn, caller, params, agency_id=agency_id, division_id=division_id, active=active
    )
    return page_response(request, page, items)


@router.post(
    "",
    name="create",
    summary="Add an official",
    status_code=201,
    response_model=OfficialRead,
    responses=problems(409, 413, 415),
)
async def create_official(
    request: Request, caller: CurrentCaller, conn: WriteConn, data: OfficialCreate
) -> Response:
    """The office adds officials of any agency; an agency's staff, of their own agency."""
    body = await officials.create(conn, caller, data)
    return resource_response(body, 201, f"{request.url.path}/{body['id']}")


@router.get(
    "/{official_id}",
    name="get",
    summary="Get an official",
    response_model=OfficialRead,
    responses=problems(404),
)
async def get_official(official_id: uuid.UUID, caller: CurrentCaller, conn: ReadConn) -> Response:
    """One official, with its ETag."""
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
    caller: CurrentCaller,
    conn: WriteConn,
    data: Annotated[OfficialUpdate, Body(media_type="application/merge-patch+json")],
    if_match: IfMatchRequired = ABSENT,
) -> Response:
    """RFC 7396 merge patch; requires If-Match. `active: false` retires an official."""
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
    caller: CurrentCaller,
    conn: ReadConn,
    params: Listing,
) -> Response:
    """Every change: actor, action, time, changed fields, request id."""
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
    caller: CurrentCaller,
    conn: ReadConn,
    params: Listing,
) -> Response:
    """The official's notices, newest first, with their delivery state: the official
    themself (signed in as them), the office and administrators."""
    return rows_page_response(
        request, await officials.notifications_of(conn, caller, official_id, params)
    )
