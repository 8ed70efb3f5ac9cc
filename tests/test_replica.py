"""A streaming read replica (`DONDOC_READ_DATABASE_URL`; `.ci/replica` makes one of the
machine's PostgreSQL): lists and reports read there, while a client that just wrote reads its
write (single reads stay on the primary), the feed never skips an event (it stays on the
primary), and a replica that goes away sends its reads to the primary without failing a write.
Skipped unless TEST_REPLICA_URL names the replica's server."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import func, make_url, select

from app.core.config import Settings
from app.main import create_app
from tests.conftest import BOOTSTRAP_KEY, _asyncpg_args

REPLICA = os.environ.get("TEST_REPLICA_URL")
pytestmark = [
    pytest.mark.skipif(not REPLICA, reason="no replica (TEST_REPLICA_URL)"),
    pytest.mark.feed,  # it reads the change feed
]
ROOT = Path(__file__).resolve().parent.parent
H = {"Authorization": f"Bearer {BOOTSTRAP_KEY}"}


def _replica_of(database_url: str) -> str:
    assert REPLICA
    name = make_url(database_url).database
    return make_url(REPLICA).set(database=name).render_as_string(hide_password=False)


async def _on_replica(database_url: str, sql: str) -> Any:
    conn = await asyncpg.connect(**_asyncpg_args(_replica_of(database_url)))
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


@pytest.fixture
async def replicated(
    database_url: str, settings: Settings
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """An app of its own reading lists and reports on the replica."""
    mine = settings.model_copy(update={"read_database_url": _replica_of(database_url)})
    app = create_app(mine, database_url=database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield app, client


async def _replica(action: str) -> None:
    """Stop or start the replica's server (.ci/replica)."""
    process = await asyncio.create_subprocess_exec("bash", str(ROOT / ".ci" / "replica"), action)
    assert await process.wait() == 0


async def _caught_up(client: httpx.AsyncClient, task_id: str) -> bool:
    for _ in range(100):
        listed = (await client.get("/api/v1/tasks", params={"limit": 100}, headers=H)).json()
        if task_id in {t["id"] for t in listed["items"]}:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_lists_read_the_replica_and_a_writer_reads_its_write(
    database_url: str, replicated: tuple[Any, httpx.AsyncClient]
) -> None:
    app, client = replicated
    recovery = select(func.pg_is_in_recovery())
    assert (await app.state.replica_db.execute(recovery)).scalar() is True
    assert (await app.state.read_db.execute(recovery)).scalar() is False
    agency = await client.post(
        "/api/v1/agencies", json={"code": "REP1", "name": "Sở", "kind": "department"}, headers=H
    )
    assert agency.status_code == 201
    first = await client.post(
        "/api/v1/tasks", json={"title": "Trước", "lead_agency_id": agency.json()["id"]}, headers=H
    )
    assert await _caught_up(client, first.json()["id"])
    feed = (await client.get("/api/v1/events", params={"limit": 1000}, headers=H)).json()
    # The replica stops replaying: what is written now reaches the primary only.
    await _on_replica(database_url, "SELECT pg_wal_replay_pause()")
    try:
        made = await client.post(
            "/api/v1/tasks",
            json={"title": "Sau", "lead_agency_id": agency.json()["id"]},
            headers=H,
        )
        assert made.status_code == 201
        task = made.json()
        # The writer reads its write at once: a single read is the primary's.
        own = await client.get(f"/api/v1/tasks/{task['id']}", headers=H)
        assert own.status_code == 200 and own.json()["version"] == task["version"]
        # The list is the replica's: the new task is not there yet, the earlier one is.
        listed = (await client.get("/api/v1/tasks", params={"limit": 100}, headers=H)).json()
        ids = {t["id"] for t in listed["items"]}
        assert first.json()["id"] in ids and task["id"] not in ids
        report = (await client.get("/api/v1/reports/tasks", headers=H)).json()
        assert report["totals"]["assigned"] == 1
        # The feed is the primary's: the new task's event follows the earlier ones.
        after = (
            await client.get(
                "/api/v1/events",
                params={"after": feed["next_cursor"], "limit": 1000},
                headers=H,
            )
        ).json()
        assert task["id"] in {e["resource_id"] for e in after["items"]}
    finally:
        await _on_replica(database_url, "SELECT pg_wal_replay_resume()")
    assert await _caught_up(client, task["id"])


async def test_a_replica_that_goes_away_sends_reads_to_the_primary(
    replicated: tuple[Any, httpx.AsyncClient],
) -> None:
    _, client = replicated
    agency = await client.post(
        "/api/v1/agencies", json={"code": "REP2", "name": "Sở", "kind": "department"}, headers=H
    )
    assert agency.status_code == 201
    await _replica("stop")
    try:
        made = await client.post(
            "/api/v1/tasks",
            json={"title": "Khi vắng", "lead_agency_id": agency.json()["id"]},
            headers=H,
        )
        assert made.status_code == 201  # a write never depends on the replica
        listed = await client.get("/api/v1/tasks", params={"limit": 100}, headers=H)
        assert listed.status_code == 200
        assert made.json()["id"] in {t["id"] for t in listed.json()["items"]}
        report = await client.get("/api/v1/reports/tasks", headers=H)
        assert report.status_code == 200 and report.json()["totals"]["assigned"] == 1
        # A download reads the replica only (a whole table is not moved onto the primary
        # unannounced): 503 with Retry-After while it is away.
        download = await client.get("/api/v1/reports/tasks.csv", headers=H)
        assert download.status_code == 503 and download.headers.get("retry-after")
        assert download.headers["content-type"] == "application/problem+json"
    finally:
        await _replica("restart")
