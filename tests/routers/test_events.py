"""The change feed: commit order, exactly once under concurrent writers, filters, visibility."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.access.auth import Caller
from app.core.enums import Role
from app.kernel import history
from tests.conftest import World, make_agency

API = "/api/v1/events"
pytestmark = pytest.mark.feed  # the feed sees every transaction of the server


async def drain(
    client: httpx.AsyncClient, headers: dict[str, str], after: str | None = None, **params: Any
) -> tuple[list[dict[str, Any]], str]:
    items: list[dict[str, Any]] = []
    cursor = after
    while True:
        query: dict[str, Any] = {"limit": 50}
        query.update(params)
        if cursor:
            query["after"] = cursor
        body = (await client.get(API, params=query, headers=headers)).json()
        items += body["items"]
        if not body["items"]:
            return items, body["next_cursor"]
        cursor = body["next_cursor"]


async def test_every_change_is_an_event(world: World) -> None:
    task = await world.task()
    await world.act(task, "office", "start")
    events, _ = await drain(world.client, world.h["admin"])
    types = [e["type"] for e in events]
    assert types.count("agency.created") == 3
    assert types[-2:] == ["task.created", "task.start"]
    start = events[-1]
    assert start["resource_id"] == task["id"] and start["actor"]["role"] == "office"
    assert start["data"]["changes"]["status"] == {"old": "new", "new": "in_progress"}
    only_tasks, _ = await drain(world.client, world.h["admin"], type="task.*")
    assert [e["type"] for e in only_tasks] == ["task.created", "task.start"]
    exact, _ = await drain(world.client, world.h["admin"], type=["task.start", "agency.updated"])
    assert [e["type"] for e in exact] == ["task.start"]


async def test_cursor_continues_where_it_stopped(world: World) -> None:
    everything, cursor = await drain(world.client, world.h["admin"])
    again, same = await drain(world.client, world.h["admin"], after=cursor)
    assert everything and again == [] and same == cursor
    await world.task()
    later, _ = await drain(world.client, world.h["admin"], after=cursor)
    assert [e["type"] for e in later] == ["task.created"]
    assert (
        await world.client.get(API, params={"after": "garbage!"}, headers=world.h["admin"])
    ).status_code == 400


async def test_agency_staff_see_events_of_what_they_see(world: World) -> None:
    mine = await world.task()
    foreign = await world.task(lead_agency_id=world.other["id"], cooperating_agency_ids=[])
    await world.client.post(
        "/api/v1/api-keys", json={"name": "x", "role": "viewer"}, headers=world.h["admin"]
    )
    seen, _ = await drain(world.client, world.h["coop"])
    task_events = {e["resource_id"] for e in seen if str(e["type"]).startswith("task.")}
    assert task_events == {mine["id"]}
    assert not any(str(e["type"]).startswith("api_key.") for e in seen)
    assert foreign["id"] not in {e["resource_id"] for e in seen}
    admin_seen, _ = await drain(world.client, world.h["admin"])
    assert any(e["type"] == "api_key.created" for e in admin_seen)


async def test_a_late_committing_transaction_is_not_skipped(
    world: World, engine: AsyncEngine, office: dict[str, str]
) -> None:
    _, cursor = await drain(world.client, world.h["admin"])
    agency = await make_agency(world.client, office)
    slow = await engine.connect()
    transaction = await slow.begin()
    # An event takes its place now but commits only after a later one has been read.
    await history.record(
        slow, Caller(role=Role.admin, name="slow"), "agency", agency["id"], "updated", {}
    )
    await world.task()  # commits at once, after the slow transaction began
    held, _ = await drain(world.client, world.h["admin"], after=cursor)
    assert [e["type"] for e in held] == ["agency.created"]  # the feed waits for the slow one
    await transaction.commit()
    await slow.close()
    rest, _ = await drain(world.client, world.h["admin"], after=held[-1]["cursor"])
    assert [e["type"] for e in rest] == ["agency.updated", "task.created"]


async def test_eight_concurrent_writers_and_a_polling_reader(world: World) -> None:
    _, start = await drain(world.client, world.h["admin"])
    received: list[dict[str, Any]] = []
    writing = True
    expected = 8 * 6 * 2
    loop = asyncio.get_running_loop()

    async def reader() -> None:
        """A polling consumer: an empty page means "nothing finished yet", not "the end" —
        any transaction open on the server (a key's `last_used_at` written in the background,
        say) holds the feed back. It stops once the writers are done and it has as many events
        as they made, or 20 s after they are done (the assertions then say what is missing)."""
        cursor = start
        deadline = None
        while True:
            body = (
                await world.client.get(
                    API, params={"after": cursor, "limit": 7}, headers=world.h["admin"]
                )
            ).json()
            received.extend(body["items"])
            cursor = body["next_cursor"]
            if not writing:
                deadline = deadline or loop.time() + 20
                if len(received) >= expected or loop.time() > deadline:
                    return
            if not body["items"]:
                await asyncio.sleep(0.005)

    async def writer(n: int) -> None:
        for i in range(6):
            task = await world.task(title=f"Nhiệm vụ {n}-{i}")
            await world.act(task, "office", "start")

    poller = asyncio.create_task(reader())
    await asyncio.gather(*(writer(n) for n in range(8)))
    writing = False
    await asyncio.wait_for(poller, timeout=30)
    ids = [e["id"] for e in received]
    assert len(ids) == len(set(ids)) == expected
    cursors = [e["cursor"] for e in received]
    assert len(set(cursors)) == len(cursors)
    created = [e for e in received if e["type"] == "task.created"]
    assert len(created) == 48


BURN = (
    "DO $$ BEGIN FOR i IN 1..{n} LOOP"
    " BEGIN INSERT INTO xid_burn VALUES (i); EXCEPTION WHEN others THEN NULL; END;"
    " END LOOP; END $$"
)
# Beyond this many, reaching the next power of ten takes too long for a test (a server that has
# run for long); the ordering is then still checked at every lower power by the test above it.
MAX_BURN = 5_000_000


async def current_xid(conn: AsyncConnection) -> int:
    return int((await conn.execute(text("SELECT pg_current_xact_id()::text"))).scalar_one())


async def burn_xids_to_boundary(engine: AsyncEngine, margin: int) -> int:
    """Consume transaction ids (one per subtransaction that writes, in chunks of 20,000) until
    the next one is `margin` below a power of ten, where the number of digits changes; return
    that power."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        current = await current_xid(conn)
        boundary: int = 10 ** len(str(current))
        if boundary - current < 4 * margin:
            boundary *= 10
        if boundary - current > MAX_BURN:
            pytest.skip(f"transaction ids at {current:,}: {boundary:,} is too far to reach")
        await conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS xid_burn (i int)"))
        while (need := boundary - margin - await current_xid(conn)) > 1:
            await conn.execute(text(BURN.format(n=min(need - 1, 20_000))))
    return boundary


def txid_of(cursor: str) -> int:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    return int(raw.split(":")[0])


async def test_feed_order_is_numeric_at_every_power_of_ten(
    world: World, engine: AsyncEngine
) -> None:
    # Events of transactions 9, 10, 99, 100, … below the server's current id, written in
    # scrambled order: every page size reads them once each, in numeric order.
    async with engine.begin() as conn:
        current = await current_xid(conn)
        powers = [10**k for k in range(1, len(str(current))) if 10**k < current - 1]
        txids = sorted({t for p in powers for t in (p - 1, p)}, key=str)
        for txid in txids:
            await conn.execute(
                text(
                    "INSERT INTO events (txid, type, occurred_at, actor_role, admin_only,"
                    " resource_type, resource_id, data) VALUES (CAST(:txid AS text)::xid8,"
                    " 'agency.updated', now(), 'admin', false, 'agency', gen_random_uuid(), '{}')"
                ),
                {"txid": str(txid)},
            )
    assert len(txids) >= 4
    for limit in (1, 3, 200):
        events, _ = await drain(world.client, world.h["admin"], limit=limit)
        seen = [txid_of(str(e["cursor"])) for e in events]
        assert seen[: len(txids)] == sorted(txids), limit
        assert len({e["id"] for e in events}) == len(events)


async def test_exactly_once_across_a_power_of_ten_under_concurrent_writers(
    world: World, engine: AsyncEngine
) -> None:
    # Transaction ids 999 → 1000 (or 9,999 → 10,000, …) in the middle of concurrent writes,
    # read by two polling consumers at once, one with small pages and one with large.
    _, start = await drain(world.client, world.h["admin"])
    boundary = await burn_xids_to_boundary(engine, margin=20)
    received: dict[int, list[dict[str, Any]]] = {3: [], 200: []}
    writing = True

    async def reader(limit: int) -> None:
        cursor = start
        while True:
            body = (
                await world.client.get(
                    API, params={"after": cursor, "limit": limit}, headers=world.h["admin"]
                )
            ).json()
            received[limit].extend(body["items"])
            cursor = body["next_cursor"]
            if not body["items"]:
                if not writing:
                    return
                await asyncio.sleep(0.002)

    async def writer(n: int) -> None:
        for i in range(5):
            task = await world.task(title=f"Nhiệm vụ {n}-{i}")
            await world.act(task, "office", "start")

    pollers = [asyncio.create_task(reader(limit)) for limit in received]
    await asyncio.gather(*(writer(n) for n in range(6)))
    writing = False
    await asyncio.wait_for(asyncio.gather(*pollers), timeout=60)
    for limit, events in received.items():
        txids = [txid_of(str(e["cursor"])) for e in events]
        assert min(txids) < boundary <= max(txids), "the writes did not cross the boundary"
        assert txids == sorted(txids), limit
        ids = [e["id"] for e in events]
        assert len(ids) == len(set(ids)) == 6 * 5 * 2, limit
        assert sum(e["type"] == "task.created" for e in events) == 30
    assert [e["id"] for e in received[3]] == [e["id"] for e in received[200]]
