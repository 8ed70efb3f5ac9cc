"""The way from the request guard to a route's plan, without the framework's layers between.

Starlette hands a request to the routes through its exception middleware, FastAPI's exit-stack
middleware and the router, which tries each route's pattern in turn (about a hundred here), and
the route then wraps the call in its own exception handling and two exit stacks. `Dispatcher`
does what those layers do for a route planned by `app/kernel/handler.py`:

* the routes are indexed by the segment after `/api/v1/` (`tasks`, `agencies`, …), each index
  keeping the routes in the application's order, so the first route that matches is the one
  Starlette's router would have chosen;
* the route's scope (`endpoint`, `path_params`, `route`, `router`) is set as the router sets it;
* an exception is answered by the application's handlers, looked up as Starlette looks them
  up (status handler of an HTTP error first, then by class), and one without a handler goes
  on up to the request guard and the server-error middleware as before;
* a route whose dependencies hold a generator (the write connection of a DELETE) gets FastAPI's
  two exit stacks: the transaction ends before the response is sent.

Everything else — a path outside `/api/v1/`, no full match (404, 405), a route without a plan,
a request whose parameters are invalid (FastAPI writes the 422), CORS configured in front of
the routes — goes through the application's own stack, unchanged."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/api/v1/"
ANY = "*"


class _Fallback(BaseException):
    """The plan declined the request before running anything: the full stack answers it,
    with the body the plan has read handed over again."""

    def __init__(self, request: Request) -> None:
        super().__init__()
        self.receive: Receive | None = None
        body = getattr(request, "_body", None)
        if body is not None:
            self.receive = _replay(body, request.receive)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _segment(path: str) -> str | None:
    """The index key of a path: its segment after `/api/v1/`, up to `/` or `.`."""
    if not path.startswith(PREFIX):
        return None
    rest = path[len(PREFIX) :]
    for stop in ("/", "."):
        rest = rest.split(stop, 1)[0]
    return rest


class Dispatcher:
    """Built once, on the first request, from the application's routes."""

    def __init__(self, app: Any, inner: ASGIApp) -> None:
        self.inner = inner
        self.router = app.router
        handlers = getattr(inner, "_exception_handlers", None)
        status = getattr(inner, "_status_handlers", None)
        # Only straight in front of Starlette's exception middleware: anything between (CORS)
        # must see every request.
        self.enabled = isinstance(inner, ExceptionMiddleware) and handlers is not None
        self.handlers = (handlers, status)
        self.index: dict[str, list[Any]] = {}
        keyed: list[tuple[str, Any]] = []
        for route in self.router.routes:
            path = getattr(route, "path", "")
            key = _segment(path) if path.startswith(PREFIX) else None
            if key is not None and ("{" in key or not key):
                key = ANY
            if key is None:
                # Outside the API (a mount, /healthz): it could only match outside /api/v1/
                # unless it is a mount at the root, which then takes part everywhere.
                key = ANY if path in ("", "/") else None
            if key is not None:
                keyed.append((key, route))
        for key in {k for k, _ in keyed if k != ANY}:
            self.index[key] = [r for k, r in keyed if k in (key, ANY)]
        self.anywhere = [r for k, r in keyed if k == ANY]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled:
            await self.inner(scope, receive, send)
            return
        key = _segment(scope["path"])
        routes = None if key is None else self.index.get(key, self.anywhere)
        if routes:
            for route in routes:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    if getattr(route, "short", None) is not None:
                        try:
                            await self._planned(route, child, scope, receive, send)
                            return
                        except _Fallback as declined:
                            receive = declined.receive or receive
                    break
        await self.inner(scope, receive, send)

    async def _planned(
        self, route: Any, child: Scope, scope: Scope, receive: Receive, send: Send
    ) -> None:
        scope["starlette.exception_handlers"] = self.handlers
        scope.update(child)
        scope.setdefault("router", self.router)
        request = Request(scope, receive, send)
        short = route.short
        stacks = route.short_stacks

        async def run(scope: Scope, receive: Receive, send: Send) -> None:
            if stacks:
                async with AsyncExitStack() as request_stack:
                    scope["fastapi_inner_astack"] = request_stack
                    async with AsyncExitStack() as function_stack:
                        scope["fastapi_function_astack"] = function_stack
                        response = await short(request)
                    if response is None:
                        raise _Fallback(request)
                    await response(scope, receive, send)
                return
            response = await short(request)
            if response is None:
                raise _Fallback(request)
            await response(scope, receive, send)

        started = False

        async def sending(message: Any) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await run(scope, receive, sending)
        except _Fallback:
            raise
        except Exception as exc:
            # The app's own handlers, as Starlette's exception middleware picks them (by the
            # exception's classes, the catch-all Exception left to the server-error layer).
            handler = _handler_for(request.app.exception_handlers, exc)
            if handler is None or started:
                raise
            response = await handler(request, exc)
            await response(scope, receive, send)


def _handler_for(handlers: dict[Any, Any], exc: Exception) -> Any:
    for kind in type(exc).__mro__:
        if kind is Exception:
            return None
        if kind in handlers:
            return handlers[kind]
    return None
