"""Faults an operator's bad day brings, made on a PostgreSQL cluster the test owns (never the
machine's shared server): its processes frozen (a network partition, a stalled primary, a
storage freeze — the server hangs instead of refusing) and continued."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import psutil

from app.db.embedded import embedded_database_url
from app.db.migrate import upgrade


async def own_cluster(tmp_path: Path, name: str = "faults") -> tuple[str, Path]:
    """A database on an embedded cluster of this test's own, migrated: its URL and pgdata."""
    data_dir = tmp_path / "pg"
    url = await asyncio.to_thread(embedded_database_url, data_dir, name)
    await asyncio.to_thread(upgrade, url)
    return url, (data_dir / "pgdata").resolve()


def cluster_processes(pgdata: Path) -> list[psutil.Process]:
    """The postmaster of the cluster in `pgdata` and every process it started."""
    pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    postmaster = psutil.Process(pid)
    return [postmaster, *postmaster.children(recursive=True)]


def freeze(pgdata: Path) -> list[psutil.Process]:
    """SIGSTOP every process of the cluster: connections stay open, nothing answers."""
    processes = cluster_processes(pgdata)
    for process in processes:
        process.send_signal(signal.SIGSTOP)
    return processes


def thaw(processes: list[psutil.Process]) -> None:
    for process in processes:
        try:
            process.send_signal(signal.SIGCONT)
        except psutil.NoSuchProcess:
            pass


@asynccontextmanager
async def frozen(pgdata: Path) -> AsyncIterator[None]:
    """The cluster hangs inside the block; it always continues after, whatever happened."""
    processes = freeze(pgdata)
    try:
        yield
    finally:
        thaw(processes)


async def an_agency(client: httpx.AsyncClient, code: str, name: str = "Sở Thử") -> dict[str, str]:
    """A department made through the API."""
    response = await client.post(
        "/api/v1/agencies", json={"code": code, "name": name, "kind": "department"}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def an_assignment(
    client: httpx.AsyncClient, code: str
) -> tuple[dict[str, str], httpx.Response]:
    """An official with an address, and a task assigned to them (which writes a notice): the
    official and the task's answer."""
    agency = await an_agency(client, code, "Sở Y tế")
    person = (
        await client.post(
            "/api/v1/officials",
            json={"name": "Võ Thị Lan", "agency_id": code, "email": "lan@syt.example.gov.vn"},
        )
    ).json()
    task = await client.post(
        "/api/v1/tasks",
        json={
            "title": "Báo cáo tình hình y tế cơ sở",
            "lead_agency_id": agency["id"],
            "lead_official_id": person["id"],
        },
    )
    assert task.status_code == 201, task.text
    return person, task
