"""The routes' short path (app/kernel/handler.py): it answers what FastAPI's own handler
answers, leaves every invalid request to FastAPI, and is the path valid reads take."""

from __future__ import annotations

from typing import Any

import pytest

from app.kernel import handler
from tests.conftest import World

VOLATILE = {"x-request-id", "date"}


def _unused() -> None:
    """Overridden below only to make FastAPI's handler answer (an override is in force)."""


async def _both(world: World, app: Any, method: str, path: str, **kwargs: Any) -> Any:
    """The answer of the short path and of FastAPI's handler to the same request."""
    short = await world.client.request(method, path, **kwargs)
    app.dependency_overrides[_unused] = _unused
    try:
        full = await world.client.request(method, path, **kwargs)
    finally:
        app.dependency_overrides.clear()
    return short, full


def _same(short: Any, full: Any) -> None:
    assert short.status_code == full.status_code, (short.text, full.text)
    # A problem names its request; the rest of the body is byte for byte the same.
    assert short.content.replace(short.headers["x-request-id"].encode(), b"") == (
        full.content.replace(full.headers["x-request-id"].encode(), b"")
    )
    assert {k: v for k, v in short.headers.items() if k not in VOLATILE} == {
        k: v for k, v in full.headers.items() if k not in VOLATILE
    }


async def test_the_short_path_answers_as_fastapi_does(
    world: World, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Valid reads with every kind of parameter (path, repeated query, enum, date, bool,
    defaults) and invalid ones (bad uuid, bad enum, out of range, no credential, unknown
    task): byte for byte the same answer; the valid ones went the short way."""
    taken: list[str] = []
    arguments = handler._arguments

    async def counted(node: Any, *args: Any) -> Any:
        if node.call.__name__ not in {"authenticate", "read_connection"}:
            taken.append(node.call.__name__)
        return await arguments(node, *args)

    monkeypatch.setattr(handler, "_arguments", counted)
    task = await world.task()
    await world.task(lead_agency_id=world.coop["id"], cooperating_agency_ids=[])
    office = world.h["office"]
    task_path = f"/api/v1/tasks/{task['id']}"
    valid = [
        (task_path, {}),
        (task_path, {"as_of": "2027-04-02", "include_deleted": "true"}),
        ("/api/v1/tasks", {"status": ["new", "in_progress"], "limit": "1", "sort": "due_date"}),
        ("/api/v1/tasks", {"lead_agency_id": [world.lead["id"], world.coop["id"]], "count": "1"}),
        ("/api/v1/tasks", {"lead_agency_id": world.coop["id"], "year": "2023"}),
        (f"{task_path}/history", {}),
        ("/api/v1/agencies", {"limit": "500"}),  # clamped, not refused
        ("/api/v1/events", {"limit": "2"}),
    ]
    for path, params in valid:
        short, full = await _both(world, app, "GET", path, params=params, headers=office)
        assert short.status_code == 200, short.text
        _same(short, full)
    assert len(taken) >= len(valid)
    both = await world.client.get(
        "/api/v1/tasks",
        params={"lead_agency_id": [world.lead["id"], world.coop["id"]], "count": "1"},
        headers=office,
    )
    assert both.json()["total"] == 2

    taken.clear()
    invalid = [
        ("/api/v1/tasks/not-a-uuid", {}, office),
        ("/api/v1/tasks", {"status": "nonsense"}, office),
        ("/api/v1/tasks", {"limit": "0"}, office),
        ("/api/v1/tasks", {"year": "1800"}, office),
        ("/api/v1/tasks", {"as_of": "2027-02-30"}, office),
        (task_path, {}, {}),  # no credential: 401 from the dependency, both ways
        ("/api/v1/tasks/00000000-0000-0000-0000-000000000000", {}, office),
    ]
    for path, params, headers in invalid:
        short, full = await _both(world, app, "GET", path, params=params, headers=headers)
        assert short.status_code in {400, 401, 404, 422}, short.text
        _same(short, full)
    # Only the last two are valid requests: the short path ran them (their dependency or the
    # endpoint answered the error); FastAPI took the invalid parameters alone.
    assert taken.count("get_task") == 2


def test_every_read_has_a_short_path(app: Any) -> None:
    """Each GET and DELETE route of the API whose endpoint answers a Response is planned."""
    planned, unplanned = [], []
    for route in app.routes:
        if not getattr(route, "path", "").startswith("/api/v1") or not hasattr(route, "dependant"):
            continue
        if route.methods & {"GET", "DELETE"}:
            plan = handler.plan(route.dependant, None)
            (planned if plan is not None else unplanned).append(route.path)
    assert len(planned) > 20
    assert set(unplanned) <= {"/api/v1/meta/enums", "/api/v1/me"}, unplanned


async def test_a_json_body_goes_the_short_way_and_a_bad_one_to_fastapi(
    world: World, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A valid create is planned (its transaction, its Idempotency-Key replay); a body that is
    not JSON, misses a field, has a wrong type or an unknown field gets FastAPI's own answer,
    byte for byte, with nothing created."""
    taken: list[str] = []
    arguments = handler._arguments

    async def counted(node: Any, *args: Any) -> Any:
        taken.append(node.call.__name__)
        return await arguments(node, *args)

    monkeypatch.setattr(handler, "_arguments", counted)
    office = world.h["office"]
    body = {"title": "Nhiệm vụ mới", "lead_agency_id": world.lead["id"], "due_date": "2027-01-31"}
    keyed = {**office, "Idempotency-Key": "short-path-1"}
    created = await world.client.post("/api/v1/tasks", json=body, headers=keyed)
    assert created.status_code == 201, created.text
    assert "create_task" in taken
    replay = await world.client.post("/api/v1/tasks", json=body, headers=keyed)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["id"] == created.json()["id"]

    taken.clear()
    json_headers = {**office, "Content-Type": "application/json"}
    for content in (
        b'{"title": "x", ',  # not JSON
        b"",  # no body
        b'{"lead_agency_id": "%s"}' % world.lead["id"].encode(),  # no title
        b'{"title": "x", "lead_agency_id": "not-a-uuid"}',
        b'{"title": "x", "lead_agency_id": "%s", "colour": 1}' % world.lead["id"].encode(),
    ):
        short, full = await _both(
            world, app, "POST", "/api/v1/tasks", content=content, headers=json_headers
        )
        assert short.status_code in {400, 422}, short.text
        _same(short, full)
    assert "create_task" not in taken
    listed = await world.client.get("/api/v1/tasks", params={"count": "1"}, headers=office)
    assert listed.json()["total"] == 1
