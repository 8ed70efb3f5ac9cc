"""A 20 MiB document through a real `dondoc serve`: uploaded and downloaded whole, the
process's memory growing by far less than the document (it streams both ways)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
from pathlib import Path

import httpx
import psutil

from tests.server import AUTH, serve

MIB = 1024 * 1024


def _body(boundary: str, name: str, size: int) -> tuple[bytes, bytes, int]:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head, tail, len(head) + size + len(tail)


async def _chunks(head: bytes, tail: bytes, size: int, digest: hashlib._Hash):  # type: ignore[no-untyped-def]
    yield head
    block = b"%PDF-1.7\n" + os.urandom(MIB - 9)
    sent = 0
    while sent < size:
        piece = block[: min(MIB, size - sent)]
        digest.update(piece)
        sent += len(piece)
        yield piece
        block = os.urandom(MIB)
    yield tail


async def test_twenty_mebibytes_stream_through(database_url: str, tmp_path: Path) -> None:
    files = tmp_path / "files"
    process, base = await serve(database_url, env={"DONDOC_FILES_DIR": str(files)})
    server = psutil.Process(process.pid)
    peak = 0

    async def watch() -> None:
        nonlocal peak
        while True:
            peak = max(peak, server.memory_info().rss)
            await asyncio.sleep(0.02)

    try:
        async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=60) as client:
            agency = (
                await client.post(
                    "/api/v1/agencies",
                    json={"code": "000.00.78.H99", "name": "Sở Xây dựng", "kind": "department"},
                )
            ).json()
            task = (
                await client.post(
                    "/api/v1/tasks", json={"title": "Hồ sơ", "lead_agency_id": agency["id"]}
                )
            ).json()
            # warm the paths once with a small file, then measure
            boundary = "dondoc-test-boundary"
            url = f"/api/v1/tasks/{task['id']}/attachments"
            for size in (64 * 1024, 20 * MIB):
                head, tail, length = _body(boundary, "Hồ sơ thiết kế.pdf", size)
                digest = hashlib.sha256()
                if size > MIB:
                    baseline = server.memory_info().rss
                    watcher = asyncio.create_task(watch())
                r = await client.post(
                    url,
                    content=_chunks(head, tail, size, digest),
                    headers={
                        "Content-Type": f"multipart/form-data; boundary={boundary}",
                        "Content-Length": str(length),
                    },
                )
                assert r.status_code == 201, r.text
                item = r.json()["items"][0]
                assert item["size_bytes"] == size and item["sha256"] == digest.hexdigest()
                got = hashlib.sha256()
                async with client.stream("GET", f"/api/v1/attachments/{item['id']}/content") as d:
                    assert d.status_code == 200
                    async for piece in d.aiter_bytes():
                        got.update(piece)
                assert got.hexdigest() == item["sha256"]
            watcher.cancel()
            growth = (peak - baseline) / MIB
            print(f"\nmemory growth of the server over a 20 MiB round trip: {growth:.1f} MiB")
            assert growth < 30
            assert (files / "objects" / item["sha256"][:2] / item["sha256"]).stat().st_size == size
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
