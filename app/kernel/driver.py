"""A write transaction's statements on the driver.

A write request holds one SQLAlchemy connection and one transaction (`app/db.py:
write_connection`). The statements every write sends — the row locked for the change, the
agencies checked, the code's number, the UPDATE, the history entry with its event and webhook
deliveries — go through `execute` here instead of SQLAlchemy's execution: compiled once per
shape (`app/reads.py: Plans`, as the reads), run as asyncpg's prepared statement on the same
connection, inside the same transaction (begun first if SQLAlchemy has not sent BEGIN yet),
under the connection's own lock. A database error comes back as the SQLAlchemy exception the
engine would have raised (an IntegrityError is an IntegrityError), so the services' error
handling does not change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import RawQuery, RecordRow, Rows, close_now, in_doubt
from app.reads import Plans, rows_of

_plans: Plans | None = None


def plans(dialect: Any) -> Plans:
    global _plans
    if _plans is None:
        _plans = Plans(dialect)
    return _plans


async def execute(conn: AsyncConnection, statement: Any, parameters: Any = None) -> Rows:
    """`conn.execute(statement, parameters)` for one set of parameters, on the driver."""
    sql, arguments, plan = plans(conn.dialect).prepare(statement, parameters)
    return rows_of(await _fetch(conn, sql, arguments), plan, wrap=True)


async def fetchrow(
    conn: AsyncConnection, query: RawQuery, parameters: dict[str, Any]
) -> RecordRow | None:
    """A statement compiled once by hand (`RawQuery`: an INSERT … ON CONFLICT, which
    SQLAlchemy does not cache) with `parameters`: its first row."""
    records = await _fetch(conn, query.sql, query.arguments(parameters))
    return RecordRow(records[0]) if records else None


async def _fetch(conn: AsyncConnection, sql: str, arguments: list[Any]) -> list[Any]:
    raw = await conn.get_raw_connection()
    adapter: Any = raw.dbapi_connection
    try:
        async with adapter._execute_mutex:
            if not adapter._started:
                await adapter._start_transaction()
            return list(await adapter._connection.fetch(sql, *arguments))
    except Exception as error:
        raise await _translated(conn, adapter, sql, arguments, error) from error
    except BaseException as error:  # cancelled mid-statement: the connection is in doubt
        await _discard(conn)
        raise error


async def _translated(
    conn: AsyncConnection, adapter: Any, sql: str, arguments: list[Any], error: Exception
) -> Exception:
    """The SQLAlchemy exception for a driver's error, as the engine makes it: a lost
    connection invalidated (never back in the pool) and said so, which the service answers
    503; any other error its DBAPI class (an IntegrityError is an IntegrityError)."""
    try:
        adapter._handle_exception(error)  # raises the DBAPI error it maps to
    except Exception as dbapi_error:
        lost = in_doubt(error) or conn.dialect.is_disconnect(dbapi_error, adapter, None)  # type: ignore[arg-type]
        if lost:
            await _discard(conn)
        return DBAPIError.instance(
            sql, arguments, dbapi_error, adapter.dbapi.Error, connection_invalidated=lost
        )
    return error


async def _discard(conn: AsyncConnection) -> None:
    """The connection never goes back to the pool (its transaction is rolled back by the
    server when the session ends)."""
    try:
        close_now((await conn.get_raw_connection()).driver_connection)
        await conn.invalidate()
    except Exception:  # already gone: nothing to give back
        pass
