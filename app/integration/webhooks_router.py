"""Webhooks (API.md §8), admin only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from app.api.connections import Reading, Writing
from app.api.deps import (
    API_PREFIX,
    IfMatch,
    IfMatchRequired,
    Paging,
    ResourceRoute,
    json_response,
    problems,
    resource_response,
    rows_page_response,
    shown_once,
)
from app.integration import webhooks
from app.integration.webhook_models import (
    DeliveryList,
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookRead,
    WebhookUpdate,
)
from app.kernel.precondition import ABSENT

router = APIRouter(prefix=f"{API_PREFIX}/webhooks", tags=["webhooks"], route_class=ResourceRoute)


def _allowed(request: Request) -> str:
    return str(request.app.state.settings.webhook_allowed_hosts)


@router.get(
    "", name="list", summary="List webhooks", response_model=WebhookList, responses=problems()
)
async def list_webhooks(request: Request, ctx: Reading, params: Paging) -> Response:
    """Subscriptions, never their secrets."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(request, await webhooks.list_(conn, caller, params))


@router.post(
    "",
    name="create",
    summary="Subscribe a URL to events",
    status_code=201,
    response_model=WebhookCreated,
    responses=problems(413, 415),
)
@shown_once("secret")
async def create_webhook(
    request: Request,
    ctx: Writing,
    data: WebhookCreate,
) -> Response:
    """The response holds the signing secret, shown this once."""
    caller, conn = ctx.caller, ctx.conn
    body = await webhooks.create(conn, caller, data, _allowed(request))
    return resource_response(body, 201, f"{request.url.path}/{body['id']}")


@router.get(
    "/{webhook_id}",
    name="get",
    summary="Get a webhook",
    response_model=WebhookRead,
    responses=problems(404),
)
async def get_webhook(
    webhook_id: uuid.UUID,
    ctx: Reading,
) -> Response:
    """One subscription, with `failing_since` when its receiver keeps failing."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(await webhooks.get(conn, caller, webhook_id))


@router.patch(
    "/{webhook_id}",
    name="update",
    summary="Update a webhook (merge patch)",
    response_model=WebhookRead,
    responses=problems(404, 412, 415, 428),
)
async def update_webhook(
    request: Request,
    webhook_id: uuid.UUID,
    ctx: Writing,
    data: Annotated[WebhookUpdate, Body(media_type="application/merge-patch+json")],
    if_match: IfMatchRequired = ABSENT,
) -> Response:
    """Requires If-Match; a new URL is checked like a new webhook."""
    caller, conn = ctx.caller, ctx.conn
    return resource_response(
        await webhooks.update_(conn, caller, webhook_id, data, if_match, _allowed(request))
    )


@router.delete(
    "/{webhook_id}",
    name="delete",
    summary="Delete a webhook",
    status_code=204,
    responses=problems(404, 412),
)
async def delete_webhook(
    webhook_id: uuid.UUID, ctx: Writing, if_match: IfMatch = ABSENT
) -> Response:
    """No more deliveries are queued for it."""
    caller, conn = ctx.caller, ctx.conn
    await webhooks.delete(conn, caller, webhook_id, if_match)
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/test",
    name="test",
    summary="Send a test event",
    status_code=202,
    response_model=DeliveryRead,
    responses=problems(404),
)
async def test_webhook(
    webhook_id: uuid.UUID,
    ctx: Writing,
) -> Response:
    """Queue a signed `webhook.test` delivery; watch it in the deliveries log."""
    caller, conn = ctx.caller, ctx.conn
    return json_response(await webhooks.ping(conn, caller, webhook_id), 202)


@router.get(
    "/{webhook_id}/deliveries",
    name="deliveries",
    summary="Deliveries of a webhook",
    response_model=DeliveryList,
    responses=problems(404),
)
async def webhook_deliveries(
    request: Request, webhook_id: uuid.UUID, ctx: Reading, params: Paging
) -> Response:
    """Each delivery with its attempts, last status code and next try (newest first)."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(request, await webhooks.deliveries(conn, caller, webhook_id, params))
