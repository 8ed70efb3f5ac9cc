"""The benchmark harness: `uv run python -m bench.run` (see bench/README.md).

Creates its own database, loads the tasks, starts `dondoc serve` (one worker) and the raw
baseline on the same data, measures them alternately with wrk, counts the statements each
request sends, checks that the list queries use indexes, and writes bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from app.db.migrate import upgrade
from bench import reports as bench_reports
from bench import resources as bench_resources
from bench.dataset import load
from bench.statements import CountingProxy

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "bench" / "README.md"
SERVICE_PORT, BASELINE_PORT = 8101, 8102
KEY = "ddk_bench_admin_key_not_secret_0123456789"
SEARCH_WORDS = "buu chinh"


@dataclass
class Result:
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    errors: int = 0
    requests: int = 0


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk from Debian…", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or "wrk"


async def _count_tasks(dsn: str) -> int:
    try:
        conn = await asyncpg.connect(dsn)
    except asyncpg.InvalidCatalogNameError:
        return -1
    try:
        return int(await conn.fetchval("SELECT count(*) FROM tasks WHERE deleted_at IS NULL"))
    except asyncpg.UndefinedTableError:
        return 0
    finally:
        await conn.close()


async def prepare_database(base: str, name: str, tasks: int, reuse: bool) -> str:
    """A database holding exactly the benchmark's data: reused when asked and complete,
    otherwise created afresh."""
    dsn = urlparse(base)._replace(path=f"/{name}").geturl()
    found = await _count_tasks(dsn)
    if not (reuse and found == tasks):
        server = await asyncpg.connect(base)
        try:
            await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await server.execute(f'CREATE DATABASE "{name}"')
        finally:
            await server.close()
        await asyncio.to_thread(upgrade, dsn)
        print(f"loading {tasks:,} tasks…", flush=True)
        seconds = await load(dsn, tasks)
        print(f"loaded in {seconds:.0f} s", flush=True)
    # A reused database is brought to the latest schema like any other.
    await asyncio.to_thread(upgrade, dsn)
    conn = await asyncpg.connect(dsn)
    try:
        from app.access.auth import hash_key

        await conn.execute(
            "INSERT INTO api_keys (id, name, role, key_hash, key_prefix, created_at)"
            " VALUES (gen_random_uuid(), 'bench', 'admin', $1, 'ddk_benc', now())"
            " ON CONFLICT (key_hash) DO NOTHING",
            hash_key(KEY),
        )
    finally:
        await conn.close()
    return dsn


async def mark(dsn: str) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT now()")
    finally:
        await conn.close()


async def undo_writes(dsn: str, since: Any) -> None:
    """Put the data back as loaded, so that runs with --reuse measure the same thing."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DELETE FROM events WHERE occurred_at >= $1", since)
        await conn.execute("DELETE FROM history WHERE occurred_at >= $1", since)
        await conn.execute("DELETE FROM tasks WHERE created_at >= $1", since)
        await conn.execute(
            "UPDATE tasks SET status = 'in_progress', paused_on = NULL, version = 1"
            " WHERE updated_at >= $1 AND status = 'paused'",
            since,
        )
        await conn.execute("DELETE FROM idempotency_keys")
        # The versions the run's changes wrote (the loaded tasks keep their first one, in force
        # again).
        await conn.execute("DELETE FROM task_versions WHERE NOT is_first")
        await conn.execute(
            "UPDATE task_versions SET superseded_at = NULL WHERE superseded_at IS NOT NULL"
        )
        await conn.execute("VACUUM ANALYZE tasks")
    finally:
        await conn.close()


async def samples(dsn: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        ids = [
            str(r[0])
            for r in await conn.fetch("SELECT id FROM tasks TABLESAMPLE SYSTEM (1) LIMIT 2000")
        ]
        agencies = [str(r[0]) for r in await conn.fetch("SELECT id FROM agencies ORDER BY code")]
        movable = [
            str(r[0])
            for r in await conn.fetch(
                "SELECT id FROM tasks WHERE status = 'in_progress' AND deleted_at IS NULL ORDER BY id LIMIT 200000"
            )
        ]
    finally:
        await conn.close()
    return {"ids": ids, "agencies": agencies, "movable": movable}


def lua_table(values: list[str]) -> str:
    return "{" + ",".join(f'"{v}"' for v in values) + "}"


def scripts(data: dict[str, Any], tmp: Path, slices: int) -> dict[str, list[Path]]:
    auth = f'wrk.headers["Authorization"] = "Bearer {KEY}"\n'
    common = auth + 'wrk.headers["Content-Type"] = "application/json"\n'
    out: dict[str, list[Path]] = {}

    def write(name: str, body: str, index: int = 0) -> Path:
        path = tmp / f"{name}-{index}.lua"
        path.write_text(common + body)
        return path

    out["GET /tasks/{id}"] = [
        write(
            "get",
            f"""
local ids = {lua_table(data["ids"])}
request = function()
  return wrk.format("GET", "/api/v1/tasks/" .. ids[math.random(#ids)])
end
""",
        )
    ]
    out["GET /tasks?lead_agency_id&status&sort"] = [
        write(
            "bylead",
            f"""
local agencies = {lua_table(data["agencies"])}
request = function()
  return wrk.format("GET", "/api/v1/tasks?lead_agency_id=" .. agencies[math.random(#agencies)] .. "&status=in_progress&sort=due_date&limit=50")
end
""",
        )
    ]
    query = SEARCH_WORDS.replace(" ", "%20")
    out[f"GET /tasks?q={SEARCH_WORDS}"] = [
        write(
            "search",
            f"""
request = function()
  return wrk.format("GET", "/api/v1/tasks?q={query}&limit=50")
end
""",
        )
    ]
    body = json.dumps(
        {
            "title": "Nhiệm vụ mới về chuyển đổi số",
            "lead_agency_id": data["agencies"][0],
            "due_date": "2027-12-31",
        }
    )
    out["POST /tasks"] = [
        write(
            "create",
            f"""
wrk.method = "POST"
wrk.path = "/api/v1/tasks"
wrk.body = [[{body}]]
""",
        )
    ]
    chunk = max(1, len(data["movable"]) // slices)
    transition_scripts = []
    for index in range(slices):
        part = data["movable"][index * chunk : (index + 1) * chunk]
        transition_scripts.append(
            write(
                "transition",
                f"""
local ids = {lua_table(part)}
local created = 0
local sent = 0
thread_id = 0  -- a global, so that thread:set reaches it
setup = function(thread)
  thread:set("thread_id", created)
  created = created + 1
end
request = function()
  sent = sent + 1
  local task = ids[(sent * 2 + thread_id) % #ids + 1]
  return wrk.format("POST", "/api/v1/tasks/" .. task .. "/transitions", nil, '{{"action": "pause", "comment": "Tạm dừng chờ vốn"}}')
end
""",
                index,
            )
        )
    out["POST /tasks/{id}/transitions"] = transition_scripts
    for label, (name, ids, suffix, query) in bench_resources.endpoints(data["others"]).items():
        slug = re.sub(r"[^a-z]+", "-", label.lower()).strip("-")
        out[label] = [write(slug, bench_resources.lua(name, ids, suffix, query))]
    return out


WRK_LINE = re.compile(r"Requests/sec:\s+([\d.]+)")
LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
TOTAL = re.compile(r"(\d+) requests in")


def wrk(
    binary: str, port: int, script: Path, seconds: int, connections: int
) -> tuple[float, float, float, int, int]:
    output = subprocess.run(
        [
            binary,
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(WRK_LINE.search(output).group(1))  # type: ignore[union-attr]
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latencies = {p: float(v) * unit[u] for p, v, u in LATENCY.findall(output)}
    errors = int(NON_2XX.search(output).group(1)) if NON_2XX.search(output) else 0
    total = int(TOTAL.search(output).group(1))  # type: ignore[union-attr]
    return rps, latencies.get("50", 0.0), latencies.get("99", 0.0), errors, total


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        start_new_session=True,
    )


def wait_ready(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port}")


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _other_request(
    name: str, ids: list[str] | None, suffix: str, query: str, headers: dict[str, str]
) -> Any:
    if ids is None:
        return lambda c, i: c.get(f"/api/v1/{name}{query}", headers=headers)
    return lambda c, i: c.get(f"/api/v1/{name}/{ids[i % len(ids)]}{suffix}", headers=headers)


async def count_statements(
    dsn: str, data: dict[str, Any]
) -> tuple[dict[str, float], dict[str, str], dict[str, Any]]:
    """Statements per request in the steady state, and the plans of the two list queries."""
    from sqlalchemy import event

    from app.core.config import Settings
    from app.main import create_app

    parsed = urlparse(dsn)
    proxy = CountingProxy(parsed.hostname or "127.0.0.1", parsed.port or 5432)
    await proxy.start()
    through = parsed._replace(netloc=f"{parsed.username}@127.0.0.1:{proxy.port}").geturl()
    through = through.replace("postgresql://", "postgresql+asyncpg://") + "?ssl=disable"
    app = create_app(Settings(), database_url=through)
    captured: list[tuple[str, Any]] = []
    others = bench_resources.endpoints(data["others"])
    same_sql: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {KEY}"}
    lead, movable = data["agencies"][0], data["movable"][-100:]
    requests = {
        "GET /tasks/{id}": lambda c, i: c.get(f"/api/v1/tasks/{data['ids'][i]}", headers=headers),
        "GET /tasks?lead_agency_id&status&sort": lambda c, i: c.get(
            "/api/v1/tasks",
            params={
                "lead_agency_id": lead,
                "status": "in_progress",
                "sort": "due_date",
                "limit": 50,
            },
            headers=headers,
        ),
        f"GET /tasks?q={SEARCH_WORDS}": lambda c, i: c.get(
            "/api/v1/tasks", params={"q": SEARCH_WORDS, "limit": 50}, headers=headers
        ),
        "GET /tasks?…&count=true": lambda c, i: c.get(
            "/api/v1/tasks",
            params={"lead_agency_id": lead, "status": "in_progress", "count": "true"},
            headers=headers,
        ),
        "POST /tasks": lambda c, i: c.post(
            "/api/v1/tasks",
            json={"title": "Đo số câu lệnh", "lead_agency_id": lead, "due_date": "2027-12-31"},
            headers=headers,
        ),
        **{
            label: _other_request(name, ids, suffix, query, headers)
            for label, (name, ids, suffix, query) in bench_resources.endpoints(
                data["others"]
            ).items()
        },
        "POST /tasks/{id}/transitions": lambda c, i: c.post(
            f"/api/v1/tasks/{movable[i]}/transitions",
            json={"action": "pause", "comment": "đo"},
            headers=headers,
        ),
    }
    per_request: dict[str, float] = {}
    plans: dict[str, str] = {}
    async with app.router.lifespan_context(app):
        engines = [
            getattr(app.state, name).sync_engine
            for name in ("engine", "read_engine", "search_engine")
        ]

        def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
            captured.append((statement, parameters))

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for name, make in requests.items():
                for i in range(5):  # warm the pool, the key cache and the prepared statements
                    await make(client, 50 + i)
                proxy.reset()
                captured.clear()
                for engine in engines:
                    event.listen(engine, "before_cursor_execute", capture)
                n = 20
                for i in range(n):
                    response = await make(client, i)
                    assert response.status_code < 300, (name, response.status_code, response.text)
                    if i == 0 and name in others:
                        # What the service sent for the first sample: the baseline sends the same.
                        same_sql[name] = bench_resources.encode_statements(captured)
                for engine in engines:
                    event.remove(engine, "before_cursor_execute", capture)
                per_request[name] = proxy.statements / n
                if name.startswith("GET /tasks?") and "count" not in name:
                    statement, parameters = captured[-1]
                    plans[name] = await explain(dsn, statement, parameters)
                    plans[name] += await plan_choice(dsn, statement, parameters)
    await proxy.stop()
    return per_request, plans, same_sql


async def plan_choice(dsn: str, statement: str, parameters: Any) -> str:
    """The statement's time with a plan made for its values and with PostgreSQL's generic
    plan (what a prepared statement may switch to after five executions)."""
    conn = await asyncpg.connect(dsn)
    times = {}
    try:
        for mode in ("force_custom_plan", "force_generic_plan"):
            await conn.execute(f"SET plan_cache_mode = {mode}")
            prepared = await conn.prepare(statement)
            best = float("inf")
            for _ in range(5):
                started = time.perf_counter()
                await prepared.fetch(*parameters)
                best = min(best, time.perf_counter() - started)
            times[mode] = best * 1000
    finally:
        await conn.close()
    return (
        f" (executed: {times['force_custom_plan']:.2f} ms with a plan for its values,"
        f" {times['force_generic_plan']:.2f} ms with the generic plan)"
    )


async def explain(dsn: str, statement: str, parameters: Any) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        plan = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *parameters)
    finally:
        await conn.close()
    nodes: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        label = node["Node Type"]
        if "Index Name" in node:
            label += f" on {node['Index Name']}"
        nodes.append(label)
        for child in node.get("Plans", []):
            walk(child)

    walk(json.loads(plan)[0]["Plan"])
    return " → ".join(nodes)


def write_readme(table: str, meta: str, marker: str = "results") -> None:
    text = README.read_text()
    start, end = f"<!-- {marker} -->", f"<!-- /{marker} -->"
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    README.write_text(f"{before}{start}\n{meta}\n\n{table}\n{end}{after}")


def measure(
    args: argparse.Namespace,
    binary: str,
    env: dict[str, str],
    tmp: Path,
    lua: dict[str, list[Path]],
    data: dict[str, Any],
    dsn: str,
    workers: int,
    results: dict[tuple[str, int], dict[str, Result]],
    reports: bool,
    first_slice: int,
) -> dict[str, Any]:
    """Both sides started with `workers` processes each, every endpoint measured alternately.
    Each side holds the same connections in all: ten per pool, shared among its processes."""
    bin_dir = Path(sys.executable).parent
    size = str(max(2, 10 // workers))
    env = {**env, "DONDOC_DB_POOL_SIZE": size, "BENCH_POOL_SIZE": size}
    service = start(
        [
            str(bin_dir / "dondoc"),
            "serve",
            "--no-migrate",
            "--no-worker",
            "--port",
            str(SERVICE_PORT),
            "--workers",
            str(workers),
        ],
        env,
        tmp / f"service-{workers}.log",
    )
    one = [str(bin_dir / "uvicorn"), "bench.baseline:app", "--port", str(BASELINE_PORT)]
    one += ["--no-access-log", "--log-level", "warning"]
    # Several workers: each with a socket of its own, as the service's (app/serving.py), so
    # that both sides spread the kept-alive connections the same way.
    several = [
        sys.executable,
        "-c",
        "from app.serving import run_workers; run_workers('bench.baseline:app', '127.0.0.1',"
        f" {BASELINE_PORT}, {workers}, 0, 5,"
        " {'factory': False, 'log_level': 'warning', 'proxy_headers': False})",
    ]
    baseline = start(one if workers == 1 else several, env, tmp / f"baseline-{workers}.log")
    report_figures: dict[str, Any] = {}
    try:
        wait_ready(SERVICE_PORT, "/readyz")
        wait_ready(BASELINE_PORT, "/api/v1/tasks/00000000-0000-0000-0000-000000000000")
        for process, log in ((service, "service"), (baseline, "baseline")):
            if process.poll() is not None:  # e.g. the port was taken by another process
                text = (tmp / f"{log}-{workers}.log").read_text()
                raise SystemExit(f"{process.args[0]} exited:\n{text}")
        if reports:
            # About 100,000 tasks: the first seven of the sixty agencies lead a seventh of all.
            report_figures = bench_reports.measure(
                dsn,
                SERVICE_PORT,
                KEY,
                service.pid,
                data["agencies"][:6],
                # Today in the province: after 17:00 UTC it is already tomorrow there, and a
                # report "as of" the UTC date would be a report as of yesterday.
                datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat(),
                "2023-06-30",
            )
            print(bench_reports.table(report_figures), flush=True)
        for name, files in lua.items() if not args.only_reports else []:
            sides = results[(name, workers)] = {"service": Result(), "baseline": Result()}

            def slice_(n: int, files: list[Path] = files) -> Path:
                return files[(first_slice + n) % len(files)]

            warm = 2 * args.rounds
            wrk(binary, SERVICE_PORT, slice_(warm), 2, args.connections)  # warm-up
            wrk(binary, BASELINE_PORT, slice_(warm + 1), 2, args.connections)
            for round_ in range(args.rounds):
                for who, port in (("service", SERVICE_PORT), ("baseline", BASELINE_PORT)):
                    script = slice_(2 * round_ + (who == "baseline"))
                    rps, p50, p99, errors, total = wrk(
                        binary, port, script, args.seconds, args.connections
                    )
                    r = sides[who]
                    r.rps.append(rps)
                    r.p50.append(p50)
                    r.p99.append(p99)
                    r.errors += errors
                    r.requests += total
                    print(
                        f"{name:<40} {workers}w {who:<8} {rps:8.0f} req/s  p50 {p50:6.1f} ms"
                        f"  p99 {p99:6.1f} ms  non-2xx {errors}",
                        flush=True,
                    )
    finally:
        stop(service)
        stop(baseline)
    return report_figures


def through_pooler(pooler: str, name: str, dsn: str) -> dict[str, str]:
    """Both sides through PgBouncer: the service with DONDOC_DB_POOLER=pgbouncer (its timeouts
    set as the role's defaults in the database, as `dondoc migrate` does), the baseline without
    named statements."""
    from app.core.config import Settings
    from app.db.migrate import apply_session_defaults

    asyncio.run(apply_session_defaults(dsn, Settings(db_pooler="pgbouncer")))
    pooled = urlparse(pooler)._replace(path=f"/{name}").geturl()
    return {"DATABASE_URL": pooled, "DONDOC_DB_POOLER": "pgbouncer", "BENCH_POOLER": "1"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--name", default="dondoc_bench")
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument(
        "--no-reports", dest="reports", action="store_false", help="skip the report figures"
    )
    parser.add_argument("--only-reports", action="store_true", help="only the report figures")
    parser.add_argument(
        "--workers",
        default="1",
        help="worker processes of both sides, e.g. 1,2 to measure each in turn (default 1)",
    )
    parser.add_argument(
        "--only", default="", help="only the endpoints whose label contains this text"
    )
    parser.add_argument(
        "--pooler",
        default="",
        help="a PgBouncer (transaction mode) in front of --database's server, e.g. "
        "postgresql://postgres@127.0.0.1:6432/postgres: both sides connect through it",
    )
    args = parser.parse_args()
    worker_counts = [int(n) for n in args.workers.split(",")]

    binary = ensure_wrk()
    dsn = asyncio.run(prepare_database(args.database, args.name, args.tasks, args.reuse))
    asyncio.run(bench_resources.ensure(dsn, KEY))
    since = asyncio.run(mark(dsn))
    data = asyncio.run(samples(dsn))
    data["others"] = asyncio.run(bench_resources.samples(dsn))
    statements, plans, same_sql = asyncio.run(count_statements(dsn, data))
    tmp = Path(tempfile.mkdtemp(prefix="dondoc-bench-"))
    (tmp / "same-sql.json").write_text(
        json.dumps({"samples": data["others"], "statements": same_sql})
    )
    # Each pass (count of workers) pauses its own slices of the tasks in progress.
    lua = scripts(data, tmp, slices=(2 * args.rounds + 2) * len(worker_counts))
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "DONDOC_DB_POOL_SIZE": "10",
        # Out of the harness's way: with the per-credential limit, wrk would measure 429s.
        "DONDOC_RATE_LIMIT_PER_MINUTE": "0",
        # As the baseline (uvicorn --no-access-log): no line per request on either side.
        "DONDOC_ACCESS_LOG": "false",
        # The other resources' statements, as the service sent them (bench/resources.py).
        "BENCH_SAME_SQL": str(tmp / "same-sql.json"),
    }
    env.pop("DONDOC_BOOTSTRAP_ADMIN_KEY", None)
    if args.pooler:
        env |= through_pooler(args.pooler, args.name, dsn)
    if args.only:
        lua = {name: files for name, files in lua.items() if args.only in name}
    results: dict[tuple[str, int], dict[str, Result]] = {}
    report_figures: dict[str, Any] = {}
    try:
        for workers in worker_counts:
            # The reports are measured once, with the first count of workers.
            measure_reports = args.reports and workers == worker_counts[0]
            report_figures |= measure(
                args,
                binary,
                env,
                tmp,
                lua,
                data,
                dsn,
                workers,
                results,
                measure_reports,
                first_slice=(2 * args.rounds + 2) * worker_counts.index(workers),
            )
            # Each pass starts from the data as loaded: the tasks a pass created would sit at
            # the head of the search's order for the next one.
            asyncio.run(undo_writes(dsn, since))
    finally:
        asyncio.run(undo_writes(dsn, since))
    # A ratio over refusals means nothing: more than a handful of non-2xx answers fails the run
    # (a few are expected: a transition meeting a task another request paused).
    for (name, workers), sides in results.items():
        for who, r in sides.items():
            if r.errors > max(5, r.requests // 1000):
                raise SystemExit(
                    f"{name} ({who}, {workers} workers): {r.errors} of {r.requests} answers not 2xx"
                )
    rows = [
        "| endpoint | workers | service req/s | baseline req/s | ratio | service p50 / p99 (ms) | baseline p50 / p99 (ms) | statements per request | non-2xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (name, workers), pair in sorted(results.items(), key=lambda kv: kv[0][1]):
        s, b = pair["service"], pair["baseline"]
        ratio = statistics.mean(s.rps) / statistics.mean(b.rps)
        rows.append(
            f"| `{name}` | {workers} | {statistics.mean(s.rps):,.0f} | {statistics.mean(b.rps):,.0f} | **{ratio:.2f}** "
            f"| {statistics.median(s.p50):.1f} / {max(s.p99):.1f} | {statistics.median(b.p50):.1f} / {max(b.p99):.1f} "
            f"| {statements.get(name, 0):g} | {s.errors} / {b.errors} |"
        )
    count_name = "GET /tasks?…&count=true"
    rows.append(
        f"| `{count_name}` (statements only) | | | | | | | {statements.get(count_name, 0):g} | |"
    )
    plan_lines = "\n".join(f"- `{name}`: {plan}" for name, plan in plans.items())
    meta = (
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores: "
        f"`uv run python -m bench.run --tasks {args.tasks} --seconds {args.seconds} --rounds {args.rounds} --workers {args.workers}` "
        f"({args.tasks:,} tasks, 60 agencies, {args.connections} connections, wrk -t2, "
        f"{args.rounds} alternating rounds of {args.seconds} s per side; req/s is the mean of the rounds, "
        f"p50 the median, p99 the worst round)."
    )
    table = (
        "\n".join(rows) + "\n\nPlans of the list queries at this size (EXPLAIN):\n\n" + plan_lines
    )
    if not args.only_reports:
        print("\n" + meta + "\n\n" + table)
        if not args.no_readme:
            write_readme(table, meta)
    if report_figures and not args.no_readme:
        write_readme(
            bench_reports.table(report_figures),
            f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: `uv run python -m bench.run --only-reports --reuse`"
            f" ({args.tasks:,} tasks; the report as of today in the province, as of 2023-06-30, and as of 2023-06-30 after 100,000 deadlines moved since; psql times include starting psql).",
            marker="report-results",
        )


if __name__ == "__main__":
    main()
