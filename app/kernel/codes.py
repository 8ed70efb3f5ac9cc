"""Human codes `NV-2023-00017`: one PostgreSQL sequence per prefix and year.

Sequences are not transactional, so concurrent creators never wait for each other and never
get the same number; a rolled-back creation leaves a gap, which is allowed.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from sqlalchemy import TextClause, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from app.core.config import get_settings
from app.db import pooled, pooled_connect_args
from app.registry import CODE_PREFIXES

PREFIXES = CODE_PREFIXES  # each resource's own (its spec.py), through the registry
_known: set[str] = set()
_ddl_engines: dict[str, AsyncEngine] = {}
_creating: dict[str, asyncio.Lock] = {}


def sequence_name(prefix: str, year: int) -> str:
    if not (1000 <= year <= 9999) or not prefix.isalpha():
        raise ValueError(f"bad code sequence {prefix}-{year}")
    return f"code_{prefix.lower()}_{year}"


def format_code(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:05d}"


async def _ensure_sequence(conn: AsyncConnection, name: str) -> None:
    """Create the sequence outside the caller's transaction, so that it exists for everyone at
    once and outlives a rolled-back creation — on a connection of its own, never a second one
    from the caller's pool: a burst of first creations of a year, each holding a connection of
    the pool and waiting for another, would exhaust it for good."""
    async with _creating.setdefault(name, asyncio.Lock()):
        # One creation per process at a time: a burst of first codes of a year waits for it
        # instead of opening a connection each (which could take the server's last ones).
        if name not in _known:
            await _create_sequence(conn, name)


async def _create_sequence(conn: AsyncConnection, name: str) -> None:
    key = conn.engine.url.render_as_string(hide_password=False)
    engine = _ddl_engines.get(key)
    if engine is None:
        # Behind PgBouncer the statement runs in a transaction of its own (app/db/engines.py: single_statements).
        engine = _ddl_engines[key] = create_async_engine(
            conn.engine.url,
            poolclass=NullPool,
            isolation_level="READ COMMITTED" if pooled(conn) else "AUTOCOMMIT",
            connect_args=pooled_connect_args(get_settings()) if pooled(conn) else {},
        )
    async with engine.begin() as own:
        try:
            await own.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {name}"))
        except DBAPIError:
            # Two creators at once: one of them reports a duplicate; the sequence exists.
            pass
    _known.add(name)


@lru_cache(maxsize=256)
def _nextval(name: str) -> TextClause:
    return text(f"SELECT nextval('{name}')")


async def next_code(conn: AsyncConnection, kind: str, year: int) -> str:
    prefix = PREFIXES[kind]
    name = sequence_name(prefix, year)
    if name not in _known:
        await _ensure_sequence(conn, name)
    number = (await conn.execute(_nextval(name))).scalar_one()
    return format_code(prefix, year, int(number))


def forget_sequences() -> None:
    """Tests drop the sequences between runs; forget that they existed."""
    _known.clear()
    _creating.clear()
