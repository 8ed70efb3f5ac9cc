"""The embedded PostgreSQL used when DATABASE_URL is unset (the pgserver package).

It is the same PostgreSQL server and the same asyncpg code path as an external one; the data
lives in DONDOC_DATA_DIR and is reused on the next start. The server is stopped when the last
process that started it exits.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlparse

log = logging.getLogger("dondoc.embedded")

DATABASE_NAME = "dondoc"
_START_LOCK = Path(tempfile.gettempdir()) / f"dondoc-embedded-start-{os.getuid()}.lock"
_started: dict[Path, str] = {}
_servers: dict[Path, object] = {}


class EmbeddedDatabaseError(RuntimeError):
    pass


HOW_TO_FIX = (
    "Set DATABASE_URL to an existing PostgreSQL (≥ 14) instead, for example "
    "DATABASE_URL=postgresql://user@127.0.0.1:5432/dondoc"
)


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without cleaning up from pgserver's list of users of the
    server, so that the last live user stops it on exit (pgserver stops the server only
    when its list holds nobody else)."""
    import psutil
    from pgserver.postgres_server import PostgresServer
    from pgserver.utils import DiskList

    handles = DiskList(pgdata / ".handle_pids.json")
    with PostgresServer._lock:
        pids = handles.get()
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.put(alive)


def server_socket_url(data_dir: Path) -> tuple[str, str]:
    """Start (or join) the embedded server; return (socket directory, user)."""
    data_dir = data_dir.expanduser().resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        data_dir.chmod(0o755)
        import pgserver

        # One process at a time starts an embedded server, of any directory: pgserver, run
        # as root, first makes its system user (`useradd`, once per machine) and then the
        # data directory (`initdb`), neither of which takes two processes at once (the test
        # workers, each starting a server of its own; a demo beside a server).
        with open(_START_LOCK, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if (data_dir / "pgdata").exists():
                _forget_dead_handles(data_dir / "pgdata")
            server = pgserver.get_server(data_dir / "pgdata", cleanup_mode="stop")
        _servers[data_dir] = server
        uri = urlparse(server.get_uri())
    except Exception as exc:  # any failure here is reported the same way
        raise EmbeddedDatabaseError(
            f"Could not start the embedded PostgreSQL in {data_dir}: {exc!r}. {HOW_TO_FIX}"
        ) from exc
    host = parse_qs(uri.query).get("host", [""])[0]
    return host, uri.username or "postgres"


def url_for(data_dir: Path, database: str) -> str:
    host, user = server_socket_url(data_dir)
    return f"postgresql+asyncpg://{user}@/{database}?host={host}"


async def _ensure_database(data_dir: Path, database: str) -> None:
    import asyncpg

    host, user = server_socket_url(data_dir)
    conn = await asyncpg.connect(host=host, user=user, database="postgres")
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()


def embedded_database_url(data_dir: Path, database: str = DATABASE_NAME) -> str:
    """URL of `database` on the embedded server, creating the database when missing."""
    key = data_dir.expanduser().resolve() / database
    if key not in _started:
        url = url_for(data_dir, database)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(_ensure_database(data_dir, database))
        else:  # called from inside a loop: do the blocking work in a fresh loop elsewhere
            import concurrent.futures

            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, _ensure_database(data_dir, database)).result()
        log.info("embedded PostgreSQL ready: %s", url)
        _started[key] = url
    return _started[key]


def joined() -> set[Path]:
    """The data directories whose embedded server this process uses."""
    return set(_servers)


def release(keep: set[Path] | None = None) -> None:
    """This process stops using the embedded servers it joined (but those in `keep`); the
    last user stops each one.

    pgserver does the same at interpreter exit, which a process killed by a signal never
    reaches: the command calls this when it ends, on SIGTERM and on SIGINT."""
    for data_dir in set(_servers) - (keep or set()):
        server = _servers.pop(data_dir)
        for key in [k for k in _started if k.parent == data_dir]:
            del _started[key]
        try:
            server.cleanup()  # type: ignore[attr-defined]
        except Exception:
            log.warning("could not stop the embedded PostgreSQL", exc_info=True)
