"""Domain errors and their RFC 9457 problem+json rendering (API.md §1)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.core.context import request_id_var, vietnamese_var
from app.errors import messages, problems

log = logging.getLogger("dondoc.errors")

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


class BadRequest(DomainError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(DomainError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict"


class InvalidTransition(Conflict):
    slug, title = "invalid-transition", "Action not allowed in the current state"


class InFlight(Conflict):
    slug, title = "idempotency-in-flight", "Request with this key in progress"


class PreconditionFailed(DomainError):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class UnsupportedMediaType(DomainError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class ValidationFailed(DomainError):
    status, slug, title = 422, "validation-error", "Validation failed"

    def __init__(self, detail: str, errors: list[dict[str, str]]) -> None:
        super().__init__(detail, errors=errors)


class PreconditionRequired(DomainError):
    status, slug, title = 428, "precondition-required", "If-Match required"


class TooManyRequests(DomainError):
    status, slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


def field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", [{"field": field, "message": message}])


def problem_response(
    request_path: str,
    status: int,
    slug: str,
    title: str,
    detail: str,
    extra: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A problem+json answer: `type` resolves to the kind's page, `code` names the kind for
    programs, `request_id` is always there; in Vietnamese when the caller asked for it."""
    vietnamese = vietnamese_var.get()
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "code": slug,
        "title": problems.title(slug, title, vietnamese),
        "status": status,
        "detail": detail,
        "instance": request_path,
        "request_id": request_id_var.get() or "-",
    }
    body.update(extra or {})
    errors = messages.localised(body.get("errors") or (), vietnamese)
    if errors:
        body["errors"] = errors
    if vietnamese:
        body["detail"] = (
            "; ".join(f"{e['field']}: {e['message']}" for e in errors)
            if errors and slug == "validation-error"
            else messages.detail_vi(slug, detail)
        )
    return Response(orjson.dumps(body), status, headers=headers, media_type=PROBLEM_JSON)


def render(request: Request, exc: DomainError) -> Response:
    return problem_response(
        request.url.path, exc.status, exc.slug, exc.title, exc.detail, exc.extra, exc.headers
    )


def _error_field(error: Any, body: Any) -> str:
    """The field an error names. A lifecycle body is a union of action models: its errors name
    the action first (`submit.result`), which the client did not write — drop it."""
    if error.get("type") == "unknown_action":
        return "action"
    loc = tuple(error.get("loc", ()))
    if (
        len(loc) > 2
        and loc[0] == "body"
        and isinstance(body, dict)
        and loc[1] == body.get("action")
        and loc[1] not in body
    ):
        loc = (loc[0], *loc[2:])
    return _loc_to_field(loc)


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    if len(loc) > 1 and loc[0] in ("query", "header", "path"):
        return str(loc[1])  # the parameter's name, also for a repeated one
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


_HTTP_SLUGS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Validation failed"),
    429: ("too-many-requests", "Too many requests"),
}


def _methods_for(request: Request) -> list[str]:
    """Methods the OpenAPI document lists for the path of this request."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in operations}
    return sorted(methods)


# SQLSTATEs that say the server cannot take the connection or the session now: connection
# exceptions (08…), too many connections (53300), shutting down or starting (57P01–57P03).
UNAVAILABLE_STATES = ("08", "53300", "57P01", "57P02", "57P03")


def is_db_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, (PoolTimeout, ConnectionError, TimeoutError)):
        return True
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str) and state.startswith(UNAVAILABLE_STATES):
        return True  # the driver's own error (the read pool, a connection refused at start)
    if isinstance(exc, OSError) and not isinstance(exc, PermissionError):
        return True
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    cause = exc.__cause__ or exc.__context__
    return cause is not None and cause is not exc and is_db_unavailable(cause)


def is_pool_exhausted(exc: BaseException) -> bool:
    """Every connection of a pool is in use: the database is up, the service is busy."""
    if isinstance(exc, PoolTimeout):
        return True
    cause = exc.__cause__ or exc.__context__
    return cause is not None and cause is not exc and is_pool_exhausted(cause)


def unavailable_response(path: str, request_id: str, exc: BaseException) -> Response | None:
    """The 503 for an exhausted pool or an unreachable database; None for any other error."""
    if is_pool_exhausted(exc):
        log.warning("no database connection free (request %s)", request_id)
        return problem_response(
            path,
            503,
            "busy",
            "Service busy",
            "Every database connection is in use; retry in a moment.",
            {"request_id": request_id},
            {"Retry-After": "1"},
        )
    if is_db_unavailable(exc):
        log.warning("database unavailable (request %s): %r", request_id, exc)
        return problem_response(
            path,
            503,
            "database-unavailable",
            "Service unavailable",
            "The database is unreachable; retry later.",
            {"request_id": request_id},
            {"Retry-After": "5"},
        )
    return None


def validation_response(request: Request, exc: RequestValidationError) -> Response:
    """Malformed JSON is 400; a bad path parameter names no resource (404); bad query
    parameters or headers are 400; a bad body is 422, each error naming its field."""
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        msg = next(str(e.get("msg")) for e in errors if e.get("type") == "json_invalid")
        return problem_response(request.url.path, 400, "malformed-json", "Malformed JSON", msg)
    items = [{"field": _error_field(e, exc.body), "message": str(e.get("msg"))} for e in errors]
    detail = "; ".join(f"{i['field']}: {i['message']}" for i in items)
    where = {str(e.get("loc", ("body",))[0]) for e in errors}
    if "path" in where:
        # /agencies/not-a-uuid names no resource.
        return problem_response(request.url.path, 404, "not-found", "Not found", detail)
    if "body" not in where:
        # Query parameters and headers: the request itself is malformed.
        return problem_response(
            request.url.path, 400, "bad-request", "Bad request", detail, {"errors": items}
        )
    return problem_response(
        request.url.path,
        422,
        "validation-error",
        "Validation failed",
        detail,
        {"errors": items},
    )


def install(app: FastAPI) -> None:
    """Every error path renders problem+json."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return render(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return validation_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        slug, title = _HTTP_SLUGS.get(exc.status_code, ("error", "Error"))
        detail = exc.detail if isinstance(exc.detail, str) else title
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the methods of the first route on this path.
            headers["Allow"] = ", ".join(_methods_for(request))
        return problem_response(
            request.url.path, exc.status_code, slug, title, detail, headers=headers
        )

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> Response:
        # Reached only for what RequestGuard did not answer (it answers database outages and
        # exhausted pools itself, so they never pass through Starlette's crash path).
        request_id = getattr(request.state, "request_id", "-")
        unavailable = unavailable_response(request.url.path, request_id, exc)
        if unavailable is not None:
            return unavailable
        log.exception("unhandled error (request %s)", request_id)
        return problem_response(
            request.url.path,
            500,
            "internal-error",
            "Internal server error",
            f"An unexpected error occurred. Quote request id {request_id} when reporting it.",
            {"request_id": request_id},
        )
