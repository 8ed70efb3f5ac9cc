"""Behind PgBouncer in transaction mode (`DONDOC_DB_POOLER=pgbouncer`, `.ci/pgbouncer`): the
service's connections really go through it, the timeouts it would otherwise send at connect
time are in force on every server session, and concurrent work over few server connections
neither loses nor duplicates anything. Skipped unless the suite runs through PgBouncer."""

from __future__ import annotations

import asyncio
import os
import subprocess
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import get_settings

pytestmark = pytest.mark.skipif(
    os.environ.get("DONDOC_DB_POOLER") != "pgbouncer", reason="not behind PgBouncer"
)


def _console(database_url: str, command: str) -> list[list[str]]:
    """PgBouncer's admin console (simple protocol only: psql)."""
    u = make_url(database_url)
    out = subprocess.run(
        ["psql", "-h", str(u.host), "-p", str(u.port), "-U", "postgres", "-AtF|", "-c", command],
        env={**os.environ, "PGDATABASE": "pgbouncer"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.split("|") for line in out.splitlines() if line]


def test_the_service_connects_through_pgbouncer(database_url: str, app: Any) -> None:
    name = make_url(database_url).database
    pools = {row[0]: row for row in _console(database_url, "SHOW POOLS")}
    assert name in pools
    assert pools[name][-1] == "transaction"


async def test_the_timeouts_are_in_force_on_every_path(app: Any, engine: AsyncEngine) -> None:
    expected = f"{get_settings().db_statement_timeout_ms // 1000}s"
    ask = text(
        "SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l"
    )

    async def on_the_write_engine() -> tuple[str, str]:
        async with engine.begin() as conn:
            row = (await conn.execute(ask)).one()
            return row.s, row.l

    async def on_the_reads() -> tuple[str, str]:
        row = (await app.state.read_db.execute(ask)).one()
        return row.s, row.l

    # Many at once: PgBouncer opens more server sessions, each with the role's defaults.
    seen = await asyncio.gather(
        *(on_the_write_engine() for _ in range(15)), *(on_the_reads() for _ in range(15))
    )
    assert set(seen) == {(expected, expected)}


async def test_concurrent_writes_through_the_pooler_lose_nothing(
    client: httpx.AsyncClient, office: dict[str, str], engine: AsyncEngine
) -> None:
    """Sixty agencies created at once over PgBouncer's shared server sessions: every one
    answered 201 is there, with a distinct code, and the list counts them all."""
    bodies = [
        {"code": f"PGB{i:04d}", "name": f"Đơn vị {i}", "kind": "department"} for i in range(60)
    ]
    answers = await asyncio.gather(
        *(client.post("/api/v1/agencies", json=b, headers=office) for b in bodies)
    )
    assert [a.status_code for a in answers] == [201] * 60
    async with engine.connect() as conn:
        codes = (await conn.execute(text("SELECT code FROM agencies WHERE code LIKE 'PGB%'"))).all()
    assert sorted(c.code for c in codes) == sorted(b["code"] for b in bodies)


async def test_a_download_survives_statements_other_clients_left_on_the_session(
    client: httpx.AsyncClient, office: dict[str, str], database_url: str, engine: AsyncEngine
) -> None:
    """The driver names a cursor's statement `__asyncpg_stmt_<n>__`, counting from 1 in every
    process; behind PgBouncer a server session outlives the client that prepared one, and the next
    process's download on it failed ("already exists"). Every server session is given such names
    first; the downloads still read every row."""
    import asyncpg

    from tests.conftest import _asyncpg_args

    made = await client.post(
        "/api/v1/agencies",
        json={"code": "PGBD", "name": "Sở", "kind": "department"},
        headers=office,
    )
    for i in range(3):
        task = {"title": f"Nhiệm vụ {i}", "lead_agency_id": made.json()["id"]}
        assert (await client.post("/api/v1/tasks", json=task, headers=office)).status_code == 201

    async def poison() -> None:
        conn = await asyncpg.connect(**_asyncpg_args(database_url))
        try:
            async with conn.transaction():  # held together: each on a server session of its own
                await conn.execute(
                    "DO $$ BEGIN FOR i IN 1..300 LOOP BEGIN EXECUTE format("
                    "'PREPARE %I AS SELECT 1', '__asyncpg_stmt_' || i || '__'); EXCEPTION WHEN"
                    " duplicate_prepared_statement THEN NULL; END; END LOOP; END $$"
                )
                await asyncio.sleep(0.5)
        finally:
            await conn.close()

    await asyncio.gather(*(poison() for _ in range(12)))
    for _ in range(6):
        r = await client.get("/api/v1/tasks.csv", headers=office)
        assert r.status_code == 200
        assert r.text.count("\nNV-") == 3, r.text[-300:]
