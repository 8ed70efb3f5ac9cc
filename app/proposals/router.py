"""Proposals (API.md §5): what agencies ask of the committee, and the tasks that handle them."""

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
from app.api.queries import AsOfListQuery
from app.core.enums import ProposalCategory, ProposalStatus, Resolution
from app.kernel.history_models import HistoryList
from app.kernel.precondition import ABSENT
from app.kernel.schemas import AgencyRef
from app.proposals import service as proposals
from app.proposals.models import (
    ProposalCreate,
    ProposalList,
    ProposalRead,
    ProposalTransition,
    ProposalUpdate,
)
from app.proposals.service import ProposalFilters
from app.tasks.models import DirectiveTasksCreate, TaskRead

router = APIRouter(prefix=f"{API_PREFIX}/proposals", tags=["proposals"], route_class=ResourceRoute)


class TaskItems(BaseModel):
    items: list[TaskRead]


class ProposalFiltering(BaseModel):
    """The filters of `GET /proposals` (a repeated parameter is OR)."""

    status: list[ProposalStatus] | None = None
    resolution: list[Resolution] | None = None
    category: list[ProposalCategory] | None = None
    submitting_agency_id: list[AgencyRef] | None = None
    directive_id: list[uuid.UUID] | None = None
    response_overdue: bool | None = Field(
        None, description="Awaiting an answer past `response_due_date`."
    )
    q: str | None = Field(None, description="Words to find in code, title and content.")


class ProposalQuery(AsOfListQuery, ProposalFiltering):
    """`GET /proposals`: the page, the day, and the filters (a repeated parameter is OR).

    The filters come first in the document, the page (and the day) after them."""


@router.get(
    "", name="list", summary="List proposals", response_model=ProposalList, responses=problems()
)
async def list_proposals(
    request: Request,
    ctx: Listing,
    today: Today,
    query: Annotated[ProposalQuery, Query()],
) -> Response:
    """Proposals visible to the caller (an agency sees its own); sort keys: created_at, updated_at, code."""
    caller, conn = ctx.caller, ctx.conn
    params, day = query.page(request), query.day(today)
    filters = ProposalFilters(**query.filters())
    page, items = await proposals.list_(conn, caller, params, filters, day)
    return page_response(request, page, items)


@router.post(
    "",
    name="create",
    summary="Make a proposal",
    status_code=201,
    response_model=ProposalRead,
    responses=problems(409, 413, 415),
)
async def create_proposal(
    request: Request,
    ctx: Writing,
    data: ProposalCreate,
    day: Today,
) -> Response:
    """Create a proposal in `draft`; agency staff propose for their own agency."""
    caller, conn = ctx.caller, ctx.conn
    body = await proposals.create(conn, caller, data, day)
    return resource_response(body, 201, f"{request.url.path}/{body['id']}")


@router.get(
    "/{proposal_id}",
    name="get",
    summary="Get a proposal",
    response_model=ProposalRead,
    responses=problems(404),
)
async def get_proposal(
    proposal_id: uuid.UUID,
    ctx: Reading,
    day: AsOf,
    include_deleted: bool = False,
) -> Response:
    """One proposal with the tasks and budget requests linked to it."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(await proposals.get(conn, caller, proposal_id, day, include_deleted))


@router.patch(
    "/{proposal_id}",
    name="update",
    summary="Update a proposal (merge patch)",
    response_model=ProposalRead,
    responses=problems(404, 409, 412, 415, 428),
)
async def update_proposal(
    proposal_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    data: Annotated[ProposalUpdate, Body(media_type="application/merge-patch+json")],
    if_match: IfMatchRequired = ABSENT,
) -> Response:
    """While in draft; requires If-Match."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(
        await proposals.update_(conn, caller, proposal_id, data, if_match, day)
    )


@router.delete(
    "/{proposal_id}",
    name="delete",
    summary="Delete a proposal (soft)",
    status_code=204,
    responses=problems(404, 409, 412),
)
async def delete_proposal(
    proposal_id: uuid.UUID, ctx: Writing, if_match: IfMatch = ABSENT
) -> Response:
    """While in draft; soft delete."""
    caller, conn = ctx.caller, ctx.conn
    await proposals.delete(conn, caller, proposal_id, if_match)
    return Response(status_code=204)


@router.post(
    "/{proposal_id}/restore",
    name="restore",
    summary="Restore a deleted proposal",
    response_model=ProposalRead,
    responses=problems(404, 409, 412),
)
async def restore_proposal(
    proposal_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    if_match: IfMatch = ABSENT,
) -> Response:
    """Bring a soft-deleted proposal back."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(await proposals.restore(conn, caller, proposal_id, if_match, day))


@router.post(
    "/{proposal_id}/transitions",
    name="transition",
    summary="Change a proposal's status",
    response_model=ProposalRead,
    responses=problems(404, 409, 412),
)
async def transition_proposal(
    proposal_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    data: ProposalTransition,
    if_match: IfMatch = ABSENT,
) -> Response:
    """submit, review, resolve (with `resolution` and `response`), withdraw, reopen."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(
        await proposals.transition(conn, caller, proposal_id, data, if_match, day)
    )


@router.post(
    "/{proposal_id}/tasks",
    name="create_tasks",
    summary="Assign the tasks that handle a proposal",
    status_code=201,
    response_model=TaskItems,
    responses=problems(404, 409, 413, 415),
)
async def create_proposal_tasks(
    proposal_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    data: DirectiveTasksCreate,
) -> Response:
    """All in one transaction; each task carries `proposal_id` (and the proposal's directive)."""
    caller, conn = ctx.caller, ctx.conn
    items = await proposals.create_tasks(conn, caller, proposal_id, data.tasks, day)
    return json_response({"items": items}, 201)


@router.get(
    "/{proposal_id}/history",
    name="history",
    summary="History of a proposal",
    response_model=HistoryList,
    responses=problems(404),
)
async def proposal_history(
    request: Request, proposal_id: uuid.UUID, ctx: Reading, params: Paging
) -> Response:
    """Every change and action of the proposal."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(
        request, await proposals.history_of(conn, caller, proposal_id, params)
    )
