"""Alembic environment: async engine, the URL from the command or from settings."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import app.tables  # noqa: F401  (registers every table on the metadata)
from app.kernel.schemas import metadata

config = context.config


def _url() -> str:
    from app.db import normalise_url, resolve_database_url

    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    return normalise_url(url) if url else resolve_database_url()


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    from app.core.config import get_settings
    from app.db import pooled_connect_args

    # Behind PgBouncer, statements named so that no other client's collide.
    engine = create_async_engine(_url(), connect_args=pooled_connect_args(get_settings()))
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
