"""API keys (API.md §9), admin only."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.access.auth import KeyCache
from app.admin import service as api_keys
from app.admin.models import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyRead
from app.api.connections import Reading, Writing
from app.api.deps import (
    API_PREFIX,
    Paging,
    ResourceRoute,
    json_response,
    problems,
    rows_page_response,
    shown_once,
)

router = APIRouter(prefix=f"{API_PREFIX}/api-keys", tags=["api-keys"], route_class=ResourceRoute)


@router.get(
    "", name="list", summary="List API keys", response_model=ApiKeyList, responses=problems()
)
async def list_keys(request: Request, ctx: Reading, params: Paging) -> Response:
    """Keys that are not revoked (`include_deleted=true` adds revoked ones); never the key itself."""
    caller, conn = ctx.caller, ctx.conn
    return rows_page_response(request, await api_keys.list_(conn, caller, params))


@router.post(
    "",
    name="create",
    summary="Create an API key",
    status_code=201,
    response_model=ApiKeyCreated,
    responses=problems(413, 415),
)
@shown_once("key")
async def create_key(
    request: Request,
    ctx: Writing,
    data: ApiKeyCreate,
) -> Response:
    """Create a key; the response holds the key itself, shown this once."""
    caller, conn = ctx.caller, ctx.conn
    body = await api_keys.create(conn, caller, data)
    return json_response(body, 201, {"Location": f"{request.url.path}/{body['id']}"})


@router.get(
    "/{key_id}",
    name="get",
    summary="Get an API key's record",
    response_model=ApiKeyRead,
    responses=problems(404),
)
async def get_key(
    key_id: uuid.UUID,
    ctx: Reading,
) -> Response:
    """Name, role, agency, creation, last use and revocation; never the key itself."""
    caller, conn = ctx.caller, ctx.conn
    return json_response(await api_keys.get(conn, caller, key_id))


@router.delete(
    "/{key_id}",
    name="revoke",
    summary="Revoke an API key",
    status_code=204,
    responses=problems(404, 409),
)
async def revoke_key(
    request: Request,
    key_id: uuid.UUID,
    ctx: Writing,
) -> Response:
    """Revoke a key: it answers 401 from then on."""
    caller, conn = ctx.caller, ctx.conn
    await api_keys.revoke(conn, caller, key_id)
    cache: KeyCache = request.app.state.key_cache
    cache.evict(key_id)
    return Response(status_code=204)
