"""Engine, connections and the transaction boundary of every request."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any, Protocol

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import ClauseElement, Executable, event, text
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DisconnectionError, NoResultFound
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app import exports
from app.auth import CurrentCaller
from app.clock import Clock, FixedClock
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


def create_engine(
    url: str, settings: Settings, *, autocommit: bool = False, pool_size: int | None = None
) -> AsyncEngine:
    """An engine and its pool. The read engine's connections are in autocommit mode from the
    start, so a read sends its one statement and no BEGIN/ROLLBACK, without switching modes
    at every checkout."""
    pooled = settings.db_pooler == "pgbouncer"
    engine = create_async_engine(
        url,
        # Behind PgBouncer in transaction mode a statement outside a transaction may reach a
        # different server than the one it was prepared on: every read runs in a transaction.
        isolation_level="AUTOCOMMIT" if autocommit and not pooled else "READ COMMITTED",
        pool_size=pool_size or settings.db_pool_size,
        max_overflow=settings.db_pool_overflow,
        pool_timeout=settings.db_connect_timeout_seconds + 2,
        pool_recycle=1800,
        execution_options={"dondoc_pooled": pooled},
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,
            "command_timeout": settings.db_statement_timeout_ms / 1000 + 5,
            "server_settings": session_settings(settings),
            **pooled_connect_args(settings),
        },
    )
    event.listen(engine.sync_engine, "handle_error", _discard_in_doubt)
    event.listen(engine.sync_engine, "checkout", _refuse_unclean)
    return engine


def in_doubt(error: BaseException) -> bool:
    """Whether a connection's state is unknown after `error`: anything but an error the
    server itself reported (a constraint, a statement or lock timeout, a serialization
    failure) — a client-side timeout, a cancellation, a broken socket, a driver's own error.
    After a timed-out statement the server may still run it when it wakes (a BEGIN run late
    leaves a transaction open that the driver no longer knows of), so such a connection is
    discarded, never reused."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, asyncpg.exceptions.DataError):
            return False  # an argument the driver could not encode: nothing was sent
        if isinstance(current, asyncpg.PostgresError):
            state = getattr(current, "sqlstate", None) or ""
            # The server answered; unless it ended the session, the state is known.
            return state.startswith(("08", "57P"))
        current = current.__cause__ or current.__context__
    return True


def _discard_in_doubt(context: ExceptionContext) -> None:
    """Every engine's errors (statements, BEGIN, COMMIT, ROLLBACK): a connection in doubt is
    invalidated — this one only, the pool's others stay."""
    if not context.is_disconnect and in_doubt(context.original_exception):
        context.is_disconnect = True
        context.invalidate_pool_on_disconnect = False
        if context.connection is not None:
            close_now(context.connection.connection.driver_connection)


def close_now(driver: Any) -> None:
    """Closed at once, without the goodbye a hung server would never answer."""
    if driver is not None and not driver.is_closed():
        driver.terminate()


def _refuse_unclean(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pooled connection found closed or inside a transaction is discarded at checkout (the
    pool then takes another): a request never runs inside a transaction it did not begin."""
    driver = dbapi_connection.driver_connection
    if driver.is_closed() or driver.is_in_transaction():
        raise DisconnectionError("pooled connection inside a transaction or closed")


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
# role's defaults in the database (app/migrate.py: apply_session_defaults), set on every
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


def get_engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


class ReadResult(Protocol):
    """What a read gives back: rows already there (`ReadDB`) or a live result (a transaction's
    connection) — the calls both answer."""

    def all(self) -> Sequence[Any]: ...

    def first(self) -> Any: ...

    def one(self) -> Any: ...

    def scalar(self) -> Any: ...

    def scalar_one(self) -> Any: ...


class Reader(Protocol):
    """What a read-only service needs of the database: `execute`. Both the read pool
    (`ReadDB`) and a write transaction's connection are one, so a service that reads can be
    called from either; one that needs more (the driver connection, a transaction) takes an
    `AsyncConnection`, and handing it the read pool is a type error."""

    async def execute(self, statement: Executable, parameters: Any = None) -> ReadResult: ...


class Rows:
    """Rows already fetched, read like a SQLAlchemy result after the connection went back."""

    __slots__ = ("rows",)

    def __init__(self, rows: Sequence[Any]) -> None:
        self.rows = rows

    def all(self) -> Sequence[Any]:
        return self.rows

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def one(self) -> Any:
        if len(self.rows) != 1:
            raise NoResultFound("expected exactly one row")
        return self.rows[0]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]


class RawQuery:
    """A SQLAlchemy statement compiled once for asyncpg, with its parameter order."""

    __slots__ = ("defaults", "names", "sql")

    def __init__(
        self, statement: ClauseElement, column_keys: list[str] | None = None, table: Any = None
    ) -> None:
        compiled = statement.compile(
            dialect=postgresql_asyncpg.dialect(),  # type: ignore[no-untyped-call]
            column_keys=column_keys,
        )
        self.sql = str(compiled)
        self.names = list(compiled.positiontup or ())  # type: ignore[attr-defined]
        # An INSERT also binds the columns that have a scalar default in the model.
        self.defaults = {
            c.name: c.default.arg
            for c in (table.c if table is not None else ())
            if c.default is not None and c.default.is_scalar
        }

    def arguments(self, parameters: dict[str, Any]) -> list[Any]:
        return [
            parameters[name] if name in parameters else self.defaults[name] for name in self.names
        ]


def compile_for_driver(statement: Any, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """A statement as asyncpg runs it: SQL with $n placeholders and its arguments in order
    (`values` gives the named bound parameters it leaves open)."""
    compiled: Any = statement.params(**values).compile(
        dialect=postgresql_asyncpg.dialect(),  # type: ignore[no-untyped-call]
        compile_kwargs={"render_postcompile": True},
    )
    params = compiled.construct_params() or {}
    return str(compiled), [params[name] for name in compiled.positiontup or ()]


class RecordRow:
    """An asyncpg record (or the values of one, converted) read like a SQLAlchemy row
    (`row.status`, `row._mapping`, `row[0]`)."""

    __slots__ = ("_mapping",)

    def __init__(self, record: Any) -> None:
        self._mapping = record

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, int) and isinstance(self._mapping, dict):
            return list(self._mapping.values())[key]
        return self._mapping[key]

    def __iter__(self) -> Any:
        return iter(self._mapping.values())

    def __len__(self) -> int:
        return len(self._mapping)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._mapping[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


# With a replica (DONDOC_READ_DATABASE_URL): the lists of the main resources and the reports
# read there, seconds behind; single reads (a client reads its own write at once), the feed
# (its snapshot rule is the primary's), credentials and every write stay on the primary.
REPLICA_LISTS = frozenset(
    f"/api/v1/{name}"
    for name in ("tasks", "directives", "proposals", "budget-requests", "agencies", "officials")
)


def on_replica(path: str) -> bool:
    return path in REPLICA_LISTS or (
        path.startswith("/api/v1/reports/") and not path.startswith("/api/v1/reports/snapshots")
    )


async def read_connection(request: Request, caller: CurrentCaller) -> Reader:
    """The read side of the database. A download reads through its own pool, once
    it has a slot (app/downloads.py), which the request guard gives back when the response
    has been sent."""
    state = request.app.state
    if exports.wanted(request) is None:
        replica = getattr(state, "replica_db", None)
        reader: Reader = (
            replica if replica is not None and on_replica(request.url.path) else state.read_db
        )
        return reader
    request.state.download_slot = state.download_gate.acquire(caller.key_id)
    downloads: Reader = state.download_db
    return downloads


async def write_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    """One transaction per write request, committed before the response is sent.

    Used with scope="function", so the commit happens when the endpoint returns and a
    failed commit becomes an error response instead of a 2xx already on the wire.
    """
    engine = get_engine(request)
    async with engine.begin() as conn:
        await stamp(conn, request.app.state.clock)
        yield conn


async def stamp(conn: AsyncConnection, clock: Clock) -> None:
    """A clock standing still (tests, the demo replaying its year) also dates the versions the
    database writes of each change (`dondoc.now`, read by the trigger of migration 0009); the
    real clock leaves them to the transaction's time, at no cost."""
    if isinstance(clock, FixedClock):
        await conn.execute(
            text("SELECT set_config('dondoc.now', :at, true)"), {"at": clock.now().isoformat()}
        )


ReadConn = Annotated[Reader, Depends(read_connection)]
WriteConn = Annotated[AsyncConnection, Depends(write_connection, scope="function")]
