"""Engine, connections and the transaction boundary of every request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app.config import Settings, get_settings


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
    from app.embedded import embedded_database_url

    return embedded_database_url(settings.data_dir)


def create_engine(url: str, settings: Settings, *, autocommit: bool = False) -> AsyncEngine:
    """An engine and its pool. The read engine's connections are in autocommit mode from the
    start, so a read sends its one statement and no BEGIN/ROLLBACK, without switching modes
    at every checkout."""
    return create_async_engine(
        url,
        isolation_level="AUTOCOMMIT" if autocommit else "READ COMMITTED",
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_overflow,
        pool_timeout=settings.db_connect_timeout_seconds + 2,
        pool_recycle=1800,
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,
            "command_timeout": settings.db_statement_timeout_ms / 1000 + 5,
            "server_settings": {
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "lock_timeout": str(settings.db_statement_timeout_ms),
                "idle_in_transaction_session_timeout": "60000",
                "application_name": "dondoc",
                "TimeZone": "UTC",
            },
        },
    )


def get_engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


async def read_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    """A connection in autocommit mode: a read sends its statement, no BEGIN/ROLLBACK."""
    engine: AsyncEngine = request.app.state.read_engine
    async with engine.connect() as conn:
        yield conn


async def write_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    """One transaction per write request, committed before the response is sent.

    Used with scope="function", so the commit happens when the endpoint returns and a
    failed commit becomes an error response instead of a 2xx already on the wire.
    """
    engine = get_engine(request)
    async with engine.begin() as conn:
        yield conn


ReadConn = Annotated[AsyncConnection, Depends(read_connection)]
WriteConn = Annotated[AsyncConnection, Depends(write_connection, scope="function")]
