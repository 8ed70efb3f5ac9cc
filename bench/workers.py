"""Keep-alive clients over two worker processes: how the CPU splits between them.

`uv run python -m bench.workers` loads a few thousand tasks into a database of its own, starts
`dondoc serve --workers 2` and drives one single-task read over kept-alive connections, then
reads each worker process's CPU time: with wrk (-t2 -c32), and with a pooled client that opens
its 16 connections together (asyncio, as an integrator's HTTP pool does) and keeps them. The
access log is off on both sides: what is measured is how the work splits. For comparison the same run against uvicorn's own `--workers 2` (one
listening socket shared by the workers), which is how `dondoc serve` ran before each worker had
a socket of its own. Writes its table into bench/README.md between `<!-- workers -->` markers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from bench.downloads import prepare
from bench.run import ensure_wrk, write_readme

KEY = "ddk_bench_workers_admin_key_0123456789ab"
PORT = 8131
SIDES = {
    "dondoc serve --workers 2 (a socket per worker, SO_REUSEPORT)": [
        sys.executable, "-m", "app", "serve", "--no-migrate", "--no-worker", "--workers", "2",
        "--port", str(PORT),
    ],
    "uvicorn --workers 2 (one shared socket)": [
        sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--workers", "2",
        "--port", str(PORT), "--no-access-log", "--log-level", "warning",
    ],
}  # fmt: skip


def _wait_ready(process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/readyz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the service did not start")
        time.sleep(0.2)


def _workers(pid: int) -> list[psutil.Process]:
    """The processes that serve: the children running the application."""
    return [
        p
        for p in psutil.Process(pid).children(recursive=True)
        if "resource_tracker" not in " ".join(p.cmdline())
    ]


async def _pooled_client(path: str, seconds: float, connections: int = 16) -> int:
    """`connections` kept-alive connections opened at once, each asking `path` again and
    again for `seconds`; how many answers came back."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n\r\n"
    ).encode()
    opened = await asyncio.gather(
        *(asyncio.open_connection("127.0.0.1", PORT) for _ in range(connections))
    )
    end = time.monotonic() + seconds

    async def loop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int:
        answered = 0
        while time.monotonic() < end:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            answered += 1
        writer.close()
        return answered

    return sum(await asyncio.gather(*(loop(r, w) for r, w in opened)))


def run_side(
    command: list[str],
    env: dict[str, str],
    wrk: str,
    task_id: str,
    seconds: float,
    client: str,
) -> tuple[list[float], float]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_ready(process)
        workers = _workers(process.pid)
        before = {p.pid: sum(p.cpu_times()[:2]) for p in workers}
        path = f"/api/v1/tasks/{task_id}"
        if client == "wrk":
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                script.write(f'wrk.headers["Authorization"] = "Bearer {KEY}"\n')
            out = subprocess.run(
                [wrk, "-t2", "-c32", f"-d{seconds:g}s", "-s", script.name,
                 f"http://127.0.0.1:{PORT}{path}"],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            Path(script.name).unlink()
            line = next(x for x in out.splitlines() if "Requests/sec" in x)
            rps = float(line.split()[1])
        else:
            rps = asyncio.run(_pooled_client(path, seconds)) / seconds
        cpu = sorted((sum(p.cpu_times()[:2]) - before[p.pid] for p in workers), reverse=True)
        return cpu, rps
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    dsn = asyncio.run(prepare(args.database, "dondoc_bench_workers", 5_000))
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "DONDOC_BOOTSTRAP_ADMIN_KEY": KEY,
        "DONDOC_RATE_LIMIT_PER_MINUTE": "0",
        "DONDOC_DB_POOL_SIZE": "5",
        "DONDOC_ACCESS_LOG": "false",
    }
    task_id = asyncio.run(_a_task(dsn))
    wrk = ensure_wrk()
    rows = [
        "| client | server | req/s | CPU of each worker process (s) | share of the busier |",
        "|---|---|---:|---:|---:|",
    ]
    for client, label in (("wrk", "wrk -t2 -c32"), ("pool", "a pool of 16, opened together")):
        for name, command in SIDES.items():
            cpu, rps = run_side(command, env, wrk, task_id, args.seconds, client)
            share = cpu[0] / sum(cpu) if sum(cpu) else 0.0
            split = " / ".join(f"{c:.1f}" for c in cpu)
            rows.append(f"| {label} | {name} | {rps:,.0f} | {split} | {share:.0%} |")
            print(rows[-1], flush=True)
    meta = (
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores: "
        f"`uv run python -m bench.workers --seconds {args.seconds:g}` (kept-alive connections, "
        "`GET /api/v1/tasks/{id}`, access log off on both sides)."
    )
    table = "\n".join(rows)
    print("\n" + meta + "\n\n" + table)
    if not args.no_readme:
        write_readme(table, meta, marker="workers")


async def _a_task(dsn: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return str(await conn.fetchval("SELECT id FROM tasks ORDER BY id LIMIT 1"))
    finally:
        await conn.close()


if __name__ == "__main__":
    main()
