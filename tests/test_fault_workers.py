"""`dondoc serve --workers 2`, a real server: keep-alive clients are spread over both workers,
every worker writes its log (the access log's JSON lines among it), SIGTERM ends the service
with a status naming the signal, and requests sent on kept-alive connections just after it are
answered (with `Connection: close`), never closed unanswered."""

from __future__ import annotations

import asyncio
import signal
import tempfile
from collections import Counter

import orjson
import psutil
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.server import Connection, serve


def _served_by(parent: int, port: int) -> Counter[int]:
    """How many established client connections each worker process of `parent` holds."""
    counts: Counter[int] = Counter()
    for child in psutil.Process(parent).children(recursive=True):
        for conn in child.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_ESTABLISHED and conn.laddr.port == port:
                counts[child.pid] += 1
    return counts


async def test_two_workers_share_keep_alive_clients_and_both_log(database_url: str) -> None:
    log = tempfile.TemporaryFile()
    process, base = await serve(database_url, log, args=("--workers", "2"), worker=True)
    port = int(base.rsplit(":", 1)[1])
    # A pooled client opens its connections together.
    connections = list(await asyncio.gather(*(Connection.open(base) for _ in range(16))))
    try:
        for _ in range(5):
            for connection in connections:
                status, headers, _ = await connection.request("GET", "/api/v1/agencies")
                assert status == 200 and headers.get("connection") != "close"
        served = _served_by(process.pid, port)
        assert sum(served.values()) == 16, served
        assert len(served) == 2 and min(served.values()) >= 1, served
    finally:
        for connection in connections:
            connection.close()
        process.send_signal(signal.SIGTERM)
        status = await asyncio.wait_for(process.wait(), timeout=60)
    assert status == -signal.SIGTERM
    log.seek(0)
    lines = log.read().decode().splitlines()
    access = [
        orjson.loads(line.split(": ", 1)[1])
        for line in lines
        if line.startswith("INFO dondoc.access: ")
    ]
    answered = [a for a in access if a["route"] == "/api/v1/agencies"]
    assert len(answered) == 80 and {a["status"] for a in answered} == {200}
    # Each worker's own lines, with their level and logger.
    started = [line for line in lines if line.startswith("INFO dondoc.worker: mail is off")]
    assert len(started) == 2, lines
    assert not [line for line in lines if line.startswith(("Traceback", "unhandled"))]


async def test_requests_just_after_sigterm_are_answered(
    database_url: str, engine: AsyncEngine
) -> None:
    process, base = await serve(database_url, tempfile.TemporaryFile(), args=("--workers", "2"))
    connections = [await Connection.open(base) for _ in range(8)]
    for connection in connections:
        assert (await connection.request("GET", "/api/v1/agencies"))[0] == 200
    process.send_signal(signal.SIGTERM)
    await asyncio.sleep(0.3)
    created = []
    try:
        for n, connection in enumerate(connections):
            body = orjson.dumps({"code": f"TERM{n}", "name": "Sở Dừng", "kind": "other"})
            connection.writer.write(
                b"POST /api/v1/agencies HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Authorization: Bearer ddk_crash_test_admin_key_0123456789abcdef\r\n"
                b"Content-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await connection.writer.drain()
        for connection in connections:
            status, headers, answer = await asyncio.wait_for(connection.response(), 10)
            assert status in (201, 503), answer
            assert headers.get("connection") == "close"
            if status == 201:
                created.append(orjson.loads(answer)["code"])
    finally:
        for connection in connections:
            connection.close()
        status = await asyncio.wait_for(process.wait(), timeout=60)
    assert status == -signal.SIGTERM
    assert created  # finished, not refused
    async with engine.connect() as conn:
        stored = set(
            (
                await conn.execute(text("SELECT code FROM agencies WHERE code LIKE 'TERM%'"))
            ).scalars()
        )
    assert stored == set(created)
