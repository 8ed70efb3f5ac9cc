"""The ASGI layer in front of the routes: request id, body limits, content types, metrics."""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.metrics import Metrics
from app.core.context import client_request_id_var, request_id_var, vietnamese_var
from app.core.text import TextError, clean_text
from app.errors.domain import problem_response, unavailable_response
from app.serving import DRAINING

BODY_METHODS = {"POST", "PUT", "PATCH"}
access_log = logging.getLogger("dondoc.access")
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
# API answers are data, never pages: nothing to run, embed or cache.
API_HEADERS = (
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cache-control", b"no-store"),
)
# While the process drains before its shutdown: answered, then the connection closes.
CLOSE = ((b"connection", b"close"),)
JSON_TYPES = {"application/json", "application/merge-patch+json"}
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+=/-]{1,100}")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _bad_query(query: bytes) -> str | None:
    """The name of a query parameter holding a control character (NUL among them: PostgreSQL
    refuses it in text) or text that is not UTF-8; refused here, once, for every parameter."""
    try:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return "query"
    for name, value in pairs:
        try:
            clean_text(value)
        except TextError:
            return name
    return None


class RequestGuard:
    """Pure ASGI middleware (no per-request task or body copy on the common path)."""

    def __init__(
        self, app: ASGIApp, max_body_bytes: int, metrics: Metrics, access_log: bool = True
    ) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # The request id is always the service's; a client's X-Request-ID is kept apart (in
        # history, as client_request_id) and only when it is well-formed.
        request_id = os.urandom(16).hex()
        incoming = accept = None
        for key, value in scope["headers"]:  # one pass for the two headers read here
            if key == b"x-request-id" and incoming is None:
                incoming = value.decode("latin-1")
            elif key == b"accept-language" and accept is None:
                accept = value.decode("latin-1")
        client_id = incoming if incoming and CLIENT_REQUEST_ID.fullmatch(incoming) else None
        client_token = client_request_id_var.set(client_id)
        token = request_id_var.set(request_id)
        language = vietnamese_var.set(vietnamese(accept) if accept else False)
        scope.setdefault("state", {})["request_id"] = request_id
        status = {"status": 500, "started": False}
        try:
            await self._serve(scope, receive, _sender(scope, send, request_id, status), status)
        finally:
            slot = scope.get("state", {}).get("download_slot")
            if slot is not None:  # the response is sent (or abandoned): the download is over
                slot.release()
            request_id_var.reset(token)
            vietnamese_var.reset(language)
            client_request_id_var.reset(client_token)
            self._record(scope, request_id, client_id, int(status["status"]), started)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, status: dict[str, Any]
    ) -> None:
        problem = self._refuse(scope)
        if problem is not None:
            await problem(scope, receive, send)
            return
        if scope["method"] in BODY_METHODS and not scope.get("dondoc.upload"):
            receive = self._limited(scope, receive)
        try:
            await self.app(scope, receive, send)
        except _BodyTooLarge:
            await self._too_large(scope)(scope, receive, send)
        except Exception as exc:
            # An unreachable database or an exhausted pool is an expected answer (503), not a
            # crash: answered here, the exception never reaches Starlette's
            # ServerErrorMiddleware, which would re-raise it and make the server log a
            # traceback and drop the client's keep-alive connection.
            request_id = scope["state"]["request_id"]
            unavailable = (
                None if status["started"] else unavailable_response(scope["path"], request_id, exc)
            )
            if unavailable is None:
                raise
            await unavailable(scope, receive, send)

    def _record(
        self, scope: Scope, request_id: str, client_id: str | None, status: int, started: float
    ) -> None:
        """Metrics, and one JSON access-log line: never a credential, a query or a body."""
        route = scope.get("route")
        path = getattr(route, "path", None) or "unmatched"
        elapsed = time.perf_counter() - started
        self.metrics.observe(scope["method"], path, status, elapsed)
        if not (self.access_log and access_log.isEnabledFor(logging.INFO)):
            return  # nobody reads it: not built
        caller = scope.get("state", {}).get("caller")
        access_log.info(
            orjson.dumps(
                {
                    "request_id": request_id,
                    "client_request_id": client_id,
                    "method": scope["method"],
                    "route": path,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "caller": None
                    if caller is None
                    else {"key_id": str(caller.key_id), "role": caller.role.value},
                }
            ).decode()
        )

    def _too_large(self, scope: Scope) -> Any:
        return problem_response(
            scope["path"],
            413,
            "payload-too-large",
            "Request body too large",
            f"The body exceeds {self.max_body} bytes.",
        )

    def _refuse(self, scope: Scope) -> Any:
        query = scope.get("query_string", b"")
        bad = _bad_query(query) if query else None
        if bad is not None:
            message = "control characters and non-UTF-8 text are not allowed"
            return problem_response(
                scope["path"],
                400,
                "bad-request",
                "Bad request",
                f"{bad}: {message}",
                {"errors": [{"field": bad, "message": message}]},
            )
        if scope["method"] not in BODY_METHODS:
            return None
        length = _header(scope, b"content-length")
        upload = _is_upload(scope) and (_header(scope, b"content-type") or "").lower().startswith(
            "multipart/form-data"
        )
        if upload:
            # An upload streams to the store, limited per file (DONDOC_MAX_UPLOAD_BYTES) by
            # its reader (app/files/uploads.py), not by the JSON body limit.
            scope["dondoc.upload"] = True
            return None
        if length is not None and length.isdigit() and int(length) > self.max_body:
            return self._too_large(scope)
        has_body = (length is not None and length != "0") or _header(
            scope, b"transfer-encoding"
        ) is not None
        if not has_body:
            return None
        content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if content_type in JSON_TYPES or (
            content_type.startswith("application/") and content_type.endswith("+json")
        ):
            return None
        return problem_response(
            scope["path"],
            415,
            "unsupported-media-type",
            "Unsupported media type",
            f"Send JSON (application/json or application/merge-patch+json), not '{content_type or 'no content type'}'.",
        )

    def _limited(self, scope: Scope, receive: Receive) -> Receive:
        seen = 0
        limit = self.max_body

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge()
            return message

        return limited_receive


class _BodyTooLarge(HTTPException):
    """Raised while the body streams in; FastAPI re-raises HTTPExceptions from body parsing."""

    def __init__(self) -> None:
        super().__init__(413, "The request body is too large.")


def _is_upload(scope: Scope) -> bool:
    return bool(scope["method"] == "POST" and scope["path"].endswith("/attachments"))


def _rate_limit(scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
    quota = scope["state"].get("rate_limit")
    if quota is None:
        return ()
    return ((b"ratelimit-policy", quota[0].encode()), (b"ratelimit", quota[1].encode()))


def vietnamese(accept_language: str | None) -> bool:
    """Whether Vietnamese is the caller's first choice in Accept-Language (RFC 9110 §12.5.4)."""
    best, best_q = "", 0.0
    for item in (accept_language or "").split(","):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        if q > best_q:  # the first of equal preferences stands
            best, best_q = tag.strip().lower(), q
    return best_q > 0 and (best == "vi" or best.startswith("vi-"))


def _sender(scope: Scope, send: Send, request_id: str, status: dict[str, Any]) -> Send:
    """`send` that adds the request id and the security headers, notes the status, and gives
    a download's slot back as soon as its last byte is out."""

    async def send_wrapper(message: Message) -> None:
        if message["type"] == "http.response.start":
            status["status"] = message["status"]
            status["started"] = True
            message["headers"] = [
                *message.get("headers", []),
                (b"x-request-id", request_id.encode()),
                *_rate_limit(scope),
                *SECURITY_HEADERS,
                *(API_HEADERS if scope["path"].startswith("/api/") else ()),
                *(CLOSE if DRAINING.is_set() else ()),
            ]
        await send(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            # The last byte is out: a client may ask for its next download at once, on this
            # connection, before this request has finished unwinding.
            slot = scope["state"].get("download_slot")
            if slot is not None:
                slot.release()

    return send_wrapper
