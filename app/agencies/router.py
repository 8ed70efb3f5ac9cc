"""Agencies (API.md §2)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.agencies import service as agencies
from app.agencies import succession
from app.agencies import versions as agency_versions
from app.agencies.models import (
    AgencyCreate,
    AgencyList,
    AgencyRead,
    AgencyUpdate,
    SuccessionCreate,
    SuccessionResult,
)
from app.agencies.version_models import AgencyVersionList
from app.api.connections import Listing, Reading, Writing
from app.api.deps import (
    API_PREFIX,
    IfMatch,
    IfMatchRequired,
    Paging,
    ResourceRoute,
    json_response,
    page_response,
    problems,
    resource_response,
    rows_page_response,
)
from app.api.queries import ListQuery
from app.core.enums import AgencyKind, AgencyStatus
from app.kernel.history_models import HistoryList
from app.kernel.precondition import ABSENT
from app.kernel.schemas import AgencyRef, IsoDate

router = APIRouter(prefix=f"{API_PREFIX}/agencies", tags=["agencies"], route_class=ResourceRoute)


class AgencyFiltering(BaseModel):
    """The filters of `GET /agencies` (a repeated parameter is OR)."""

    status: list[AgencyStatus] | None = None
    kind: list[AgencyKind] | None = None
    parent_id: list[AgencyRef] | None = None
    q: str | None = Field(None, description="Words to find in code and names.")


class AgencyQuery(ListQuery, AgencyFiltering):
    """`GET /agencies`: the page and the filters (a repeated parameter is OR).

    The filters come first in the document, the page (and the day) after them."""


@router.get(
    "", name="list", summary="List agencies", response_model=AgencyList, responses=problems()
)
async def list_agencies(
    request: Request, ctx: Listing, query: Annotated[AgencyQuery, Query()]
) -> Response:
    """Agencies, filtered and paginated; sort keys: code, name, created_at, updated_at."""
    caller, conn = ctx.caller, ctx.conn
    page, items = await agencies.list_(conn, caller, query.page(request), **query.filters())
    return page_response(request, page, items)


@router.post(
    "",
    name="create",
    summary="Create an agency",
    status_code=201,
    response_model=AgencyRead,
    responses=problems(409, 413, 415),
)
async def create_agency(
    request: Request,
    ctx: Writing,
    data: AgencyCreate,
) -> Response:
    """Create an agency; its code must be unique (409 otherwise)."""
    caller, conn = ctx.caller, ctx.conn
    body = await agencies.create(conn, caller, data)
    return resource_response(body, 201, f"{request.url.path}/{body['id']}")


@router.get(
    "/{agency_id}",
    name="get",
    summary="Get an agency",
    response_model=AgencyRead,
    responses=problems(404),
)
async def get_agency(
    agency_id: uuid.UUID,
    ctx: Reading,
    include_deleted: bool = False,
    as_of: Annotated[
        IsoDate | None,
        Query(
            description="The agency as it was on this day: its name, short name, parent, "
            "status and successor then."
        ),
    ] = None,
) -> Response:
    """One agency, with its ETag; with `as_of`, as it was that day."""
    caller, conn = ctx.caller, ctx.conn
    body = await agencies.get(conn, caller, agency_id, include_deleted)
    if as_of is None:
        return resource_response(body)
    # A past state is no representation to write against: no ETag.
    then = await agency_versions.state_on(conn, agency_id, as_of)
    return json_response({**body, **(then or {})})


@router.get(
    "/{agency_id}/versions",
    name="versions",
    summary="An agency over time",
    response_model=AgencyVersionList,
    responses=problems(404),
)
async def agency_versions_list(
    agency_id: uuid.UUID,
    ctx: Reading,
) -> Response:
    """Its name, short name, parent, status and successor in each period, oldest first: each
    version from `valid_from` (null: since first recorded) to `valid_to` (null: still)."""
    caller, conn = ctx.caller, ctx.conn
    await agencies.get(conn, caller, agency_id, include_deleted=True)
    return json_response({"items": await agency_versions.versions(conn, agency_id)})


@router.patch(
    "/{agency_id}",
    name="update",
    summary="Update an agency (merge patch)",
    response_model=AgencyRead,
    responses=problems(404, 412, 415, 428),
)
async def update_agency(
    request: Request,
    agency_id: uuid.UUID,
    ctx: Writing,
    data: Annotated[AgencyUpdate, Body(media_type="application/merge-patch+json")],
    if_match: IfMatchRequired = ABSENT,
) -> Response:
    """RFC 7396 merge patch; requires If-Match. A new name, short name or parent is in force
    from `effective_on` (default today)."""
    caller, conn = ctx.caller, ctx.conn
    today = request.app.state.clock.today()
    return resource_response(await agencies.update_(conn, caller, agency_id, data, if_match, today))


@router.delete(
    "/{agency_id}",
    name="delete",
    summary="Delete an agency (soft)",
    status_code=204,
    responses=problems(404, 412),
)
async def delete_agency(
    request: Request,
    agency_id: uuid.UUID,
    ctx: Writing,
    if_match: IfMatch = ABSENT,
) -> Response:
    """Soft-delete: hidden from lists until restored (its staff's keys stop signing in)."""
    caller, conn = ctx.caller, ctx.conn
    await agencies.delete(conn, caller, agency_id, if_match)
    request.app.state.key_cache.evict_agency(agency_id)
    return Response(status_code=204)


@router.post(
    "/{agency_id}/restore",
    name="restore",
    summary="Restore a deleted agency",
    response_model=AgencyRead,
    responses=problems(404, 409, 412),
)
async def restore_agency(
    agency_id: uuid.UUID,
    ctx: Writing,
    if_match: IfMatch = ABSENT,
) -> Response:
    """Bring a soft-deleted agency back."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(await agencies.restore(conn, caller, agency_id, if_match))


@router.get(
    "/{agency_id}/history",
    name="history",
    summary="History of an agency",
    response_model=HistoryList,
    responses=problems(404),
)
async def agency_history(
    request: Request, agency_id: uuid.UUID, ctx: Reading, params: Paging
) -> Response:
    """Every change: actor, action, time, changed fields, request id."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(request, await agencies.history_of(conn, caller, agency_id, params))


@router.post(
    "/{agency_id}/succession",
    name="succession",
    summary="Merge or dissolve an agency into a successor",
    response_model=SuccessionResult,
    responses=problems(404, 409, 412),
)
async def agency_succession(
    request: Request,
    agency_id: uuid.UUID,
    ctx: Writing,
    data: SuccessionCreate,
    if_match: IfMatch = ABSENT,
    dry_run: Annotated[bool, Query(description="Change nothing; answer what would move.")] = False,
) -> Response:
    """The agency becomes inactive; its open tasks (lead and cooperating), its proposals and
    budget requests in flight and its child units move to its successors, each its share."""
    caller, conn = ctx.caller, ctx.conn
    body = await succession.succeed(conn, caller, agency_id, data, if_match, dry_run=dry_run)
    if not dry_run:
        request.app.state.key_cache.evict_agency(agency_id)
    return json_response(body)
