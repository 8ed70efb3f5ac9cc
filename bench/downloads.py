"""Downloads against responsiveness: `uv run python -m bench.downloads` (see bench/README.md).

Loads 20,000 tasks into a database of its own, starts `dondoc serve` (one worker), and probes
`GET /healthz` (no I/O: it measures only how free the event loop is) every 10 ms, first with
nothing else running, then while four xlsx downloads of all 20,000 tasks run again and again,
each with its own credential and client process (as four offices would; the per-credential
limit stays at its default), then the same with CSV. Every answer must be 200. Prints the
probe's latency in each phase and writes it into bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import asyncpg
import httpx

from app.db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "bench" / "README.md"
PORT = 8103
KEY = "ddk_bench_downloads_admin_key_0123456789"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
LOAD = """
INSERT INTO agencies (id, code, name, kind, status, version, created_at, updated_at)
VALUES (gen_random_uuid(), 'BENCH.DL', 'Sở Thông tin và Truyền thông', 'department', 'active',
        1, now(), now());
INSERT INTO tasks (id, code, title, description, year, lead_agency_id, cooperating_agency_ids,
  assigned_on, due_date, status, paused_on, progress_percent, priority, recurrence,
  requires_confirmation, is_key_task, field, version, created_at, updated_at)
SELECT gen_random_uuid(), 'NV-2023-' || lpad(i::text, 5, '0'),
  'Triển khai nền tảng chuyển đổi số, hạng mục số ' || i,
  'Đơn vị chủ trì phối hợp các sở, ngành hoàn thành và báo cáo kết quả',
  2023, (SELECT id FROM agencies WHERE code = 'BENCH.DL'), '{}',
  DATE '2023-01-01' + (i % 150), DATE '2023-06-01' + (i % 400),
  (ARRAY['new', 'in_progress', 'paused', 'in_progress'])[1 + i % 4],
  CASE WHEN i % 4 = 2 THEN DATE '2023-06-01' END, i % 100, 'normal', 'none',
  true, i % 7 = 0, 'Chuyển đổi số', 1, now(), now()
FROM generate_series(1, $1::int) AS i;
"""


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def prepare(base: str, name: str, tasks: int) -> str:
    server = await asyncpg.connect(base)
    try:
        await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await server.execute(f'CREATE DATABASE "{name}"')
    finally:
        await server.close()
    dsn = urlparse(base)._replace(path=f"/{name}").geturl()
    await asyncio.to_thread(upgrade, dsn)
    conn = await asyncpg.connect(dsn)
    try:
        first, second = (part.strip() for part in LOAD.strip().split(";")[:2])
        await conn.execute(first)
        await conn.execute(second, tasks)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return dsn


def probe(base: str, seconds: float, samples: list[float]) -> None:
    with httpx.Client(base_url=base, timeout=10) as client:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            started = time.perf_counter()
            response = client.get("/healthz")
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"/healthz answered {response.status_code}")
            time.sleep(0.01)


def downloader(base: str, key: str, accept: str, stop: Any, figures: Any) -> None:
    """One office downloading again and again, in a process of its own: the probe's latency
    must not include waiting for this process's interpreter."""
    with httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {key}"}) as c:
        while not stop.is_set():
            started = time.perf_counter()
            size = 0
            with c.stream("GET", "/api/v1/tasks", headers={"Accept": accept}) as response:
                if response.status_code != 200:
                    figures.append((-1.0, response.status_code))
                    return
                for chunk in response.iter_bytes():
                    size += len(chunk)
            figures.append((time.perf_counter() - started, size))


def under_downloads(base: str, seconds: float, keys: list[str], accept: str) -> dict[str, float]:
    busy: list[float] = []
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        stop = manager.Event()
        shared = manager.list()
        workers = [
            context.Process(target=downloader, args=(base, key, accept, stop, shared))
            for key in keys
        ]
        for worker in workers:
            worker.start()
        time.sleep(2)  # every download under way
        probe(base, seconds, busy)
        stop.set()
        for worker in workers:
            worker.join()
        downloads = list(shared)
    failed = [status for took, status in downloads if took < 0]
    if failed or not downloads:
        raise SystemExit(f"downloads answered {failed or 'nothing'}")
    return {
        "p50": statistics.median(busy),
        "p99": percentile(busy, 0.99),
        "max": max(busy),
        "probes": len(busy),
        "downloads": len(downloads),
        "download_s": statistics.median(d for d, _ in downloads),
        "download_mb": downloads[0][1] / 1e6,
    }


def measure(base: str, seconds: float) -> dict[str, dict[str, float]]:
    admin = {"Authorization": f"Bearer {KEY}"}
    keys = []
    with httpx.Client(base_url=base, headers=admin, timeout=30) as client:
        for i in range(4):
            created = client.post(
                "/api/v1/api-keys", json={"name": f"office {i}", "role": "viewer"}
            )
            created.raise_for_status()
            keys.append(created.json()["key"])
    idle: list[float] = []
    probe(base, seconds, idle)
    return {
        "idle": {"p50": statistics.median(idle), "p99": percentile(idle, 0.99), "max": max(idle)},
        "xlsx": under_downloads(base, seconds, keys, XLSX),
        "csv": under_downloads(base, seconds, keys, CSV),
    }


def table(f: dict[str, dict[str, float]], tasks: int, seconds: float) -> str:
    rows = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores:"
        f" `uv run python -m bench.downloads --tasks {tasks} --seconds {seconds:g}`.",
        "",
        "| `GET /healthz` every 10 ms | p50 | p99 | worst | target |",
        "|---|---:|---:|---:|---|",
        f"| nothing else running | {f['idle']['p50']:.1f} ms | {f['idle']['p99']:.1f} ms"
        f" | {f['idle']['max']:.1f} ms | |",
    ]
    for kind, target in (("xlsx", "p99 < 50 ms"), ("csv", "")):
        m = f[kind]
        rows.append(
            f"| during 4 concurrent {kind} downloads of {tasks:,} tasks"
            f" ({m['downloads']:.0f} downloads of {m['download_mb']:.1f} MB, median"
            f" {m['download_s']:.1f} s each; {m['probes']:.0f} probes)"
            f" | {m['p50']:.1f} ms | **{m['p99']:.1f} ms** | {m['max']:.1f} ms | {target} |"
        )
    return "\n".join(rows)


def start_service(env: dict[str, str], port: int) -> tuple[subprocess.Popen[bytes], str]:
    """`dondoc serve` (one worker, no background work) on `port`, once it answers /readyz."""
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--no-migrate", "--no-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.terminate()
            raise SystemExit("the service did not start")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    dsn = asyncio.run(prepare(args.database, "dondoc_bench_downloads", args.tasks))
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "DONDOC_BOOTSTRAP_ADMIN_KEY": KEY,
        # Out of the way: the probe alone sends 100 requests a second.
        "DONDOC_RATE_LIMIT_PER_MINUTE": "0",
    }
    server, base = start_service(env, PORT)
    try:
        figures = measure(base, args.seconds)
    finally:
        server.terminate()
        server.wait(30)
    result = table(figures, args.tasks, args.seconds)
    print(result)
    if not args.no_readme:
        text = README.read_text()
        text = re.sub(
            r"<!-- downloads -->.*<!-- /downloads -->",
            lambda _: f"<!-- downloads -->\n{result}\n<!-- /downloads -->",
            text,
            flags=re.S,
        )
        README.write_text(text)


if __name__ == "__main__":
    main()
