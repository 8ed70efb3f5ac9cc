"""What every router shares: list parameters, If-Match, JSON responses, Idempotency-Key."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Annotated, Any, get_args, get_origin, get_type_hints
from urllib.parse import urlencode

import orjson
from fastapi import Depends, Header, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_validation_alias
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from app.agencies import refs as agency_refs
from app.api import idempotency
from app.api.connections import Listing, Reading, Writing
from app.api.queries import ListQuery
from app.core.day import Day
from app.errors.domain import BadRequest
from app.files import exports
from app.kernel.listing import ListParams, Page
from app.kernel.precondition import Precondition, etag
from app.kernel.schemas import IsoDate

API_PREFIX = "/api/v1"
Endpoint = Callable[..., Awaitable[Response]]


SHOWN_ONCE = "_dondoc_shown_once"
IDEMPOTENT = "_dondoc_idempotent"  # an endpoint that handles Idempotency-Key itself (uploads)


def shown_once(*fields: str) -> Callable[[Endpoint], Endpoint]:
    """Mark fields of a POST's answer (a new API key, a signing secret) as shown once: the
    stored answer, and so its replay, has them as null."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, SHOWN_ONCE, fields)
        return endpoint

    return mark


@dataclass(frozen=True)
class _Claimed:
    """A POST's Idempotency-Key, claimed in the request's write transaction: the response is
    stored in that same transaction when the endpoint has answered."""

    conn: AsyncConnection
    caller: str
    key: str
    fingerprint: str


def replayed(stored: idempotency.StoredResponse) -> Response:
    """The stored answer of a key's first request, marked as a replay."""
    headers = {**stored.headers, "Idempotent-Replayed": "true"}
    media = headers.pop("content-type", "application/json")
    return Response(stored.body, stored.status_code, headers=headers, media_type=media)


class _Replay(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


async def idempotency_guard(
    request: Request,
    ctx: Writing,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Every POST's first dependency (ResourceRoute): with an Idempotency-Key, lock the key in
    the request's transaction and replay the stored response when there is one."""
    if idempotency_key is None:
        return
    idempotency.check_key(idempotency_key)
    body = await request.body()
    print_ = idempotency.fingerprint(request.method, request.url.path, body)
    identity = ctx.caller.identity
    stored = await idempotency.claim(ctx.conn, identity, idempotency_key, print_)
    if stored is not None:
        raise _Replay(replayed(stored))
    request.state.idempotency = _Claimed(ctx.conn, identity, idempotency_key, print_)


async def _store_answer(
    claimed: _Claimed, response: Response, secret_fields: tuple[str, ...]
) -> None:
    """The endpoint's answer kept for replays; `secret_fields` of the body (a new API key, a
    signing secret) are shown once: the stored answer, and so its replay, has them as null."""
    stored_body = bytes(response.body)
    if secret_fields:
        redacted = orjson.loads(stored_body)
        redacted.update(dict.fromkeys(secret_fields))
        stored_body = orjson.dumps(redacted)
    await idempotency.store(
        claimed.conn,
        claimed.caller,
        claimed.key,
        claimed.fingerprint,
        response.status_code,
        dict(response.headers),
        stored_body,
    )


def _refs_connection(endpoint: Endpoint) -> str | None:
    """The endpoint's context argument (whose connection resolves agency codes), when the
    endpoint also takes a body model or a list (where an agency may be named by its code);
    None otherwise."""
    hints = get_type_hints(endpoint, include_extras=True)
    conn = next((n for n, h in hints.items() if h in (Writing, Reading, Listing)), None)
    bare = {n: get_args(h)[0] if get_origin(h) is Annotated else h for n, h in hints.items()}
    takes = any(
        (isinstance(h, type) and issubclass(h, BaseModel)) or "list[" in str(h)
        for n, h in bare.items()
        if n != "return"
    )
    if conn is None and any("_agency_ref" in str(h) for h in hints.values()):
        raise TypeError(f"{endpoint.__name__} takes an agency code but no connection to resolve it")
    return conn if takes else None


class ResourceRoute(APIRoute):
    """Every route of the API. It refuses query parameters it does not declare (400 naming them
    and the accepted ones): a misspelt or imagined filter would otherwise be ignored in silence
    and a "my tasks" screen would show everyone's. And every POST takes an Idempotency-Key by
    construction, so no route can forget it."""

    def __init__(self, path: str, endpoint: Endpoint, **kwargs: Any) -> None:
        self.idempotent = "POST" in {m.upper() for m in kwargs.get("methods") or ()}
        self.secret_fields: tuple[str, ...] = getattr(endpoint, SHOWN_ONCE, ())
        given = list(kwargs.get("dependencies") or ())
        guarded = any(d.dependency is idempotency_guard for d in given)  # a route made again
        if self.idempotent and not guarded and not getattr(endpoint, IDEMPOTENT, False):
            kwargs["dependencies"] = [Depends(idempotency_guard), *given]
        endpoint = agency_refs.wrap(endpoint, _refs_connection(endpoint))
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        accepted = frozenset(_query_names(self.dependant))
        listed = ", ".join(sorted(accepted)) or "none"

        secret_fields = self.secret_fields

        async def checked(request: Request) -> Response:
            if request.scope["query_string"]:
                unknown = sorted({k for k in request.query_params if k not in accepted})
                if unknown:
                    names = ", ".join(unknown)
                    raise BadRequest(
                        f"Unknown query parameter{'s' if len(unknown) > 1 else ''} {names};"
                        f" accepted: {listed}.",
                        errors=[
                            {"field": name, "message": "unknown query parameter"}
                            for name in unknown
                        ],
                        accepted_parameters=sorted(accepted),
                    )
            try:
                response = await handler(request)
            except _Replay as replay:
                return replay.response
            # FastAPI closes a route's function-scoped dependencies (the write transaction)
            # when this handler returns: the answer is stored before the commit.
            claimed: _Claimed | None = getattr(request.state, "idempotency", None)
            if claimed is not None:
                await _store_answer(claimed, response, secret_fields)
            return response

        return checked


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route reads: its own and its dependencies', by their aliases."""
    names = set()
    for field in dependant.query_params:
        model = field.field_info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):  # a query parameter model
            names |= {f.alias or name for name, f in model.model_fields.items()}
        else:
            names.add(get_validation_alias(field))
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def list_params(request: Request, query: Annotated[ListQuery, Query()]) -> ListParams:
    """The page of a list that has no filters of its own (api/queries.py)."""
    return query.page(request)


Paging = Annotated[ListParams, Depends(list_params)]
REQUIRED_IF_MATCH = (
    "Required: "  # the OpenAPI document marks the header required (app/api/openapi.py)
)
_IF_MATCH = Header(alias="If-Match", description='The resource\'s ETag, e.g. `"3"`.')


async def if_match_optional(
    if_match: Annotated[str | None, _IF_MATCH] = None,
) -> Precondition:
    return Precondition.parse(if_match)


async def if_match_required(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description=REQUIRED_IF_MATCH + 'the resource\'s ETag, e.g. `"3"` (428 when missing).',
        ),
    ] = None,
) -> Precondition:
    """PATCH: a change must name the version it changes (428 when missing)."""
    return Precondition.parse(if_match, required=True)


# DELETE, restore and transitions check If-Match when sent; PATCH requires it.
IfMatch = Annotated[Precondition, Depends(if_match_optional)]
IfMatchRequired = Annotated[Precondition, Depends(if_match_required)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x20-\x7e]+$",
        description="Retrying with the same key and body within 24 h replays the first response.",
    ),
]


async def today_only(request: Request) -> Day:
    """Today in DONDOC_TIMEZONE, with the settings deadlines are judged by: the one place a
    test (`app.dependency_overrides`) or a caller's `as_of` changes the day."""
    state = request.app.state
    settings = state.settings
    return Day(state.clock.today(), settings.due_soon_days, settings.completion_backdate_days)


Today = Annotated[Day, Depends(today_only)]


async def today_rules(
    today: Today,
    as_of: Annotated[
        IsoDate | None, Query(description="Evaluate deadlines as of this day (default today).")
    ] = None,
) -> Day:
    """The day deadlines are judged on: today, or `as_of`."""
    return today if as_of is None else replace(today, today=as_of)


AsOf = Annotated[Day, Depends(today_rules)]


def _default(value: Any) -> Any:
    # asyncpg returns its own UUID class, which orjson does not know.
    if isinstance(value, uuid.UUID) or type(value).__name__ == "UUID":
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(body: Any) -> bytes:
    return orjson.dumps(body, default=_default)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status, headers=headers, media_type="application/json")


def resource_response(
    body: dict[str, Any], status: int = 200, location: str | None = None
) -> Response:
    headers = {"ETag": etag(body["version"])}
    if location:
        headers["Location"] = location
    return json_response(body, status, headers)


def page_response(request: Request, page: Page, items: list[Any]) -> Response:
    kind = exports.wanted(request)
    if kind is not None:
        return exports.list_download(request, kind, items)
    body: dict[str, Any] = {"items": items, "next_cursor": page.next_cursor}
    headers = {}
    if page.total is not None:
        body["total"] = page.total
    if page.next_cursor:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
        query.append(("cursor", page.next_cursor))
        headers["Link"] = f'<{request.url.path}?{urlencode(query)}>; rel="next"'
    return json_response(body, headers=headers)


def rows_page_response(request: Request, page: Page) -> Response:
    return page_response(request, page, [dict(r._mapping) for r in page.rows])


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed request (problem+json)"},
    401: {"description": "Missing or invalid credential (problem+json)"},
    403: {"description": "The caller's role may not do this (problem+json)"},
    422: {"description": "Validation failed (problem+json with `errors`)"},
    503: {"description": "Database unavailable (problem+json)"},
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        404: "Not found (problem+json)",
        409: "Business conflict (problem+json)",
        412: "If-Match names an old version (problem+json)",
        413: "Body too large (problem+json)",
        415: "Unsupported content type (problem+json)",
        428: "If-Match missing (problem+json)",
        507: "The attachments' store is full; nothing was kept (problem+json)",
    }
    out = dict(PROBLEM_RESPONSES)
    for code in codes:
        out[code] = {"description": descriptions[code]}
    return out
