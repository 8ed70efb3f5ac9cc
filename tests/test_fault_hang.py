"""A database that hangs (every process of its cluster SIGSTOPped) under a write load, then
continues: every write answered 201 is there afterwards, nothing answers 500, requests during
the hang answer 503 `database-unavailable` within the documented bound, and the service
recovers by itself."""

from __future__ import annotations

import asyncio
import signal
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson

from tests.faults import an_agency, frozen, own_cluster
from tests.server import AUTH, serve

STATEMENT_TIMEOUT_MS = 2000
# docs/operations.md, "Timeouts": a statement gets the statement timeout and 5 s more on the
# client; a connection in doubt afterwards is discarded.
BOUND_SECONDS = STATEMENT_TIMEOUT_MS / 1000 + 5
# Long enough for statements sent during it to time out, short enough for their cancel requests
# to arrive after it (a BEGIN timed out on the client then runs on the server).
HANG_SECONDS = 10


def _asyncpg_url(url: str) -> dict[str, str]:
    # postgresql+asyncpg://user@/database?host=/socket/dir
    rest = url.split("://", 1)[1]
    user, _, rest = rest.partition("@/")
    database, _, query = rest.partition("?host=")
    return {"user": user, "database": database, "host": query}


async def test_a_hung_database_loses_no_acknowledged_write(tmp_path: Path) -> None:
    url, pgdata = await own_cluster(tmp_path, "hang")
    log = tempfile.TemporaryFile()
    process, base = await serve(
        url,
        log,
        {
            "DONDOC_DB_STATEMENT_TIMEOUT_MS": str(STATEMENT_TIMEOUT_MS),
            "DONDOC_DB_CONNECT_TIMEOUT_SECONDS": "2",
            "DONDOC_WEBHOOK_POLL_SECONDS": "0.2",  # the claim loop keeps connections busy
            "DONDOC_SCHEDULER_INTERVAL_SECONDS": "1",
            # The caller's key stays known through the hang: the writes reach the database.
            "DONDOC_API_KEY_CACHE_SECONDS": "300",
        },
        worker=True,
    )
    tasks: list[str] = []
    reports: list[tuple[str, str]] = []
    statuses: Counter[int] = Counter()
    problems: Counter[str] = Counter()
    slowest_in_hang = 0.0
    hang = {"from": float("inf"), "to": float("inf")}
    after: list[tuple[float, int]] = []
    try:
        async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=120) as client:
            agency = await an_agency(client, "HANG1", "Sở Treo")
            stop = asyncio.Event()

            async def post(path: str, body: dict[str, Any]) -> httpx.Response:
                nonlocal slowest_in_hang
                started = time.monotonic()
                response = await client.post(path, json=body)
                ended = time.monotonic()
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    problems[orjson.loads(response.content).get("code", "?")] += 1
                if hang["from"] <= started and ended <= hang["to"] + BOUND_SECONDS:
                    slowest_in_hang = max(slowest_in_hang, ended - started)
                if started > hang["to"]:
                    after.append((started - hang["to"], response.status_code))
                return response

            async def writer(n: int) -> None:
                i = 0
                while not stop.is_set():
                    i += 1
                    created = await post(
                        "/api/v1/tasks",
                        {"title": f"Nhiệm vụ {n}-{i}", "lead_agency_id": agency["id"]},
                    )
                    if created.status_code != 201:
                        await asyncio.sleep(0.05)
                        continue
                    task = created.json()["id"]
                    tasks.append(task)
                    report = await post(
                        f"/api/v1/tasks/{task}/progress-reports",
                        {"progress_percent": 10, "results": "Đang triển khai"},
                    )
                    if report.status_code == 201:
                        reports.append((task, report.json()["id"]))

            existing = [
                (
                    await client.post(
                        "/api/v1/tasks",
                        json={"title": f"Có sẵn {n}", "lead_agency_id": agency["id"]},
                    )
                ).json()["id"]
                for n in range(2)
            ]

            async def reporter(task: str) -> None:
                # A write whose first statement is on the write connection (no agency named).
                while not stop.is_set():
                    report = await post(
                        f"/api/v1/tasks/{task}/progress-reports",
                        {"progress_percent": 20, "results": "Báo cáo định kỳ"},
                    )
                    if report.status_code == 201:
                        reports.append((task, report.json()["id"]))
                    else:
                        await asyncio.sleep(0.05)

            writers = [asyncio.create_task(writer(n)) for n in range(2)]
            writers += [asyncio.create_task(reporter(task)) for task in existing]
            await asyncio.sleep(3)
            async with frozen(pgdata):
                hang["from"] = time.monotonic()
                await asyncio.sleep(HANG_SECONDS)
                hang["to"] = time.monotonic()
            await asyncio.sleep(12)
            stop.set()
            await asyncio.wait_for(asyncio.gather(*writers), timeout=60)
            # The service recovered by itself: a fresh write and a read, no restart.
            assert (await client.get("/api/v1/tasks?limit=1")).status_code == 200
    finally:
        # A transaction left open on a pooled connection rolls back when the service stops:
        # what was acknowledged must be there after that.
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=60)

    conn = await asyncpg.connect(**_asyncpg_url(url))
    try:
        present = {str(r["id"]) for r in await conn.fetch("SELECT id FROM tasks")}
        reported = {str(r["id"]) for r in await conn.fetch("SELECT id FROM task_progress_reports")}
    finally:
        await conn.close()
    lost_tasks = [t for t in tasks if t not in present]
    lost_reports = [r for _, r in reports if r not in reported]
    assert len(tasks) > 50 and len(reports) > 50
    assert not lost_tasks and not lost_reports, (len(lost_tasks), len(lost_reports))
    assert statuses[500] == 0, statuses
    assert set(problems) <= {"database-unavailable"}, problems
    assert statuses[503] > 0  # the hang was seen
    assert slowest_in_hang <= BOUND_SECONDS + 1.5, slowest_in_hang
    # Recovered by itself: everything asked from 5 s after the hang ended was answered 201.
    late = [status for since, status in after if since > 5]
    assert late and set(late) == {201}, Counter(late)
    log.seek(0)
    written = log.read().decode()
    assert "Traceback" not in written and "unhandled error" not in written


async def test_a_pooled_connection_inside_a_transaction_is_never_reused(
    database_url: str,
) -> None:
    """A connection that went back to an engine's pool inside a transaction it did not begin
    (a BEGIN the server ran late) is discarded at its next checkout: the next request runs on
    another session. (The read pool's connections are rolled back by asyncpg on release.)"""
    from sqlalchemy import text

    from app.core.config import Settings
    from app.db import create_engine

    settings = Settings(db_pool_size=1)
    engine = create_engine(database_url, settings)
    try:
        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            first = await driver.fetchval("SELECT pg_backend_pid()")
            await driver.execute("BEGIN")  # behind SQLAlchemy's back
        async with engine.begin() as conn:
            second = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None and not driver.is_closed()
        assert second != first

    finally:
        await engine.dispose()
