"""Budget requests (API.md §6): appraisal, approval, disbursements, deadline extensions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.api.connections import Listing, Reading, Writing
from app.api.deps import (
    API_PREFIX,
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
from app.api.queries import ListQuery, Year
from app.budget import payments as budget_payments
from app.budget import service as budget_requests
from app.budget.models import (
    BudgetRequestCreate,
    BudgetRequestList,
    BudgetRequestRead,
    BudgetRequestUpdate,
    BudgetTransition,
    DeadlineExtensionCreate,
    DeadlineExtensionList,
    DeadlineExtensionRead,
    DisbursementCreate,
    DisbursementList,
    DisbursementRead,
)
from app.budget.service import BudgetFilters
from app.core.enums import BudgetPurpose, BudgetStatus, ExpenditureType, FundingSource
from app.kernel.history_models import HistoryList
from app.kernel.precondition import ABSENT
from app.kernel.schemas import AgencyRef

router = APIRouter(
    prefix=f"{API_PREFIX}/budget-requests", tags=["budget-requests"], route_class=ResourceRoute
)


class BudgetRequestFiltering(BaseModel):
    """The filters of `GET /budget-requests` (a repeated parameter is OR)."""

    status: list[BudgetStatus] | None = None
    fiscal_year: list[Year] | None = None
    expenditure_type: list[ExpenditureType] | None = None
    purpose: list[BudgetPurpose] | None = None
    funding_source: list[FundingSource] | None = None
    requesting_agency_id: list[AgencyRef] | None = None
    proposal_id: list[uuid.UUID] | None = None
    q: str | None = Field(
        None, description="Words to find in code, title, project and justification."
    )


class BudgetRequestQuery(ListQuery, BudgetRequestFiltering):
    """`GET /budget-requests`: the page and the filters (a repeated parameter is OR).

    The filters come first in the document, the page (and the day) after them."""


@router.get(
    "",
    name="list",
    summary="List budget requests",
    response_model=BudgetRequestList,
    responses=problems(),
)
async def list_budget_requests(
    request: Request,
    ctx: Listing,
    query: Annotated[BudgetRequestQuery, Query()],
) -> Response:
    """Budget requests visible to the caller (an agency sees its own); sort keys: created_at,
    updated_at, code, amount_requested_vnd."""
    caller, conn = ctx.caller, ctx.conn
    filters = BudgetFilters(**query.filters())
    page, items = await budget_requests.list_(conn, caller, query.page(request), filters)
    return page_response(request, page, items)


@router.post(
    "",
    name="create",
    summary="Ask for funding",
    status_code=201,
    response_model=BudgetRequestRead,
    responses=problems(409, 413, 415),
)
async def create_budget_request(
    request: Request,
    ctx: Writing,
    data: BudgetRequestCreate,
) -> Response:
    """Create a request in `draft`; amounts are whole đồng."""
    caller, conn = ctx.caller, ctx.conn
    body = await budget_requests.create(conn, caller, data)
    return resource_response(body, 201, f"{request.url.path}/{body['id']}")


@router.get(
    "/{request_id}",
    name="get",
    summary="Get a budget request",
    response_model=BudgetRequestRead,
    responses=problems(404),
)
async def get_budget_request(
    request_id: uuid.UUID, ctx: Reading, include_deleted: bool = False
) -> Response:
    """One budget request with its amounts and `disbursed_vnd`."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(await budget_requests.get(conn, caller, request_id, include_deleted))


@router.patch(
    "/{request_id}",
    name="update",
    summary="Update a budget request (merge patch)",
    response_model=BudgetRequestRead,
    responses=problems(404, 409, 412, 415, 428),
)
async def update_budget_request(
    request_id: uuid.UUID,
    ctx: Writing,
    data: Annotated[BudgetRequestUpdate, Body(media_type="application/merge-patch+json")],
    if_match: IfMatchRequired = ABSENT,
) -> Response:
    """While draft or returned; requires If-Match."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(
        await budget_requests.update_(conn, caller, request_id, data, if_match)
    )


@router.delete(
    "/{request_id}",
    name="delete",
    summary="Delete a budget request (soft)",
    status_code=204,
    responses=problems(404, 409, 412),
)
async def delete_budget_request(
    request_id: uuid.UUID, ctx: Writing, if_match: IfMatch = ABSENT
) -> Response:
    """While draft or returned; soft delete."""
    caller, conn = ctx.caller, ctx.conn
    await budget_requests.delete(conn, caller, request_id, if_match)
    return Response(status_code=204)


@router.post(
    "/{request_id}/restore",
    name="restore",
    summary="Restore a deleted budget request",
    response_model=BudgetRequestRead,
    responses=problems(404, 409, 412),
)
async def restore_budget_request(
    request_id: uuid.UUID,
    ctx: Writing,
    if_match: IfMatch = ABSENT,
) -> Response:
    """Bring a soft-deleted request back."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(await budget_requests.restore(conn, caller, request_id, if_match))


@router.post(
    "/{request_id}/transitions",
    name="transition",
    summary="Change a budget request's status",
    response_model=BudgetRequestRead,
    responses=problems(404, 409, 412),
)
async def transition_budget_request(
    request_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    data: BudgetTransition,
    if_match: IfMatch = ABSENT,
) -> Response:
    """submit, start_appraisal, appraise, return, approve, reject, close (API.md §6)."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(
        await budget_requests.transition(conn, caller, request_id, data, if_match, day)
    )


@router.get(
    "/{request_id}/disbursements",
    name="list_disbursements",
    summary="Disbursements of a request",
    response_model=DisbursementList,
    responses=problems(404),
)
async def list_disbursements(
    request: Request, request_id: uuid.UUID, ctx: Reading, params: Paging
) -> Response:
    """Payments in the order they were recorded; their sum is `disbursed_vnd`."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(
        request, await budget_payments.list_disbursements(conn, caller, request_id, params)
    )


@router.post(
    "/{request_id}/disbursements",
    name="disburse",
    summary="Record a disbursement",
    status_code=201,
    response_model=DisbursementRead,
    responses=problems(404, 409, 413, 415),
)
async def disburse(
    request: Request,
    request_id: uuid.UUID,
    ctx: Writing,
    day: Today,
    data: DisbursementCreate,
) -> Response:
    """Only on approved requests, never past the approved amount or the deadline (409)."""
    caller, conn = ctx.caller, ctx.conn
    body = await budget_payments.disburse(conn, caller, request_id, data, day)
    return json_response(body, 201, {"Location": f"{request.url.path}/{body['id']}"})


@router.get(
    "/{request_id}/deadline-extensions",
    name="list_deadline_extensions",
    summary="Extensions of the disbursement deadline",
    response_model=DeadlineExtensionList,
    responses=problems(404),
)
async def list_deadline_extensions(
    request: Request, request_id: uuid.UUID, ctx: Reading, params: Paging
) -> Response:
    """Each extension with who decided and the decision number."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(
        request, await budget_payments.list_extensions(conn, caller, request_id, params)
    )


@router.post(
    "/{request_id}/deadline-extensions",
    name="extend_deadline",
    summary="Extend the disbursement deadline",
    status_code=201,
    response_model=DeadlineExtensionRead,
    responses=problems(404, 409, 413, 415),
)
async def extend_deadline(
    request: Request,
    request_id: uuid.UUID,
    ctx: Writing,
    data: DeadlineExtensionCreate,
) -> Response:
    """Investment capital: not past 31 December of the year after the fiscal year (422)."""
    caller, conn = ctx.caller, ctx.conn
    body = await budget_payments.extend_deadline(conn, caller, request_id, data)
    return json_response(body, 201, {"Location": f"{request.url.path}/{body['id']}"})


@router.get(
    "/{request_id}/history",
    name="history",
    summary="History of a budget request",
    response_model=HistoryList,
    responses=problems(404),
)
async def budget_request_history(
    request: Request, request_id: uuid.UUID, ctx: Reading, params: Paging
) -> Response:
    """Every change and action of the request."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(
        request, await budget_requests.history_of(conn, caller, request_id, params)
    )


@router.get(
    "/{request_id}/disbursements/{disbursement_id}",
    name="get_disbursement",
    summary="One disbursement",
    response_model=DisbursementRead,
    responses=problems(404),
)
async def get_disbursement(
    request_id: uuid.UUID,
    disbursement_id: uuid.UUID,
    ctx: Reading,
) -> Response:
    """The payment a `POST …/disbursements` answered with in `Location`."""
    caller, conn = ctx.caller, ctx.conn
    return json_response(
        await budget_payments.get_disbursement(conn, caller, request_id, disbursement_id)
    )


@router.get(
    "/{request_id}/deadline-extensions/{extension_id}",
    name="get_deadline_extension",
    summary="One extension of the disbursement deadline",
    response_model=DeadlineExtensionRead,
    responses=problems(404),
)
async def get_deadline_extension(
    request_id: uuid.UUID,
    extension_id: uuid.UUID,
    ctx: Reading,
) -> Response:
    """The extension a `POST …/deadline-extensions` answered with in `Location`."""
    caller, conn = ctx.caller, ctx.conn
    return json_response(
        await budget_payments.get_extension(conn, caller, request_id, extension_id)
    )
