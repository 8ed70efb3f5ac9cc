"""Alembic, driven from code: `dondoc migrate`, `serve` before it listens, the tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import make_url, text
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings, get_settings
from app.db import normalise_url, single_statements

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(database_url: str) -> None:
    """Bring the schema to the latest revision (blocking; run outside the event loop); behind
    PgBouncer, set the session defaults first."""
    settings = get_settings()
    if settings.db_pooler == "pgbouncer":
        asyncio.run(apply_session_defaults(database_url, settings))
    command.upgrade(alembic_config(database_url), "head")


async def apply_session_defaults(database_url: str, settings: Settings) -> None:
    """The timeouts the service otherwise sends when it connects, as the role's defaults in
    the database: PgBouncer in transaction mode passes no such startup parameter, while every
    server session it opens starts with them. The session that sets them takes them too (a
    session opened before keeps its own values until PgBouncer recycles it)."""
    values = {
        "statement_timeout": settings.db_statement_timeout_ms,
        "lock_timeout": settings.db_statement_timeout_ms,
        "idle_in_transaction_session_timeout": 60_000,
    }
    sets = "".join(
        f"EXECUTE format('ALTER ROLE %I IN DATABASE %I SET {name} = %L', current_user,"
        f" current_database(), '{value}'); PERFORM set_config('{name}', '{value}', false);"
        for name, value in values.items()
    )
    url = make_url(normalise_url(database_url))
    _, connect = postgresql_asyncpg.dialect().create_connect_args(url)  # type: ignore[no-untyped-call]
    connect.pop("prepared_statement_name_func", None)
    connect.pop("prepared_statement_cache_size", None)
    conn = await asyncpg.connect(**connect, statement_cache_size=0)
    try:
        # One simple-protocol statement: PgBouncer keeps it on one server session.
        await conn.execute(f"DO $$ BEGIN {sets} END $$")
    finally:
        await conn.close()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database's schema is at (one statement, no transaction)."""
    async with engine.connect() as conn:
        await single_statements(conn)
        return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
