"""The engines: every connection to PostgreSQL is made here, with the same timeouts, session
settings, JSON decoder and rule for a connection in doubt (app/db/errors.py)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import orjson
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app.core.clock import Clock, FixedClock
from app.core.config import Settings, get_settings
from app.db.errors import discard_in_doubt, refuse_unclean


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and use the asyncpg driver."""
    for prefix in (
        "postgres://",
        "postgresql://",
        "postgresql+psycopg://",
        "postgresql+psycopg2://",
    ):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def resolve_database_url(settings: Settings | None = None) -> str:
    """DATABASE_URL when set, otherwise the embedded PostgreSQL (started on demand)."""
    settings = settings or get_settings()
    if settings.database_url:
        return normalise_url(settings.database_url)
    from app.db.embedded import embedded_database_url

    return embedded_database_url(settings.data_dir)


_LONG_NUMBER = re.compile(r"\d{19}")


def json_loads(text: str | bytes) -> Any:
    """orjson, several times faster on the feed's and history's documents; the standard
    library where orjson would differ — a number of 19 digits or more (orjson reads an integer
    past 64 bits as a float) or what it refuses (NaN, 1e400)."""
    if isinstance(text, bytes):
        text = text.decode()
    if _LONG_NUMBER.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def create_engine(
    url: str,
    settings: Settings,
    *,
    autocommit: bool = False,
    pool_size: int | None = None,
    custom_plans: bool = False,
) -> AsyncEngine:
    """An engine and its pool. The read engines' connections are in autocommit mode from the
    start, so a read sends its one statement and no BEGIN/ROLLBACK, without switching modes
    at every checkout. With `custom_plans` its sessions plan every execution of a prepared
    statement for its values (`plan_cache_mode = force_custom_plan`: the text search)."""
    pooled = settings.db_pooler == "pgbouncer"
    server_settings = session_settings(settings)
    if custom_plans and not pooled:
        # Behind PgBouncer every statement is unnamed, so planned for its values anyway.
        server_settings["plan_cache_mode"] = "force_custom_plan"
    engine = create_async_engine(
        url,
        # Behind PgBouncer in transaction mode a statement outside a transaction may reach a
        # different server than the one it was prepared on: every read runs in a transaction.
        isolation_level="AUTOCOMMIT" if autocommit and not pooled else "READ COMMITTED",
        pool_size=pool_size or settings.db_pool_size,
        max_overflow=settings.db_pool_overflow,
        pool_timeout=settings.db_connect_timeout_seconds + 2,
        pool_recycle=1800,
        json_deserializer=json_loads,
        execution_options={"dondoc_pooled": pooled},
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,
            "command_timeout": settings.db_statement_timeout_ms / 1000 + 5,
            "server_settings": server_settings,
            **pooled_connect_args(settings),
        },
    )
    event.listen(engine.sync_engine, "handle_error", discard_in_doubt)
    event.listen(engine.sync_engine, "checkout", refuse_unclean)
    return engine


def pooled(conn: AsyncConnection) -> bool:
    """Whether the connection's engine reaches the database through PgBouncer."""
    return bool(conn.engine.sync_engine.get_execution_options().get("dondoc_pooled"))


async def single_statements(conn: AsyncConnection) -> None:
    """Autocommit for a connection that runs single reads — except behind PgBouncer, where a
    statement outside a transaction may reach another server than the one that prepared it:
    there the reads run in a transaction of their own."""
    if not pooled(conn):
        await conn.execution_options(isolation_level="AUTOCOMMIT")


def statement_name() -> str:
    return f"__dondoc_{uuid.uuid4().hex}__"


def pooled_connect_args(settings: Settings) -> dict[str, Any]:
    """Behind PgBouncer (before 1.21, no prepared statements across transactions): the
    driver's statement cache off (it then sends unnamed statements), SQLAlchemy's too, and
    the statements SQLAlchemy still names get names no other client's can take."""
    if settings.db_pooler != "pgbouncer":
        return {}
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": statement_name,
    }


# Session defaults that PgBouncer does not pass as startup parameters: behind it they are the
# role's defaults in the database (app/db/migrate.py: apply_session_defaults), set on every
# server session PgBouncer opens.
SESSION_TIMEOUTS = ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")


def session_settings(settings: Settings) -> dict[str, str]:
    values = {
        "statement_timeout": str(settings.db_statement_timeout_ms),
        "lock_timeout": str(settings.db_statement_timeout_ms),
        "idle_in_transaction_session_timeout": "60000",
        "application_name": "dondoc",
        "TimeZone": "UTC",
    }
    if settings.db_pooler == "pgbouncer":
        return {k: v for k, v in values.items() if k not in SESSION_TIMEOUTS}
    return values


async def stamp(conn: AsyncConnection, clock: Clock) -> None:
    """A clock standing still (tests, the demo replaying its year) also dates the versions the
    database writes of each change (`dondoc.now`, read by the trigger of migration 0009); the
    real clock leaves them to the transaction's time, at no cost."""
    if isinstance(clock, FixedClock):
        await conn.execute(
            text("SELECT set_config('dondoc.now', :at, true)"), {"at": clock.now().isoformat()}
        )
