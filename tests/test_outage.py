"""A PostgreSQL outage: requests answer 503 quickly, /readyz 503, /healthz 200, and the service
recovers by itself once the database is back — no restart."""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import orjson
import pgserver
import pytest

from app.core.config import Settings
from app.db.embedded import embedded_database_url
from app.db.migrate import upgrade
from app.main import create_app
from tests.server import AUTH, Connection, serve


async def test_outage_and_recovery(tmp_path: Path) -> None:
    data_dir = tmp_path / "pg"
    url = await asyncio.to_thread(embedded_database_url, data_dir, "outage")
    await asyncio.to_thread(upgrade, url)
    app = create_app(
        Settings(
            bootstrap_admin_key="ddk_outage_admin_key_0123456789abcdef",
            db_connect_timeout_seconds=2,
        ),
        database_url=url,
    )
    headers = {"Authorization": "Bearer ddk_outage_admin_key_0123456789abcdef"}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    pgdata = (data_dir / "pgdata").resolve()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        assert (await client.get("/api/v1/agencies", headers=headers)).status_code == 200
        server = pgserver.get_server(pgdata)
        await asyncio.to_thread(server.cleanup)  # PostgreSQL stops
        for path in ("/api/v1/agencies", "/api/v1/directives"):
            started = time.monotonic()
            response = await client.get(path, headers=headers)
            assert time.monotonic() - started < 5
            assert (
                response.status_code == 503
                and response.headers["content-type"] == "application/problem+json"
            )
        written = await client.post(
            "/api/v1/agencies", json={"code": "OUT1", "name": "x", "kind": "other"}, headers=headers
        )
        assert written.status_code == 503
        assert (await client.get("/readyz")).status_code == 503
        assert (await client.get("/healthz")).status_code == 200

        await asyncio.to_thread(pgserver.get_server, pgdata)  # PostgreSQL is back
        deadline = time.monotonic() + 15
        while True:
            response = await client.get("/api/v1/agencies", headers=headers)
            if response.status_code == 200:
                break
            assert time.monotonic() < deadline, "the service did not recover"
            await asyncio.sleep(0.2)
        assert (await client.get("/readyz")).status_code == 200
        created = await client.post(
            "/api/v1/agencies", json={"code": "OUT2", "name": "x", "kind": "other"}, headers=headers
        )
        assert created.status_code == 201


async def test_a_real_server_keeps_the_connection_through_an_outage(tmp_path: Path) -> None:
    # Under uvicorn, not in-process: a 503 that went through Starlette's crash path made the
    # server log a traceback, count a 500 and drop the client's keep-alive connection.
    data_dir = tmp_path / "pg"
    url = await asyncio.to_thread(embedded_database_url, data_dir, "outage")
    await asyncio.to_thread(upgrade, url)
    log = tempfile.TemporaryFile()
    process, base = await serve(url, log, {"DONDOC_DB_CONNECT_TIMEOUT_SECONDS": "2"})
    pgdata = (data_dir / "pgdata").resolve()
    connection = await Connection.open(base)
    try:
        assert (await connection.request("GET", "/api/v1/agencies"))[0] == 200
        await asyncio.to_thread(pgserver.get_server(pgdata).cleanup)  # PostgreSQL stops
        for _ in range(2):  # the same socket, again and again
            status, headers, body = await connection.request("GET", "/api/v1/agencies")
            assert status == 503 and headers["content-type"] == "application/problem+json"
            assert headers.get("connection") != "close"
            assert orjson.loads(body)["type"] == "/problems/database-unavailable"
        assert (await connection.request("GET", "/healthz"))[0] == 200
        status, _, metrics = await connection.request("GET", "/metrics")
        assert status == 200
        assert (
            b'dondoc_http_requests_total{method="GET",route="/api/v1/agencies",status="503"} 2.0'
            in metrics
        )
        assert b'route="/api/v1/agencies",status="500"' not in metrics

        await asyncio.to_thread(pgserver.get_server, pgdata)  # PostgreSQL is back
        deadline = time.monotonic() + 15
        while (await connection.request("GET", "/api/v1/agencies"))[0] != 200:
            assert time.monotonic() < deadline, "the service did not recover"
            await asyncio.sleep(0.2)
    finally:
        connection.close()
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=30)
    log.seek(0)
    output = log.read()
    assert b"Traceback" not in output and b"Exception in ASGI application" not in output


@pytest.mark.skipif(
    os.environ.get("DONDOC_DB_POOLER") == "pgbouncer",
    reason="behind PgBouncer the service's sessions are the pooler's (a role of its own is not "
    "in its auth_file); the pooler's limits queue clients instead",
)
async def test_a_server_that_takes_no_more_sessions_is_503_on_a_real_server(
    database_url: str,
) -> None:
    """PostgreSQL ending the service's sessions and refusing it new ones (too many
    connections, SQLSTATE 53300 — a full max_connections or a pooler's limit): under uvicorn,
    reads and writes answer 503 `database-unavailable` on the same kept-alive connection,
    never a 500 — a pooled connection whose session was ended is dropped, not reused — and the
    service recovers by itself once sessions are allowed again."""
    from sqlalchemy.engine import make_url

    from tests.conftest import _asyncpg_args

    role = f"dondoc_limited_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(**_asyncpg_args(database_url))
    await admin.execute(f"CREATE ROLE {role} LOGIN")
    await admin.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {role}")
    await admin.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
    await admin.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
    url = make_url(database_url).set(username=role).render_as_string(hide_password=False)
    log = tempfile.TemporaryFile()
    process, base = await serve(url, log)
    connection = await Connection.open(base)
    try:
        assert (await connection.request("GET", "/api/v1/agencies", AUTH))[0] == 200
        await admin.execute(f"ALTER ROLE {role} CONNECTION LIMIT 0")
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role
        )
        missing = f"/api/v1/agencies/{uuid.uuid4()}"
        for method, path in (
            ("GET", "/api/v1/agencies"),
            ("DELETE", missing),  # a write: its transaction's connection
            ("GET", "/api/v1/tasks"),
            ("DELETE", missing),
        ):
            status, headers, body = await connection.request(method, path, AUTH)
            assert status == 503, body
            assert headers.get("connection") != "close"
            assert orjson.loads(body)["type"] == "/problems/database-unavailable"
        status, _, metrics = await connection.request("GET", "/metrics")
        assert b'status="500"' not in metrics
        await admin.execute(f"ALTER ROLE {role} CONNECTION LIMIT -1")
        deadline = time.monotonic() + 15
        while (await connection.request("GET", "/api/v1/tasks", AUTH))[0] != 200:
            assert time.monotonic() < deadline, "the service did not recover"
            await asyncio.sleep(0.2)
        assert (await connection.request("DELETE", missing, AUTH))[0] == 404  # writes too
    finally:
        connection.close()
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=30)
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role
        )
        await admin.execute(f"DROP OWNED BY {role}")
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()
    log.seek(0)
    written = log.read().decode()
    assert "too many connections" in written
    # The service's log from its first error on, so that a failure shows what was raised.
    first = min(
        (i for i in (written.find("Traceback"), written.find("unhandled")) if i >= 0), default=0
    )
    assert "unhandled error" not in written and "Traceback" not in written, written[first:][:8000]
