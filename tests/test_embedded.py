"""The embedded PostgreSQL: failure message, and stopping when its last user exits."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from app.db.embedded import EmbeddedDatabaseError, _forget_dead_handles, embedded_database_url
from tests.server import free_port, run_command, wait_ready


def test_failure_says_how_to_use_an_external_database(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(EmbeddedDatabaseError) as error:
        embedded_database_url(blocker / "data")
    assert "DATABASE_URL" in str(error.value)


def test_processes_that_died_are_forgotten(tmp_path: Path) -> None:
    # A process killed without cleaning up must not keep the server running for ever.
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    dead = 2**22 + 12345  # above the default pid_max, so never a live process
    (pgdata / ".handle_pids.json").write_text(json.dumps([dead, os.getpid()]))
    _forget_dead_handles(pgdata)
    assert json.loads((pgdata / ".handle_pids.json").read_text()) == [os.getpid()]


def _postmaster(data_dir: Path) -> int | None:
    """The pid of the embedded server in `data_dir` while it runs."""
    pid_file = data_dir / "pgdata" / "postmaster.pid"
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text().split()[0])
    return pid if psutil.pid_exists(pid) else None


async def _gone(pid: int) -> bool:
    deadline = asyncio.get_running_loop().time() + 20
    while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def test_the_embedded_server_stops_with_the_command(tmp_path: Path) -> None:
    # SIGTERM is what timeout, systemd, Docker and test harnesses send; its default action
    # skipped the exit handlers that stop the server.
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env |= {"DONDOC_DATA_DIR": str(data_dir), "DONDOC_RATE_LIMIT_PER_MINUTE": "0"}

    migrate = await run_command("migrate", env=env)
    assert await migrate.wait() == 0
    assert _postmaster(data_dir) is None

    try:
        for command, stop, status in (
            ("serve", signal.SIGTERM, {-signal.SIGTERM}),
            ("demo", signal.SIGTERM, {-signal.SIGTERM}),
            ("serve", signal.SIGINT, {0, 130}),
        ):
            port = free_port()
            process = await run_command(command, "--port", str(port), env=env)
            await wait_ready(process, f"http://127.0.0.1:{port}")
            pid = _postmaster(data_dir)
            assert pid is not None
            if command == "serve" and stop == signal.SIGTERM:
                # Another command on the same data directory ends and leaves it to the service.
                listing = await run_command("apikey", "list", env=env)
                assert await listing.wait() == 0
                assert _postmaster(data_dir) == pid
            process.send_signal(stop)
            assert await asyncio.wait_for(process.wait(), timeout=40) in status, command
            assert await _gone(pid), f"PostgreSQL outlived `dondoc {command}` after {stop.name}"
    finally:  # a server left behind by a failure must not outlive the test either
        left = _postmaster(data_dir)
        if left is not None:
            psutil.Process(left).terminate()


def test_processes_starting_at_once_share_one_fresh_server(tmp_path: Path) -> None:
    # The test workers on a fresh machine: each starts the embedded server on the same new
    # data directory at the same moment; one makes it, the others join it.
    data_dir = tmp_path / "data"
    code = (
        "import sys, asyncio, asyncpg\n"
        "from pathlib import Path\n"
        "from app.db.embedded import server_socket_url, release\n"
        "host, user = server_socket_url(Path(sys.argv[1]))\n"
        "async def ask():\n"
        "    conn = await asyncpg.connect(host=host, user=user, database='postgres')\n"
        "    print(await conn.fetchval('SELECT 40 + 2'))\n"
        "    await conn.close()\n"
        "asyncio.run(ask())\n"
        "release()\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(data_dir)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    answers = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], answers
    assert [out.strip() for out, _ in answers] == ["42", "42", "42"]
