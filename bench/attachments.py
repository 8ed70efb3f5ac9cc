"""Documents through a real service: `uv run python -m bench.attachments` (bench/README.md).

Starts `dondoc serve` (one worker) on a database of its own, uploads a document of `--mib` MiB
(random bytes behind a PDF header, streamed from this process), downloads it back, and checks
its SHA-256 both ways — `--rounds` times. Samples the service process's resident memory every
20 ms and reports its growth over the memory before the first large upload, with the upload and
download throughput. Writes the figures into bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from app.db.migrate import upgrade
from bench.downloads import start_service

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "bench" / "README.md"
PORT = 8104
KEY = "ddk_bench_attachments_admin_key_0123456789"
MIB = 1024 * 1024
BOUNDARY = "dondoc-bench-boundary"


def multipart(name: str, size: int, digest: Any) -> tuple[AsyncIterator[bytes], int, str]:
    """A multipart body of one file part of `size` bytes, generated as it is sent (its
    SHA-256 into `digest`), its length and content type."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        sent = 0
        while sent < size:
            piece = os.urandom(min(MIB, size - sent))
            if sent == 0:
                piece = b"%PDF-1.7\n" + piece[9:]
            digest.update(piece)
            sent += len(piece)
            yield piece
        yield tail

    return chunks(), len(head) + size + len(tail), f"multipart/form-data; boundary={BOUNDARY}"


async def round_trip(
    client: httpx.AsyncClient, url: str, size: int
) -> tuple[dict[str, Any], float, float]:
    """Upload `size` bytes to `url` and download them back: the item, seconds up, seconds down
    (AssertionError if a hash differs)."""
    digest = hashlib.sha256()
    body, length, kind = multipart("Hồ sơ thiết kế.pdf", size, digest)
    started = time.perf_counter()
    r = await client.post(
        url, content=body, headers={"Content-Type": kind, "Content-Length": str(length)}
    )
    up = time.perf_counter() - started
    assert r.status_code == 201, r.text
    item: dict[str, Any] = r.json()["items"][0]
    assert item["size_bytes"] == size and item["sha256"] == digest.hexdigest()
    got = hashlib.sha256()
    started = time.perf_counter()
    async with client.stream("GET", f"/api/v1/attachments/{item['id']}/content") as d:
        assert d.status_code == 200
        async for piece in d.aiter_bytes():
            got.update(piece)
    down = time.perf_counter() - started
    assert got.hexdigest() == item["sha256"]
    return item, up, down


class Peak:
    """The highest resident memory of a process, sampled every 20 ms while running."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.value = self.process.memory_info().rss
        self.task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            self.value = max(self.value, self.process.memory_info().rss)
            await asyncio.sleep(0.02)

    def __enter__(self) -> Peak:
        self.task = asyncio.get_running_loop().create_task(self._watch())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()


async def task_url(client: httpx.AsyncClient, code: str) -> str:
    agency = await client.post(
        "/api/v1/agencies", json={"code": code, "name": "Sở Xây dựng", "kind": "department"}
    )
    assert agency.status_code == 201, agency.text
    task = await client.post(
        "/api/v1/tasks", json={"title": "Hồ sơ", "lead_agency_id": agency.json()["id"]}
    )
    assert task.status_code == 201, task.text
    return f"/api/v1/tasks/{task.json()['id']}/attachments"


async def measure(base: str, pid: int, mib: int, rounds: int) -> dict[str, float]:
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=120
    ) as client:
        url = await task_url(client, f"BENCH.AT{int(time.time()) % 100000}")
        await round_trip(client, url, 64 * 1024)  # the paths warmed once
        before = psutil.Process(pid).memory_info().rss
        ups, downs = [], []
        with Peak(pid) as peak:
            for _ in range(rounds):
                _, up, down = await round_trip(client, url, mib * MIB)
                ups.append(mib / up)
                downs.append(mib / down)
    return {
        "growth": (peak.value - before) / MIB,
        "up": statistics.median(ups),
        "down": statistics.median(downs),
    }


async def prepare(base: str, name: str) -> str:
    admin = await asyncpg.connect(base)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = base.rsplit("/", 1)[0] + f"/{name}"
    await asyncio.to_thread(upgrade, dsn)
    return dsn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--mib", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    dsn = asyncio.run(prepare(args.database, "dondoc_bench_attachments"))
    files = tempfile.mkdtemp(prefix="dondoc-bench-files-")
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "DONDOC_BOOTSTRAP_ADMIN_KEY": KEY,
        "DONDOC_RATE_LIMIT_PER_MINUTE": "0",
        "DONDOC_FILES_DIR": files,
    }
    server, base = start_service(env, PORT)
    try:
        f = asyncio.run(measure(base, server.pid, args.mib, args.rounds))
    finally:
        server.terminate()
        server.wait(30)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    result = (
        f"Run {when} on {os.cpu_count()} cores: `uv run python -m bench.attachments --mib "
        f"{args.mib} --rounds {args.rounds}` — one worker, the file streamed from the client.\n\n"
        "| document | rounds | memory growth of the service (peak RSS over before) | upload | download |\n"
        "|---:|---:|---:|---:|---:|\n"
        f"| {args.mib} MiB | {args.rounds} | {f['growth']:.1f} MiB | {f['up']:.0f} MiB/s | "
        f"{f['down']:.0f} MiB/s |"
    )
    print(result)
    if not args.no_readme:
        text = README.read_text()
        text = re.sub(
            r"<!-- attachments -->.*<!-- /attachments -->",
            lambda _: f"<!-- attachments -->\n{result}\n<!-- /attachments -->",
            text,
            flags=re.S,
        )
        README.write_text(text)


if __name__ == "__main__":
    main()
