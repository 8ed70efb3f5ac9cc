"""The dispatcher (app/kernel/dispatch.py): the route it picks is the router's, and what it
answers is what the application's full stack answers."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from starlette.routing import Match

from app.kernel.dispatch import Dispatcher
from app.middleware import RequestGuard
from tests.conftest import World


def _guard(app: Any) -> RequestGuard:
    layer = app.middleware_stack
    while not isinstance(layer, RequestGuard):
        layer = layer.app
    return layer


def _routers_choice(routes: list[Any], scope: dict[str, Any]) -> Any:
    for route in routes:
        if route.matches(scope)[0] is Match.FULL:
            return route
    return None


def test_the_index_picks_the_routers_route(app: Any) -> None:
    """For a concrete path of every API route, with every method, the first full match among
    the index's routes is the first full match among all the application's routes."""
    dispatcher = Dispatcher(app, app.router)
    checked = 0
    for route in app.routes:
        path = getattr(route, "path", "")
        if not path.startswith("/api/v1/"):
            continue
        concrete = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)
        for method in ("GET", "POST", "PATCH", "DELETE"):
            scope = {"type": "http", "path": concrete, "method": method, "root_path": ""}
            key = concrete[len("/api/v1/") :].split("/")[0].split(".")[0]
            candidates = dispatcher.index.get(key, dispatcher.anywhere)
            assert _routers_choice(candidates, scope) is _routers_choice(app.routes, scope)
            checked += 1
    assert checked > 300


async def test_dispatched_answers_are_the_full_stacks(
    world: World, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads, a read's own 404, an unknown parameter, an invalid one, a DELETE (its
    transaction), an unknown path and a wrong method: the same status, body and headers with
    the dispatcher as through Starlette's layers; the planned ones went the short way."""
    guard = _guard(app)
    office = world.h["office"]
    planned: list[str] = []
    original = Dispatcher._planned

    async def counted(self: Dispatcher, route: Any, *args: Any) -> None:
        planned.append(route.name)
        await original(self, route, *args)

    monkeypatch.setattr(Dispatcher, "_planned", counted)
    tasks = [await world.task(title=f"Nhiệm vụ {n}") for n in range(4)]

    async def both(method: str, path: str, **kwargs: Any) -> tuple[Any, Any]:
        short = await world.client.request(method, path, headers=office, **kwargs)
        assert guard.dispatch is not None
        guard.dispatch.enabled = False
        try:
            full = await world.client.request(method, path, headers=office, **kwargs)
        finally:
            guard.dispatch.enabled = True
        return short, full

    def same(short: Any, full: Any) -> None:
        assert short.status_code == full.status_code, (short.text, full.text)
        ids = (short.headers["x-request-id"].encode(), full.headers["x-request-id"].encode())
        assert short.content.replace(ids[0], b"") == full.content.replace(ids[1], b"")
        volatile = {"x-request-id", "date"}
        assert {k: v for k, v in short.headers.items() if k not in volatile} == {
            k: v for k, v in full.headers.items() if k not in volatile
        }

    for method, path, params in (
        ("GET", f"/api/v1/tasks/{tasks[0]['id']}", {}),
        ("GET", "/api/v1/tasks", {"limit": "2", "sort": "code"}),
        ("GET", f"/api/v1/tasks/{uuid.uuid4()}", {}),
        ("GET", "/api/v1/tasks", {"colour": "red"}),
        ("GET", "/api/v1/tasks", {"limit": "zero"}),
        ("GET", "/api/v1/tasks/nothing/here", {}),
        ("PUT", f"/api/v1/tasks/{tasks[0]['id']}", {}),
        ("GET", "/api/v1/agencies", {}),
    ):
        short, full = await both(method, path, params=params)
        same(short, full)
    # A DELETE through the dispatcher commits before it answers; its twin through the stack
    # deletes another task the same way.
    first = await world.client.delete(f"/api/v1/tasks/{tasks[1]['id']}", headers=office)
    guard.dispatch.enabled = False
    second = await world.client.delete(f"/api/v1/tasks/{tasks[2]['id']}", headers=office)
    guard.dispatch.enabled = True
    assert first.status_code == second.status_code, (first.text, second.text)
    listed = await world.client.get("/api/v1/tasks", headers=office)
    assert {t["id"] for t in listed.json()["items"]} == {tasks[0]["id"], tasks[3]["id"]}
    assert planned.count("get") == 2 and "list" in planned and "delete" in planned
