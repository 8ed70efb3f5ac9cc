"""A 20 MiB document through a real `dondoc serve`: uploaded and downloaded whole, the
process's memory growing by far less than the document (it streams both ways)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx

from bench.attachments import MIB, Peak, round_trip, task_url
from tests.server import AUTH, serve


async def test_twenty_mebibytes_stream_through(database_url: str, tmp_path: Path) -> None:
    files = tmp_path / "files"
    process, base = await serve(database_url, env={"DONDOC_FILES_DIR": str(files)})
    try:
        async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=60) as client:
            url = await task_url(client, "000.00.78.H99")
            await round_trip(client, url, 64 * 1024)  # the paths warmed once
            with Peak(process.pid) as peak:
                before = peak.value
                item, _, _ = await round_trip(client, url, 20 * MIB)
            growth = (peak.value - before) / MIB
            assert growth < 30, f"the service grew by {growth:.1f} MiB"
            stored = files / "objects" / item["sha256"][:2] / item["sha256"]
            assert stored.stat().st_size == 20 * MIB
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
