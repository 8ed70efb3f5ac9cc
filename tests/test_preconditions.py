"""If-Match on every versioned write (app/kernel/versioned.py), walked through HTTP.

Every operation whose OpenAPI document takes `If-Match` answers a stale tag with 412 (the
permission walk's recipes, sent by the administrator with a tag no resource has), every PATCH
without one with 428; the operations that take none ignore it. A refused change changes
nothing, and the caller's checks come before the precondition, the content after it (RFC 9110
§13.2.2)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from starlette.routing import Match

from tests.conftest import World
from tests.test_permissions import Setup, recipes

A = "/api/v1"
STALE = '"987654"'


def conditioned(app: FastAPI) -> dict[tuple[str, str], bool]:
    """(method, path) of each operation taking If-Match, and whether it requires it."""
    found: dict[tuple[str, str], bool] = {}
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "If-Match":
                    found[(method.upper(), path)] = bool(parameter.get("required"))
    return found


def operation(app: FastAPI, request: httpx.Request) -> tuple[str, str]:
    scope = {"type": "http", "method": request.method, "path": request.url.path, "root_path": ""}
    for route in app.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return request.method, route.path  # type: ignore[attr-defined]
    raise AssertionError(f"no route for {request.method} {request.url.path}")


async def test_every_conditioned_write_refuses_a_stale_tag(world: World, app: FastAPI) -> None:
    app.state.settings.webhook_allowed_hosts = "127.0.0.1"
    wanted = conditioned(app)
    assert len(wanted) >= 25  # PATCH, DELETE, restore and transitions of each resource
    seen: dict[tuple[str, str], list[int]] = {}
    headers = {**world.h["admin"], "X-Role": "admin", "If-Match": STALE}
    try:
        for (resource, action), recipe in recipes().items():
            response = await recipe(Setup(world), headers)
            key = operation(app, response.request)
            seen.setdefault(key, []).append(response.status_code)
            if key in wanted:
                assert response.status_code == 412, (resource, action, response.text)
                body = response.json()
                assert body["type"] == "/problems/precondition-failed"
                assert isinstance(body["current_version"], int)
            else:  # the header means nothing to an operation that takes none
                assert response.status_code < 300, (resource, action, response.text)
    finally:
        app.state.settings.webhook_allowed_hosts = ""
    missing = {key for key in wanted if key not in seen}
    assert missing == {DETACH}, missing  # the permission walk has no recipe for it: below


DETACH = ("DELETE", f"{A}/attachments/{{attachment_id}}")


async def test_a_stale_detach_is_refused(world: World, app: FastAPI) -> None:
    task = await world.task()
    url = f"{A}/tasks/{task['id']}/attachments"
    document = [("file", ("van-ban.pdf", b"%PDF-1.4\n%", "application/pdf"))]
    made = await world.client.post(url, files=document, headers=world.h["office"])
    assert made.status_code == 201, made.text
    attachment = made.json()["items"][0]
    detach = f"{A}/attachments/{attachment['id']}"
    assert operation(app, world.client.build_request("DELETE", detach)) == DETACH
    stale = await world.client.delete(detach, headers={**world.h["office"], "If-Match": STALE})
    assert stale.status_code == 412, stale.text
    assert (await world.client.get(url, headers=world.h["office"])).json()["items"]
    current = f'"{attachment["version"]}"'
    gone = await world.client.delete(detach, headers={**world.h["office"], "If-Match": current})
    assert gone.status_code == 204, gone.text


async def test_every_patch_requires_a_tag(world: World, app: FastAPI) -> None:
    patches = [path for (method, path), required in conditioned(app).items() if method == "PATCH"]
    assert patches and all(conditioned(app)[("PATCH", p)] for p in patches)
    task = await world.task()
    url = f"{A}/tasks/{task['id']}"
    missing = await world.client.patch(url, json={"title": "Mới"}, headers=world.h["office"])
    assert missing.status_code == 428, missing.text
    assert missing.json()["type"] == "/problems/precondition-required"


async def _state(world: World, task: dict[str, Any]) -> tuple[Any, ...]:
    h = world.h["office"]
    body = (await world.client.get(f"{A}/tasks/{task['id']}", headers=h)).json()
    history = (await world.client.get(f"{A}/tasks/{task['id']}/history", headers=h)).json()
    changes = (await world.client.get(f"{A}/tasks/{task['id']}/deadline-changes", headers=h)).json()
    return body["version"], body["status"], body["due_date"], body["title"], history, changes


async def test_a_refused_change_changes_nothing(world: World) -> None:
    c, h = world.client, {**world.h["office"], "If-Match": STALE}
    task = await world.task(due_date="2099-12-31", assigned_on="2023-01-01")
    before = await _state(world, task)
    url = f"{A}/tasks/{task['id']}"
    adjustment = {
        "new_due_date": "2100-06-30",
        "reason": "x",
        "decision_number": "1/QĐ",
        "decision_date": "2023-01-02",
        "decided_by": "Chủ tịch",
    }
    refused = [
        await c.patch(url, json={"title": "Mới"}, headers=h),
        await c.post(f"{url}/transitions", json={"action": "start"}, headers=h),
        await c.post(f"{url}/deadline-changes", json=adjustment, headers=h),
        await c.delete(url, headers=h),
    ]
    assert [r.status_code for r in refused] == [412] * 4, [r.text for r in refused]
    assert await _state(world, task) == before


async def test_the_callers_checks_come_first_the_content_after(world: World) -> None:
    c = world.client
    directive = (
        await c.post(
            f"{A}/directives",
            json={"kind": "plan", "title": "Kế hoạch", "issuer_agency_id": world.lead["id"]},
            headers=world.h["office"],
        )
    ).json()
    # Agency staff may not edit a directive: 403 whatever the tag says.
    forbidden = await c.patch(
        f"{A}/directives/{directive['id']}",
        json={"title": "Mới"},
        headers={**world.h["lead"], "If-Match": STALE},
    )
    assert forbidden.status_code == 403, forbidden.text
    # An action the state does not allow: 409 before the tag is looked at.
    invalid = await c.post(
        f"{A}/directives/{directive['id']}/transitions",
        json={"action": "close"},
        headers={**world.h["office"], "If-Match": STALE},
    )
    assert invalid.status_code == 409, invalid.text
    # Content the service would refuse: the stale tag answers first.
    task = await world.task(due_date="2099-12-31", assigned_on="2023-01-01")
    started = await c.post(
        f"{A}/tasks/{task['id']}/transitions", json={"action": "start"}, headers=world.h["office"]
    )
    assert started.status_code == 200, started.text
    late = await c.post(
        f"{A}/tasks/{task['id']}/transitions",
        json={"action": "submit", "result": "Xong", "completed_on": "2999-01-01"},
        headers={**world.h["office"], "If-Match": STALE},
    )
    assert late.status_code == 412, late.text
    agency = await c.patch(
        f"{A}/agencies/{world.lead['id']}",
        json={"name": "Tên mới", "effective_on": "2999-01-01"},
        headers={**world.h["admin"], "If-Match": STALE},
    )
    assert agency.status_code == 412, agency.text
    current = f'"{world.lead["version"]}"'
    agency = await c.patch(
        f"{A}/agencies/{world.lead['id']}",
        json={"name": "Tên mới", "effective_on": "2999-01-01"},
        headers={**world.h["admin"], "If-Match": current},
    )
    assert agency.status_code == 422, agency.text
