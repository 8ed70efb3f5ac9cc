"""Comments (ý kiến trao đổi) on tasks, proposals and budget requests."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.connections import Reading, Writing
from app.api.deps import (
    API_PREFIX,
    Paging,
    ResourceRoute,
    json_response,
    problems,
    rows_page_response,
)
from app.people import comments
from app.people.comment_models import CommentCreate, CommentList, CommentRead
from app.registry import COMMENTABLE

router = APIRouter(prefix=API_PREFIX, tags=["comments"], route_class=ResourceRoute)

COMMENTED = {r.segment: r.name for r in COMMENTABLE}  # path segment → resource type


def _handlers(resource_type: str) -> tuple[Callable[..., Awaitable[Response]], ...]:
    """The list, create and get handlers of one resource type's threads."""
    noun = resource_type.replace("_", " ")

    async def list_comments(
        request: Request,
        resource_id: uuid.UUID,
        ctx: Reading,
        params: Paging,
    ) -> Response:
        caller, conn = ctx.caller, ctx.conn
        page = await comments.list_(conn, caller, resource_type, resource_id, params)
        return rows_page_response(request, page)

    async def add_comment(
        request: Request,
        resource_id: uuid.UUID,
        ctx: Writing,
        data: CommentCreate,
    ) -> Response:
        caller, conn = ctx.caller, ctx.conn
        body = await comments.create(conn, caller, resource_type, resource_id, data)
        return json_response(body, 201, {"Location": f"{request.url.path}/{body['id']}"})

    async def get_comment(
        resource_id: uuid.UUID,
        comment_id: uuid.UUID,
        ctx: Reading,
    ) -> Response:
        caller, conn = ctx.caller, ctx.conn
        return json_response(
            await comments.get(conn, caller, resource_type, resource_id, comment_id)
        )

    handlers: tuple[Callable[..., Awaitable[Response]], ...] = (
        list_comments,
        add_comment,
        get_comment,
    )
    for handler in handlers:
        handler.__name__ = f"{handler.__name__}_{resource_type}"
    list_comments.__doc__ = f"The thread of a {noun}, oldest first; seen as the {noun} is."
    get_comment.__doc__ = f"One comment of a {noun}'s thread."
    add_comment.__doc__ = (
        f"Add to the thread of a {noun}; officials in `mentions` are notified by e-mail."
    )
    return handlers


def _routes(segment: str, resource_type: str) -> None:
    noun = resource_type.replace("_", " ")
    op = resource_type.replace("_", "-")
    list_comments, add_comment, get_comment = _handlers(resource_type)
    router.add_api_route(
        f"/{segment}/{{resource_id}}/comments",
        list_comments,
        methods=["GET"],
        name=f"list-{op}",
        summary=f"Comments on a {noun}",
        response_model=CommentList,
        responses=problems(404),
    )
    router.add_api_route(
        f"/{segment}/{{resource_id}}/comments",
        add_comment,
        methods=["POST"],
        name=f"create-{op}",
        summary=f"Comment on a {noun}",
        status_code=201,
        response_model=CommentRead,
        responses=problems(404, 413, 415),
    )
    router.add_api_route(
        f"/{segment}/{{resource_id}}/comments/{{comment_id}}",
        get_comment,
        methods=["GET"],
        name=f"get-{op}",
        summary=f"One comment on a {noun}",
        response_model=CommentRead,
        responses=problems(404),
    )


for _segment, _resource in COMMENTED.items():
    _routes(_segment, _resource)
