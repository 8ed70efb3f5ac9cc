"""The change feed (API.md §8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.api.connections import Reading
from app.api.deps import API_PREFIX, ResourceRoute, json_response, problems
from app.integration import events
from app.integration.event_models import EventList

router = APIRouter(prefix=f"{API_PREFIX}/events", tags=["events"], route_class=ResourceRoute)


@router.get(
    "", name="list", summary="Read the change feed", response_model=EventList, responses=problems()
)
async def read_events(
    ctx: Reading,
    after: Annotated[
        str | None, Query(description="The `cursor` of the last event received.")
    ] = None,
    type: Annotated[
        list[str] | None, Query(description="Event types; `task.*` matches every task event.")
    ] = None,
    limit: Annotated[int, Query(ge=1, description="At most 1000 (larger is clamped).")] = 100,
) -> Response:
    """Events after `after`, in commit order; poll with `next_cursor` to receive each once."""
    caller, conn = ctx.caller, ctx.conn
    items, next_cursor = await events.read(conn, caller, after, type or [], limit)
    return json_response({"items": items, "next_cursor": next_cursor})
