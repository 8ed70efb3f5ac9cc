"""Durability: a `dondoc serve` killed with SIGKILL under a write load loses nothing it
acknowledged, and leaves no half-done change (every change has its history entry and event)."""

from __future__ import annotations

import asyncio
import io
import signal
import tempfile

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.server import KEY, insert_tasks, serve


async def test_sigkill_under_load_loses_nothing_acknowledged(
    database_url: str, engine: AsyncEngine
) -> None:
    process, base = await serve(database_url)
    headers = {"Authorization": f"Bearer {KEY}"}
    acknowledged: list[tuple[str, str]] = []  # (task id, what was acknowledged)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as client:
        agency = (
            await client.post(
                "/api/v1/agencies", json={"code": "CRASH1", "name": "Sở Thử", "kind": "department"}
            )
        ).json()

        async def writer(n: int) -> None:
            i = 0
            while True:
                i += 1
                try:
                    created = await client.post(
                        "/api/v1/tasks",
                        json={"title": f"Nhiệm vụ {n}-{i}", "lead_agency_id": agency["id"]},
                    )
                    if created.status_code != 201:
                        continue
                    task = created.json()
                    acknowledged.append((task["id"], "created"))
                    started = await client.post(
                        f"/api/v1/tasks/{task['id']}/transitions", json={"action": "start"}
                    )
                    if started.status_code == 200:
                        acknowledged.append((task["id"], "start"))
                except httpx.HTTPError:
                    return  # the server is gone

        writers = [asyncio.create_task(writer(n)) for n in range(4)]
        await asyncio.sleep(2.5)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        await asyncio.wait_for(asyncio.gather(*writers), timeout=20)
    assert len(acknowledged) > 20

    log = tempfile.TemporaryFile()
    restarted, base = await serve(database_url, log=log)
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as client:
            for task_id, what in acknowledged:
                response = await client.get(f"/api/v1/tasks/{task_id}")
                assert response.status_code == 200, (task_id, what)
                if what == "start":
                    assert response.json()["status"] == "in_progress"
        async with engine.connect() as conn:
            # Every change of every task is whole: its version counts its history entries, and
            # every history entry has its event.
            mismatched = (
                await conn.execute(
                    text(
                        "SELECT t.id FROM tasks t LEFT JOIN history h ON h.resource_id = t.id"
                        " GROUP BY t.id, t.version HAVING count(h.id) <> t.version"
                    )
                )
            ).all()
            events_missing = (
                await conn.execute(
                    text(
                        "SELECT h.resource_id FROM history h GROUP BY h.resource_id"
                        " HAVING count(*) <> (SELECT count(*) FROM events e WHERE e.resource_id = h.resource_id)"
                    )
                )
            ).all()
        assert mismatched == [] and events_missing == []
    finally:
        restarted.send_signal(signal.SIGTERM)
        await asyncio.wait_for(restarted.wait(), timeout=30)
    log.seek(0)
    stderr = log.read()
    # A SIGTERM is a clean stop: the application shuts down (uvicorn then re-raises the signal,
    # so the exit status names SIGTERM).
    assert restarted.returncode in (0, -signal.SIGTERM)
    assert b"Application shutdown complete" in stderr


async def test_sigterm_lets_a_request_in_flight_finish(
    database_url: str, engine: AsyncEngine
) -> None:
    log = tempfile.TemporaryFile()
    process, base = await serve(database_url, log=log)
    headers = {"Authorization": f"Bearer {KEY}"}
    async with engine.begin() as conn:  # enough tasks for a download that takes a while
        await insert_tasks(conn, "SLOW1", 20000)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        download = asyncio.create_task(client.get("/api/v1/tasks", headers={"Accept": xlsx}))
        await asyncio.sleep(0.5)  # the download is under way
        assert not download.done()
        process.send_signal(signal.SIGTERM)
        response = await download
    await asyncio.wait_for(process.wait(), timeout=40)
    assert response.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sum(1 for _ in sheet.iter_rows()) - 5 == 20000  # the whole file arrived
    log.seek(0)
    assert b"Application shutdown complete" in log.read()
