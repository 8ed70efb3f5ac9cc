"""The `dondoc` command: serve, demo, migrate, apikey."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import get_settings
from app.db import embedded
from app.db.embedded import EmbeddedDatabaseError

T = TypeVar("T")


def _database_url() -> str:
    from app.db import resolve_database_url

    settings = get_settings()
    if not settings.database_url:
        print(
            f"DATABASE_URL is unset: using the embedded PostgreSQL in {settings.data_dir}/",
            file=sys.stderr,
        )
    return resolve_database_url(settings)


def _with_connection(url: str, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    from app.db import create_engine

    async def run() -> T:
        engine = create_engine(url, get_settings())
        try:
            async with engine.begin() as conn:
                return await work(conn)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _migrate(url: str) -> None:
    from app.db.migrate import upgrade

    upgrade(url)
    print("database schema is at the latest migration", file=sys.stderr)


def _serve(url: str, host: str, port: int, workers: int) -> None:
    from app.serving import run_one, run_workers

    # Worker processes reach the same server (embedded or not) through DATABASE_URL.
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    settings = get_settings()
    options = {"timeout_graceful_shutdown": int(settings.shutdown_timeout_seconds)}
    drain = settings.shutdown_drain_seconds
    if workers > 1:
        run_workers(
            "app.main:create_app",
            host,
            port,
            workers,
            drain,
            settings.shutdown_timeout_seconds,
            options,
        )
    else:
        run_one("app.main:create_app", host, port, drain, options)


def cmd_serve(args: argparse.Namespace) -> None:
    url = _database_url()
    if not args.no_migrate:
        _migrate(url)
    if not args.no_worker:
        os.environ["DONDOC_WORKER"] = "1"
    _serve(url, args.host, args.port, args.workers)


def cmd_worker(args: argparse.Namespace) -> None:
    from app.core.clock import Clock
    from app.db import create_engine
    from app.worker import run_worker

    url = _database_url()
    settings = get_settings()

    async def run() -> None:
        engine = create_engine(url, settings)
        try:
            await run_worker(engine, Clock(settings.tz), settings)
        finally:
            await engine.dispose()

    print("worker running (deadline scheduler); Ctrl+C to stop", file=sys.stderr)
    asyncio.run(run())


def cmd_demo(args: argparse.Namespace) -> None:
    from app.admin.service import issue_key
    from app.core.enums import Role
    from demo import people as demo_people
    from demo import scenario as demo

    url = _database_url()
    _migrate(url)

    async def prepare(conn: AsyncConnection) -> tuple[dict[str, int], str, int]:
        loaded = await demo.load(conn)
        key = await issue_key(conn, "demo admin", Role.admin)
        return loaded, key, await demo_people.pending_notices(conn)

    loaded, key, notices = _with_connection(url, prepare)
    smtp = os.environ.get("DONDOC_SMTP_URL")
    mail = (
        f"{notices} notices to officials go out through {smtp.split('@')[-1]}"
        if smtp
        else f"{notices} notices to officials wait in their outbox (DONDOC_SMTP_URL unset); "
        "to read them as mail: python -m aiosmtpd -n -l 127.0.0.1:8025 and "
        "DONDOC_SMTP_URL=smtp://127.0.0.1:8025"
    )
    shown = "localhost" if args.host in ("0.0.0.0", "127.0.0.1") else args.host
    print(
        "\nĐôn đốc demo\n"
        f"  loaded:    {loaded['agencies']} agencies, {loaded['directives']} directive, "
        f"{loaded['tasks']} tasks, {loaded['proposals']} proposals, "
        f"{loaded['budget_requests']} budget requests, {loaded['officials']} officials, "
        f"{loaded['comments']} comments"
        f"{'' if loaded['agencies'] else ' (database already had data; nothing loaded)'}\n"
        f"  mail:      {mail}\n"
        f"  admin key: {key}\n"
        f"  API docs:  http://{shown}:{args.port}/docs\n"
        f"  try:       curl -H 'Authorization: Bearer {key}' http://{shown}:{args.port}/api/v1/agencies\n",
        flush=True,
    )
    os.environ["DONDOC_WORKER"] = "1"
    _serve(url, args.host, args.port, 1)


def cmd_migrate(args: argparse.Namespace) -> None:
    _migrate(_database_url())


def cmd_files(args: argparse.Namespace) -> None:
    """`dondoc files sweep`: remove stored contents no attachment names (the worker does it
    hourly), older than --grace seconds."""
    from app.db import create_engine
    from app.files import service as attachments
    from app.files.storage import LocalFileStore

    url = _database_url()
    settings = get_settings()

    async def run() -> int:
        engine = create_engine(url, settings)
        try:
            store = LocalFileStore(settings.files_root)
            return await attachments.sweep(engine, store, args.grace)
        finally:
            await engine.dispose()

    removed = asyncio.run(run())
    print(f"removed {removed} files from {settings.files_root}")


def cmd_apikey(args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from app.admin import service as api_keys
    from app.agencies.models import Agency
    from app.core.enums import Role

    url = _database_url()

    async def create(conn: AsyncConnection) -> str:
        agency_id = None
        if args.agency:
            t = Agency.__table__.c  # type: ignore[attr-defined]
            agency_id = (await conn.execute(select(t.id).where(t.code == args.agency))).scalar()
            if agency_id is None:
                raise SystemExit(f"no agency with code {args.agency}")
        role = Role(args.role)
        if role == Role.agency and agency_id is None:
            raise SystemExit("--agency CODE is required for role 'agency'")
        official_id = None
        if args.official:
            try:
                official_id = uuid.UUID(args.official)
            except ValueError:
                raise SystemExit("--official takes an official's id") from None
        return await api_keys.issue_key(conn, args.name, role, agency_id, official_id)

    if args.action == "create":
        print(_with_connection(url, create))
    elif args.action == "list":
        for row in _with_connection(url, api_keys.list_all):
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            print(f"{row.id}  {row.key_prefix}…  {row.role:<8} {state:<18} {row.name}")
    else:
        import uuid

        async def revoke(conn: AsyncConnection) -> bool:
            return await api_keys.revoke_by_id(conn, uuid.UUID(args.id))

        if not _with_connection(url, revoke):
            raise SystemExit(f"no active key with id {args.id}")
        print(f"revoked {args.id}")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dondoc", description="Đôn đốc: directives and tasks follow-up"
    )
    sub = p.add_subparsers(dest="command", required=True)
    for name, handler, help_ in (
        ("serve", cmd_serve, "migrate and serve the API"),
        ("demo", cmd_demo, "migrate, load the demo scenario, print an admin key, serve"),
    ):
        s = sub.add_parser(name, help=help_)
        s.add_argument("--host", default="127.0.0.1")
        s.add_argument("--port", type=int, default=8000)
        if name == "serve":
            s.add_argument("--workers", type=int, default=1)
            s.add_argument("--no-migrate", action="store_true")
            s.add_argument("--no-worker", action="store_true", help="no background work here")
        s.set_defaults(handler=handler)
    sub.add_parser("migrate", help="bring the schema to the latest migration").set_defaults(
        handler=cmd_migrate
    )
    f = sub.add_parser("files", help="the attachments' store")
    fs = f.add_subparsers(dest="action", required=True)
    sweep = fs.add_parser("sweep", help="remove contents no attachment names")
    sweep.add_argument("--grace", type=float, default=3600.0, help="spare files younger (s)")
    f.set_defaults(handler=cmd_files)
    sub.add_parser(
        "worker", help="run the background work (deadline scheduler, webhook delivery) alone"
    ).set_defaults(handler=cmd_worker)
    k = sub.add_parser("apikey", help="create, list or revoke API keys")
    ks = k.add_subparsers(dest="action", required=True)
    c = ks.add_parser("create")
    c.add_argument("--name", required=True)
    c.add_argument(
        "--role",
        required=True,
        choices=["admin", "office", "leader", "finance", "agency", "viewer"],
    )
    c.add_argument("--agency", help="agency code (required for role agency)")
    c.add_argument("--official", help="id of the official who uses the key (optional)")
    ks.add_parser("list")
    r = ks.add_parser("revoke")
    r.add_argument("id")
    k.set_defaults(handler=cmd_apikey)
    return p


class _Terminated(Exception):
    """SIGTERM arrived (uvicorn re-raises it once it has shut down gracefully)."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated()


def main(argv: list[str] | None = None) -> None:
    from app.serving import configure_logging

    configure_logging()
    args = parser().parse_args(argv)
    # The default action of SIGTERM ends the process without running exit handlers, which
    # would leave the embedded PostgreSQL running: turn it into an exception instead.
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    already = embedded.joined()  # a caller in this process (a test) keeps its own server
    try:
        args.handler(args)
    except EmbeddedDatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    except _Terminated:
        embedded.release(already)
        # End as a process killed by SIGTERM does, so supervisors read the same status.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
    except KeyboardInterrupt:
        embedded.release(already)
        raise SystemExit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    embedded.release(already)
