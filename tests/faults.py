"""Faults an operator's bad day brings, made on a PostgreSQL cluster the test owns (never the
machine's shared server): its processes frozen (a network partition, a stalled primary, a
storage freeze — the server hangs instead of refusing) and continued."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import psutil

from app.embedded import embedded_database_url
from app.migrate import upgrade


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
