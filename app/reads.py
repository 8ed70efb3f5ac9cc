"""The read side on the driver: every read of a request (lists, single reads, reports) is a
SQLAlchemy statement compiled once per shape and run as asyncpg's prepared statement on a pool
of its own, its records read like SQLAlchemy rows."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any

import asyncpg
import orjson
from sqlalchemy import Executable
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db import RecordRow, Rows, in_doubt, session_settings

log = logging.getLogger(__name__)


class Record(asyncpg.Record):  # type: ignore[misc]
    """A row of the read pool, read like a SQLAlchemy row (`row.status`, `row._mapping`,
    `row[0]`) with no object made per row: asyncpg builds it directly."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def _mapping(self) -> Any:
        return self


class _Plan:
    """A statement compiled once for the driver: its SQL, parameter order, parameter
    conversions and the result columns that need one."""

    __slots__ = ("binds", "compiled", "expands", "positions", "results", "sources", "sql")

    def __init__(self, compiled: Any, dialect: Any) -> None:
        self.compiled = compiled
        self.sql: str = compiled.string
        self.positions: list[str] = list(compiled.positiontup or ())
        self.binds: dict[str, Any] = dict(compiled._bind_processors)
        # IN lists and days written into the statement are rendered per execution.
        self.expands = bool(compiled.literal_execute_params or compiled.post_compile_params)
        self.results = [
            (index, process)
            for index, entry in enumerate(compiled._result_columns)
            if (process := _result_processor(entry[3], dialect)) is not None
        ]
        self.sources = None if self.expands else _sources(compiled, self.positions, self.binds)

    def arguments(self, key: Any, parameters: Any) -> list[Any] | None:
        """The driver's arguments read straight from the request's statement: each position's
        bound value taken from the same place in the new cache key (what `construct_params`
        works out anew on every execution), `parameters` first; None when only SQLAlchemy's
        own path can say (a required value missing, a statement without a cache key)."""
        if self.sources is None or key is None:
            return None
        extracted = key.bindparams
        out = []
        for name, param, index, process in self.sources:
            if parameters and param.key in parameters:
                value = parameters[param.key]
            elif parameters and name in parameters:
                value = parameters[name]
            elif param.required:
                return None
            else:
                source = param if index is None else extracted[index]
                value = source.effective_value if param.callable else source.value
            out.append(value if process is None else process(value))
        return out


def _sources(compiled: Any, positions: list[str], binds: dict[str, Any]) -> list[Any] | None:
    """For each position of the SQL: its name, its bound parameter, where its value sits in a
    cache key of the same shape, and its conversion for the driver."""
    if compiled.cache_key is None or compiled._cache_key_bind_match is None:
        return None
    matches, _ = compiled._cache_key_bind_match
    index_of = {
        bind: index
        for index, original in enumerate(compiled.cache_key[1])
        for bind in matches[original]
    }
    by_name = {name: param for param, name in compiled.bind_names.items()}
    if set(positions) - by_name.keys():
        return None
    return [
        (name, by_name[name], index_of.get(by_name[name]), binds.get(name)) for name in positions
    ]


def _result_processor(kind: Any, dialect: Any) -> Any:
    process = kind._cached_result_processor(dialect, None)
    if process is None:
        return None
    # An array of values the driver already gives as Python objects comes back as a list
    # from asyncpg: nothing to do.
    impl = kind.dialect_impl(dialect)
    if isinstance(impl, ARRAY) and not impl.as_tuple:
        item = impl.item_type.dialect_impl(dialect)
        if item._cached_result_processor(dialect, None) is None:
            return None
    return process


class Plans:
    """Statements compiled once per shape (keyed by SQLAlchemy's cache key, so a list compiles
    once per filter shape and a report once per grouping) into the SQL and arguments asyncpg
    runs; the read side and the write driver (app/kernel/driver.py) each keep one."""

    __slots__ = ("dialect", "plans")

    MAX_PLANS = 4096

    def __init__(self, dialect: Any) -> None:
        self.dialect = dialect
        self.plans: dict[Any, _Plan] = {}

    def prepare(self, statement: Any, parameters: Any = None) -> tuple[str, list[Any], _Plan]:
        """The SQL and arguments the driver runs for `statement` with `parameters`."""
        key = statement._generate_cache_key()
        plan = None if key is None else self.plans.get(key.key)
        if plan is None:
            plan = _Plan(statement.compile(dialect=self.dialect, cache_key=key), self.dialect)
            if key is not None:
                if len(self.plans) >= self.MAX_PLANS:
                    self.plans.clear()
                self.plans[key.key] = plan
        fast = plan.arguments(key, parameters)
        if fast is not None:
            return plan.sql, fast, plan
        sql, arguments = self.construct(plan, key, parameters)
        return sql, arguments, plan

    @staticmethod
    def construct(plan: _Plan, key: Any, parameters: Any) -> tuple[str, list[Any]]:
        """SQLAlchemy's own way to the SQL and arguments (and the only one for IN lists)."""
        compiled = plan.compiled
        values = compiled.construct_params(
            params=parameters,
            extracted_parameters=None if key is None else key.bindparams,
            escape_names=False,
        )
        sql, positions, binds = plan.sql, plan.positions, plan.binds
        if plan.expands:
            state = compiled._process_parameters_for_postcompile(values)
            sql, positions = state.statement, state.positiontup
            binds = {**binds, **state.processors}
            values = state.parameters
        return sql, [binds[n](values[n]) if n in binds else values[n] for n in positions]


def rows_of(records: list[Any], plan: _Plan, wrap: bool = False) -> Rows:
    """The driver's records, with the result conversions the statement's types need; `wrap`
    for plain asyncpg records (a write connection's), read like rows through `RecordRow`."""
    if plan.results:
        return Rows([_processed(record, plan.results) for record in records])
    return Rows([RecordRow(record) for record in records] if wrap else records)


class ReadDB(Plans):
    """Reads without holding a connection across the request, on the driver: each statement
    is compiled once per shape (`Plans`), takes a connection from an asyncpg pool (no reset
    query on release: a read changes no session state), runs as the driver's prepared
    statement and returns asyncpg's records, read like SQLAlchemy rows. No BEGIN/ROLLBACK:
    one statement, autocommit."""

    __slots__ = ("custom_pool", "engine", "pool", "wait")

    def __init__(
        self,
        engine: AsyncEngine,
        pool: asyncpg.Pool | None = None,
        wait: float = 0,
        custom_pool: asyncpg.Pool | None = None,
    ) -> None:
        super().__init__(engine.dialect)
        self.engine = engine
        self.pool = pool
        self.wait = wait  # seconds to wait for a free connection
        # Statements marked CUSTOM_PLAN (the text search) run where every execution is planned
        # for its values: a generic plan of a search cannot know how rare its words are.
        self.custom_pool = custom_pool

    async def execute(self, statement: Executable, parameters: Any = None) -> Rows:
        if self.pool is None:
            async with self.engine.connect() as conn:
                return Rows((await conn.execute(statement, parameters)).all())
        sql, arguments, plan = self.prepare(statement, parameters)
        pool = self.pool
        if self.custom_pool is not None and statement.get_execution_options().get(CUSTOM_PLAN):
            pool = self.custom_pool
        try:
            records = await self._fetch(pool, sql, arguments)
        except BROKEN:
            # A pooled connection whose session the server ended (a restart, a terminated
            # backend) fails on its next use. The pool's other connections are likely gone
            # too: all are replaced on their next acquisition, and the read — which changes
            # nothing — runs once more on a fresh one.
            await pool.expire_connections()
            records = await self._fetch(pool, sql, arguments)
        return rows_of(records, plan)

    async def _fetch(self, pool: asyncpg.Pool, sql: str, arguments: list[Any]) -> list[Any]:
        # The wait bounded by a timer, not by asyncpg's timeout, which runs each acquisition
        # as a task of its own.
        try:
            async with asyncio.timeout(self.wait):
                conn = await pool.acquire()
        except TimeoutError as exc:  # every connection in use: busy (503), as the engines say
            raise PoolTimeout("every read connection is in use") from exc
        try:
            return list(await conn.fetch(sql, *arguments))
        except BaseException as error:
            if in_doubt(error):  # never back in the pool as it is: closed before release
                conn.terminate()
            raise
        finally:
            await pool.release(conn)


# What a pooled connection raises when the server ended its session while it sat idle
# (asyncpg finds out only on the next use: MagicStack/asyncpg#1069).
BROKEN = (
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
)


def _processed(record: Any, results: list[tuple[int, Any]]) -> RecordRow:
    values = dict(record.items())
    names = list(values)
    for index, process in results:
        values[names[index]] = process(record[index])
    return RecordRow(values)


async def _no_reset(conn: asyncpg.Connection) -> None:
    """A read pool's connection goes back as it came: reads change no session state."""


async def _json_codecs(conn: asyncpg.Connection) -> None:
    """JSON and JSONB decoded as SQLAlchemy's asyncpg dialect decodes them (a JSON parameter
    arrives already serialised by its bind processor)."""
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=str, decoder=_json_loads, schema="pg_catalog", format="text"
        )


_LONG_NUMBER = re.compile(r"\d{19}")


def _json_loads(text: str) -> Any:
    """orjson, several times faster on the feed's and history's documents; the standard
    library where orjson would differ — a number of 19 digits or more (orjson reads an integer
    past 64 bits as a float) or what it refuses (NaN, 1e400) — so every document decodes as
    SQLAlchemy's dialect decodes it."""
    if _LONG_NUMBER.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


CUSTOM_PLAN = "dondoc_custom_plan"


async def create_read_pool(
    url: str, settings: Settings, size: int, custom_plans: bool = False
) -> asyncpg.Pool:
    """The read side's asyncpg pool, with the session settings of the engines; with
    `custom_plans`, its sessions plan every execution of a prepared statement for its values
    (`plan_cache_mode = force_custom_plan`), for the statements that ask (`CUSTOM_PLAN`)."""
    server_settings = {**session_settings(settings), "application_name": "dondoc-read"}
    if custom_plans:
        server_settings |= {
            "plan_cache_mode": "force_custom_plan",
            "application_name": "dondoc-read-custom-plans",
        }
    # The URL read as the engines read it (e.g. `?ssl=disable`, a socket in `?host=`).
    _, connect = postgresql_asyncpg.dialect().create_connect_args(make_url(url))  # type: ignore[no-untyped-call]
    connect.pop("prepared_statement_name_func", None)
    # `?prepared_statement_cache_size=0` (behind PgBouncer) turns the driver's cache off too.
    cache = connect.pop("prepared_statement_cache_size", None)
    if cache is not None:
        connect["statement_cache_size"] = int(cache)
    if settings.db_pooler == "pgbouncer":
        # Unnamed statements, parsed and run in one exchange: any server may take each (and,
        # used once, each is planned for its values — the custom plans, without the setting).
        connect["statement_cache_size"] = 0
        server_settings.pop("plan_cache_mode", None)
    pool = await asyncpg.create_pool(
        **connect,
        # Connected on first use, like the engines: the service starts while the database is
        # down and answers 503 until it is back.
        min_size=0,
        max_size=size,
        record_class=Record,
        reset=_no_reset,
        init=_json_codecs,
        timeout=settings.db_connect_timeout_seconds,
        command_timeout=settings.db_statement_timeout_ms / 1000 + 5,
        server_settings=server_settings,
    )
    assert pool is not None
    return pool


# What a replica that is away raises: refused or unreachable, starting or stopping, or a session
# it ended.
AWAY = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.AdminShutdownError,
    # A read cancelled by a conflict with the replica's recovery (40001).
    asyncpg.exceptions.SerializationError,
    *BROKEN,
)


class ReplicaDB(ReadDB):
    """Reads on a streaming replica (`DONDOC_READ_DATABASE_URL`): lists, reports. A replica
    that is away sends its reads to the primary (`fallback`) and is tried again after
    `retry_seconds`: a write never depends on it, and a read is answered, if later than the
    replica would have."""

    __slots__ = ("down_until", "fallback", "retry_seconds")

    def __init__(
        self,
        engine: AsyncEngine,
        pool: asyncpg.Pool,
        fallback: ReadDB,
        *,
        wait: float = 0,
        custom_pool: asyncpg.Pool | None = None,
        retry_seconds: float = 5.0,
    ) -> None:
        super().__init__(engine, pool, wait=wait, custom_pool=custom_pool)
        self.fallback = fallback
        self.retry_seconds = retry_seconds
        self.down_until = 0.0

    async def execute(self, statement: Executable, parameters: Any = None) -> Rows:
        if time.monotonic() < self.down_until:
            return await self.fallback.execute(statement, parameters)
        try:
            return await super().execute(statement, parameters)
        except AWAY:
            log.warning("the read replica is away; reading from the primary", exc_info=True)
            self.down_until = time.monotonic() + self.retry_seconds
            if self.pool is not None:
                await self.pool.expire_connections()
            return await self.fallback.execute(statement, parameters)

    async def close(self) -> None:
        for pool in (self.pool, self.custom_pool):
            if pool is not None:
                await pool.close()
