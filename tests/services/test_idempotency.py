"""Idempotency-Key through HTTP: replay, different body, concurrency, expiry, per caller."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.enums import Role

API = "/api/v1/agencies"
BODY = {"code": "IDEM1", "name": "Sở Nội vụ", "kind": "department"}


async def count(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return int((await client.get(API, params={"count": "true"}, headers=headers)).json()["total"])


async def test_retry_replays_the_stored_response(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    headers = {**office, "Idempotency-Key": "create-noi-vu"}
    first = await client.post(API, json=BODY, headers=headers)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    again = await client.post(API, json=BODY, headers=headers)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert await count(client, office) == 1


async def test_same_key_with_another_body_is_422(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    headers = {**office, "Idempotency-Key": "k1"}
    assert (await client.post(API, json=BODY, headers=headers)).status_code == 201
    other = await client.post(API, json={**BODY, "code": "IDEM2"}, headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert await count(client, office) == 1


async def test_keys_are_scoped_per_caller(
    client: httpx.AsyncClient, keys, office: dict[str, str]
) -> None:
    other_office = await keys.make(Role.office)
    assert (
        await client.post(API, json=BODY, headers={**office, "Idempotency-Key": "shared"})
    ).status_code == 201
    second = await client.post(
        API, json={**BODY, "code": "IDEM2"}, headers={**other_office, "Idempotency-Key": "shared"}
    )
    assert second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert await count(client, office) == 2


async def test_twelve_concurrent_posts_with_one_key_create_one_resource(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    headers = {**office, "Idempotency-Key": "burst"}
    responses = await asyncio.gather(
        *(client.post(API, json=BODY, headers=headers) for _ in range(12))
    )
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, statuses
    created = [r for r in responses if r.status_code == 201]
    assert len({r.json()["id"] for r in created}) == 1
    assert sum(1 for r in created if "idempotent-replayed" not in r.headers) == 1
    for r in responses:
        if r.status_code == 409:
            assert "still being processed" in r.json()["detail"]
    assert await count(client, office) == 1
    replay = await client.post(API, json=BODY, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true"


async def test_failed_request_is_not_stored(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    headers = {**office, "Idempotency-Key": "after-conflict"}
    assert (await client.post(API, json=BODY, headers=office)).status_code == 201
    assert (await client.post(API, json=BODY, headers=headers)).status_code == 409
    fixed = await client.post(API, json={**BODY, "code": "IDEM3"}, headers=headers)
    assert fixed.status_code == 201


async def test_expired_key_runs_again(
    client: httpx.AsyncClient, office: dict[str, str], engine: AsyncEngine
) -> None:
    headers = {**office, "Idempotency-Key": "old"}
    first = await client.post(API, json=BODY, headers=headers)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'")
        )
    later = await client.post(API, json=BODY, headers=headers)
    # Run for real: the code now exists, so the business rule answers.
    assert later.status_code == 409
    assert first.status_code == 201


async def test_overlong_key_is_400(client: httpx.AsyncClient, office: dict[str, str]) -> None:
    response = await client.post(API, json=BODY, headers={**office, "Idempotency-Key": "x" * 300})
    assert response.status_code == 400
    assert await count(client, office) == 0


async def test_expired_records_are_purged_at_start_up(
    client: httpx.AsyncClient,
    office: dict[str, str],
    engine: AsyncEngine,
    app,
    settings,
) -> None:
    from app.main import _start_up

    await client.post(API, json=BODY, headers={**office, "Idempotency-Key": "a"})
    await client.post(
        API, json={**BODY, "code": "IDEM9"}, headers={**office, "Idempotency-Key": "b"}
    )
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'a'"
            )
        )
    await _start_up(engine, settings)
    async with engine.connect() as conn:
        left = (await conn.execute(text("SELECT key FROM idempotency_keys"))).scalars().all()
    assert left == ["b"]


@pytest.mark.parametrize(
    ("path", "body", "secret"),
    [
        ("/api/v1/api-keys", {"name": "Cổng tỉnh", "role": "viewer"}, "key"),
        ("/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "event_types": ["*"]}, "secret"),
    ],
)
async def test_no_secret_is_kept_for_replays(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    admin: dict[str, str],
    app: Any,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    body: dict[str, Any],
    secret: str,
) -> None:
    monkeypatch.setattr(app.state.settings, "webhook_allowed_hosts", "127.0.0.1")
    headers = {**admin, "Idempotency-Key": "tao-khoa-1"}
    first = await client.post(path, json=body, headers=headers)
    assert first.status_code == 201 and first.json()[secret]
    shown = first.json()[secret]
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT body FROM idempotency_keys"))).scalars().all()
    assert stored and not any(shown.encode() in bytes(b) for b in stored)
    replay = await client.post(path, json=body, headers=headers)
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"] and replay.json()[secret] is None


async def test_expired_records_go_with_every_scheduler_pass(engine: AsyncEngine) -> None:
    from app.core.clock import Clock
    from app.core.config import Settings
    from app.worker import run_scheduler_once

    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO idempotency_keys (caller_key, key, fingerprint, status_code, headers,"
                " body, created_at, expires_at) VALUES ('key:x', 'old', 'f', 201, '{}', '',"
                " now() - interval '25 hours', now() - interval '1 hour'), ('key:x', 'new', 'f',"
                " 201, '{}', '', now(), now() + interval '23 hours')"
            )
        )
    settings = Settings()
    await run_scheduler_once(engine, Clock(settings.tz), settings)
    async with engine.connect() as conn:
        left = (await conn.execute(text("SELECT key FROM idempotency_keys"))).scalars().all()
    assert left == ["new"]


def test_every_post_route_is_idempotent_by_construction(app: Any) -> None:
    # The route class gives each POST the guard as its first dependency; no route opts in or
    # can forget (uploads, which stream their body, handle the key themselves). The routes of
    # included routers are walked as FastAPI walks them (app.routes holds the routers).
    from fastapi.routing import iter_route_contexts

    from app.api.deps import IDEMPOTENT, idempotency_guard

    posts = [r for r in iter_route_contexts(app.routes) if "POST" in (r.methods or ())]
    assert len(posts) >= 25
    guarded = [
        r
        for r in posts
        if r.dependant.dependencies and r.dependant.dependencies[0].call is idempotency_guard
    ]
    by_themselves = [r for r in posts if getattr(r.endpoint, IDEMPOTENT, False)]
    assert by_themselves and all("/attachments" in str(r.path) for r in by_themselves)
    assert sorted(str(r.path) for r in posts) == sorted(
        str(r.path) for r in guarded + by_themselves
    )


async def test_a_sub_resource_post_replays(world: Any) -> None:
    # A reminder is a POST whose route says nothing of idempotency: a retry replays it and
    # the task keeps one reminder.
    task = await world.task()
    path = f"/api/v1/tasks/{task['id']}/reminders"
    headers = {**world.h["office"], "Idempotency-Key": "nhac-1"}
    first = await world.client.post(path, json={"message": "Nhắc"}, headers=headers)
    again = await world.client.post(path, json={"message": "Nhắc"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    listed = await world.client.get(path, headers=world.h["office"])
    assert len(listed.json()["items"]) == 1


async def test_webhook_test_replays(
    client: httpx.AsyncClient, admin: dict[str, str], app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "webhook_allowed_hosts", "127.0.0.1")
    hook = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["*"]},
        headers=admin,
    )
    path = f"/api/v1/webhooks/{hook.json()['id']}/test"
    headers = {**admin, "Idempotency-Key": "thu-1"}
    first = await client.post(path, headers=headers)
    again = await client.post(path, headers=headers)
    assert first.status_code < 300 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
