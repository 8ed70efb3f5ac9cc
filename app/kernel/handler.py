"""A route's parameters and dependencies solved by a plan built once per route.

FastAPI works out on every request, for every declared parameter, where it comes from, whether
it is a list and what its default is, and walks the dependency tree through the same general
code. For the routes this service has — path, query and header parameters, the request, and
dependencies that are coroutines or async generators — `plan(dependant)` works that out once.
A request is then read in two steps:

1. every parameter of the route and of its dependencies is read and validated with FastAPI's
   own field (same conversion, same constraints); nothing runs yet;
2. only when all of them are valid, the dependencies run in FastAPI's order, each once per
   request (its cache), async generators on the exit stacks FastAPI keeps for them.

Anything else — a parameter missing or invalid, a dependency override in force — goes to
FastAPI's own handler untouched, which runs the dependencies and writes the 422 exactly as
before: the short path only ever answers requests FastAPI would answer the same way."""

from __future__ import annotations

import collections.abc
import inspect
import json
import types
import typing
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from copy import deepcopy
from typing import Any

from fastapi import params
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import (
    _is_json_field,
    get_typed_return_annotation,
    get_validation_alias,
)
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

MISSING = object()
IMMUTABLE = (type(None), bool, int, float, str, bytes, tuple, frozenset)


class _Param:
    __slots__ = ("alias", "default", "field", "loc", "name", "sequence", "source")

    def __init__(self, field: Any, source: str) -> None:
        alias = get_validation_alias(field)
        if source == "header" and getattr(field.field_info, "convert_underscores", True):
            if alias == field.name:
                alias = alias.replace("_", "-")
        self.name = field.name
        self.alias = alias
        self.source = source
        self.field = field
        self.sequence = source != "path" and _is_sequence(field.field_info.annotation)
        self.default = MISSING if field.field_info.is_required() else field.default
        # Errors are never written here (FastAPI writes them), but validators see the location.
        self.loc = (source, get_validation_alias(field))


class _Node:
    __slots__ = (
        "cache_key",
        "call",
        "children",
        "generator",
        "name",
        "params",
        "request_name",
        "scope",
        "use_cache",
    )

    def __init__(self, dependant: Dependant, params: list[_Param], children: list[_Node]) -> None:
        self.call = dependant.call
        self.name = dependant.name
        self.cache_key = dependant.cache_key
        self.use_cache = dependant.use_cache
        self.generator = dependant.is_async_gen_callable
        self.scope = dependant.scope
        self.request_name = dependant.request_param_name
        self.params = params
        self.children = children


def _node(dependant: Dependant, body: bool = False) -> _Node | None:
    """The dependant as a plan, or None when it uses what the short path does not read (a
    body only where `body` says the route's one JSON body is declared)."""
    if (
        (dependant.body_params and not body)
        or dependant.cookie_params
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.call is None
        or dependant.is_gen_callable
        or not (dependant.is_coroutine_callable or dependant.is_async_gen_callable)
    ):
        return None
    params: list[_Param] = []
    for source, fields in (
        ("path", dependant.path_params),
        ("query", dependant.query_params),
        ("header", dependant.header_params),
    ):
        for field in fields:
            annotation = field.field_info.annotation
            if _is_json_field(field) or (
                inspect.isclass(annotation) and issubclass(annotation, BaseModel)
            ):
                return None
            params.append(_Param(field, source))
    children = []
    for sub in dependant.dependencies:
        child = _node(sub)
        if child is None:
            return None
        children.append(child)
    return _Node(dependant, params, children)


Handler = Callable[[Request], Awaitable[Response | None]]


def _json_body(dependant: Dependant, embed: bool) -> Any:
    """The route's body field when it is one JSON document validated whole, else None."""
    if len(dependant.body_params) != 1 or embed:
        return None
    field = dependant.body_params[0]
    if type(field.field_info) is not params.Body:  # a form or a file
        return None
    return field


def plan(dependant: Dependant, overrides_provider: Any, embed: bool = False) -> Handler | None:
    """The short path of a route whose endpoint answers a Response itself, or None."""
    body = _json_body(dependant, embed) if dependant.body_params else None
    if dependant.body_params and body is None:
        return None
    root = _node(dependant, body=body is not None)
    if root is None or root.generator or dependant.call is None:
        return None
    returns = get_typed_return_annotation(dependant.call)
    if not (inspect.isclass(returns) and issubclass(returns, Response)):
        return None
    nodes = _walk(root)

    async def handle(request: Request) -> Response | None:
        if overrides_provider is not None and getattr(
            overrides_provider, "dependency_overrides", None
        ):
            return None
        read = _read(nodes, request)
        if read is None:
            return None
        if body is not None and not await _read_body(body, request, read[id(root)]):
            return None
        response: Response = await root.call(  # type: ignore[misc]
            **await _arguments(root, read, request, {})
        )
        return response

    handle.stacks = any(node.generator for node in nodes)  # type: ignore[attr-defined]
    return handle


def _walk(root: _Node) -> list[_Node]:
    out = [root]
    for child in root.children:
        out.extend(_walk(child))
    return out


def _read(nodes: list[_Node], request: Request) -> dict[int, dict[str, Any]] | None:
    """Step 1: each node's parameters, read and validated; None at the first problem."""
    sources: dict[str, Any] = {}
    read: dict[int, dict[str, Any]] = {}
    for node in nodes:
        values: dict[str, Any] = {}
        for param in node.params:
            received = sources.get(param.source)
            if received is None:
                received = sources[param.source] = _source(request, param.source)
            if param.sequence:
                value = received.getlist(param.alias)
                if not value:
                    value = None
            else:
                value = received.get(param.alias)
            if value is None:
                if param.default is MISSING:
                    return None
                default = param.default
                values[param.name] = (
                    default if isinstance(default, IMMUTABLE) else deepcopy(default)
                )
                continue
            converted, errors = param.field.validate(value, values, loc=param.loc)
            if errors:
                return None
            values[param.name] = converted
        read[id(node)] = values
    return read


async def _read_body(field: Any, request: Request, values: dict[str, Any]) -> bool:
    """The JSON body read and validated whole, as FastAPI reads it (a body is JSON when the
    request says so or says nothing); False when FastAPI is to say what is wrong with it."""
    raw = await request.body()
    document: Any = None
    if raw:
        kind = request.headers.get("content-type")
        if kind:
            kind = kind.split(";", 1)[0].strip().lower()
            if not (
                kind.startswith("application/")
                and (kind.endswith("/json") or kind.endswith("+json"))
            ):
                return False
        try:
            document = json.loads(raw)
        except ValueError:
            return False
    if document is None:
        if field.field_info.is_required():
            return False
        values[field.name] = deepcopy(field.default)
        return True
    converted, errors = field.validate(document, values, loc=("body",))
    if errors:
        return False
    values[field.name] = converted
    return True


def _source(request: Request, source: str) -> Any:
    if source == "query":
        return request.query_params
    if source == "header":
        return request.headers
    return request.path_params


async def _arguments(
    node: _Node, read: dict[int, dict[str, Any]], request: Request, cache: dict[Any, Any]
) -> dict[str, Any]:
    """Step 2 for one node: its parameters and its dependencies, solved as FastAPI solves
    them (depth first, each once per request unless it says otherwise)."""
    values = dict(read[id(node)])
    for child in node.children:
        if child.use_cache and child.cache_key in cache:
            solved = cache[child.cache_key]
        else:
            arguments = await _arguments(child, read, request, cache)
            if child.generator:
                stack: AsyncExitStack = request.scope[
                    "fastapi_function_astack"
                    if child.scope == "function"
                    else "fastapi_inner_astack"
                ]
                solved = await stack.enter_async_context(
                    asynccontextmanager(child.call)(**arguments)  # type: ignore[arg-type]
                )
            else:
                solved = await child.call(**arguments)  # type: ignore[misc]
            cache.setdefault(child.cache_key, solved)
        if child.name is not None:
            values[child.name] = solved
    if node.request_name:
        values[node.request_name] = request
    return values


def _is_sequence(annotation: Any) -> bool:
    """Whether a parameter takes repeated values: a list, tuple, set or other sequence (not
    text or bytes), possibly inside a union such as `list[str] | None`."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_sequence(arg) for arg in typing.get_args(annotation))
    kind = origin or annotation
    if not isinstance(kind, type) or issubclass(kind, (str, bytes)):
        return False
    return issubclass(kind, (collections.abc.Sequence, collections.abc.Set))
