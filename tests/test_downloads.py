"""Downloads cannot starve the service: against a real `dondoc serve`, clients that ask for
large downloads and never read them do not hold back writes, key checks or readiness; the
number of downloads is bounded per process and per credential; a stalled reader is cut off and
its slot comes back."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import tempfile
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.errors.domain import TooManyRequests
from app.files.downloads import DownloadGate, DownloadsBusy
from app.main import create_app
from tests.server import AUTH, Connection, insert_tasks, serve

CSV = {"Accept": "text/csv"}


def cut_off(log: Any) -> int:
    """How many downloads the server's log says it cut off."""
    log.seek(0)
    cut: int = log.read().count(b"download cut off")
    return cut


def gauge(metrics: str, name: str, pool: str) -> float:
    match = re.search(rf'^{name}{{pool="{pool}"}} (\S+)$', metrics, re.M)
    assert match, (name, pool)
    return float(match.group(1))


async def test_stalled_downloads_do_not_starve_writes(
    database_url: str, engine: AsyncEngine
) -> None:
    async with engine.begin() as conn:
        await insert_tasks(conn, "DL1", 60_000)  # a CSV of ~7 MB: more than sockets buffer
    log = tempfile.TemporaryFile()
    process, base = await serve(
        database_url,
        log,
        {
            "DONDOC_DOWNLOAD_SEND_TIMEOUT_SECONDS": "3",
            "DONDOC_DOWNLOADS_MAX": "4",
            "DONDOC_DOWNLOADS_PER_CREDENTIAL": "2",
        },
    )
    stalled: list[Connection] = []
    try:
        async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=20) as client:
            viewers = []
            for i in range(5):
                created = await client.post(
                    "/api/v1/api-keys", json={"name": f"viewer {i}", "role": "viewer"}
                )
                viewers.append({"Authorization": f"Bearer {created.json()['key']}"})

            # Ten downloads whose clients read nothing (a tiny receive window).
            statuses = []
            started: list[Connection] = []
            for viewer in viewers:
                for _ in range(2):
                    connection = await Connection.open(base, receive_buffer=4096)
                    await connection.send("GET", "/api/v1/tasks", {**viewer, **CSV})
                    status, headers = await connection.head()
                    statuses.append((status, headers.get("content-type", "")))
                    stalled.append(connection)
                    if status == 200:
                        started.append(connection)
            refused = [(s, t) for s, t in statuses if s != 200]
            assert len(started) == 4  # DONDOC_DOWNLOADS_MAX
            assert refused and all(s == 503 and t == "application/problem+json" for s, t in refused)
            # A third download of one credential is refused with 429, whatever the process has.
            third = await client.get("/api/v1/tasks", headers={**viewers[0], **CSV})
            assert third.status_code in (429, 503)

            # Meanwhile: writes, a key never seen before, readiness — all answered.
            fresh = (
                await client.post("/api/v1/api-keys", json={"name": "fresh", "role": "office"})
            ).json()["key"]

            async def write(i: int) -> int:
                response = await client.post(
                    "/api/v1/agencies",
                    json={"code": f"DLW{i}", "name": f"Sở {i}", "kind": "department"},
                )
                return response.status_code

            codes = await asyncio.gather(*(write(i) for i in range(20)))
            assert codes == [201] * 20
            me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"})
            assert me.status_code == 200
            assert (await client.get("/readyz")).status_code == 200
            # The stalled downloads hold connections of their own pool, none of the write pool
            # (which a key's bookkeeping may borrow for a moment: poll until it is back).
            deadline = asyncio.get_running_loop().time() + 10
            while True:
                metrics = (await client.get("/metrics")).text
                if gauge(metrics, "dondoc_db_pool_checked_out", "write") == 0:
                    break
                assert asyncio.get_running_loop().time() < deadline, "the write pool stays taken"
                await asyncio.sleep(0.1)
            assert gauge(metrics, "dondoc_db_pool_checked_out", "download") == 4

            # The stalled readers are cut off: their connections end before the file does.
            deadline = asyncio.get_running_loop().time() + 60
            while cut_off(log) < len(started):
                assert asyncio.get_running_loop().time() < deadline, "nobody was cut off"
                await asyncio.sleep(0.2)
            sizes = [len(await asyncio.wait_for(c.reader.read(), timeout=30)) for c in started]
            # Their slots are back: the same credential downloads the whole file.
            whole = await client.get("/api/v1/tasks", headers={**viewers[0], **CSV}, timeout=60)
            assert whole.status_code == 200
            lines = list(csv.reader(io.StringIO(whole.content.decode("utf-8-sig"))))
            assert len(lines) - 5 == 60_000
            assert all(size < len(whole.content) for size in sizes), (sizes, len(whole.content))
    finally:
        for connection in stalled:
            connection.close()
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
    assert cut_off(log) == 4


def test_the_gate_counts_per_process_and_per_credential() -> None:
    gate = DownloadGate(limit=3, per_credential=2)
    a, b = uuid.uuid4(), uuid.uuid4()
    first, _second = gate.acquire(a), gate.acquire(a)
    with pytest.raises(TooManyRequests):
        gate.acquire(a)  # the credential's own limit, while the process has room
    third = gate.acquire(b)
    with pytest.raises(DownloadsBusy):
        gate.acquire(uuid.uuid4())  # the process is full
    first.release()
    first.release()  # once only
    assert gate.running == 2 and gate.per_owner[a] == 1
    gate.acquire(b)
    third.release()
    assert gate.running == 2


async def test_an_exhausted_pool_answers_busy_not_unreachable(database_url: str) -> None:
    app = create_app(
        Settings(
            bootstrap_admin_key="ddk_busy_admin_key_0123456789abcdef",
            db_pool_size=1,
            db_connect_timeout_seconds=0.5,
            rate_limit_per_minute=0,
        ),
        database_url=database_url,
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": "Bearer ddk_busy_admin_key_0123456789abcdef"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
        async with app.state.engine.connect():  # the only write connection is taken
            response = await client.post(
                "/api/v1/agencies",
                json={"code": "BUSY1", "name": "x", "kind": "other"},
                headers=headers,
            )
        assert response.status_code == 503
        assert response.json()["type"] == "/problems/busy"
        assert response.headers["retry-after"] == "1"


async def test_the_file_operation_takes_a_download_slot(
    app: Any, client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    """`/tasks.csv` counts against the downloads' limit as `Accept: text/csv` does: with no
    slot free, both are 503 and the JSON list is answered."""
    gate: DownloadGate = app.state.download_gate
    kept = gate.limit
    gate.limit = 0
    try:
        for path, headers in (("/api/v1/tasks.csv", {}), ("/api/v1/tasks", CSV)):
            r = await client.get(path, headers={**office, **headers})
            assert r.status_code == 503, (path, r.text)
        assert (await client.get("/api/v1/tasks", headers=office)).status_code == 200
    finally:
        gate.limit = kept
    assert (await client.get("/api/v1/reports/tasks.xlsx", headers=office)).status_code == 200
    assert gate.running == 0
