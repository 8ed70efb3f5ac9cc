"""The read side: the statements of what writes nothing (lists, single reads, reports,
downloads), each on a connection of an engine in autocommit, held for that one statement.

Every read is a SQLAlchemy statement executed by SQLAlchemy (its compiled cache, its result
types, its error classes), its rows fetched before the connection goes back to the pool. A
read service takes a `Reader`: this read side, or a write transaction's connection."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Executable
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.errors import AWAY, BROKEN, caused_by

log = logging.getLogger(__name__)

# Statements marked so (the text search) run on the engine whose sessions plan every execution
# of a prepared statement for its values: a generic plan of a search cannot know how rare its
# words are.
CUSTOM_PLAN = "dondoc_custom_plan"


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
        if not self.rows:
            raise NoResultFound("No row was found when one was required")
        if len(self.rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self.rows[0]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]


class ReadDB:
    """Reads without holding a connection across the request: each statement takes a
    connection of the engine, runs, and gives it back with its rows fetched."""

    __slots__ = ("custom_engine", "engine")

    def __init__(self, engine: AsyncEngine, custom_engine: AsyncEngine | None = None) -> None:
        self.engine = engine
        self.custom_engine = custom_engine

    async def execute(self, statement: Executable, parameters: Any = None) -> Rows:
        engine = self.engine
        if self.custom_engine is not None and statement.get_execution_options().get(CUSTOM_PLAN):
            engine = self.custom_engine
        try:
            return await _fetch(engine, statement, parameters)
        except DBAPIError as error:
            # A pooled connection whose session the server ended (a restart, a terminated
            # backend) fails on its next use; SQLAlchemy then replaces the pool's connections,
            # and the read — which changes nothing — runs once more on a fresh one.
            if not (error.connection_invalidated and caused_by(error, BROKEN)):
                raise
            return await _fetch(engine, statement, parameters)

    async def close(self) -> None:
        for engine in (self.engine, self.custom_engine):
            if engine is not None:
                await engine.dispose()


async def _fetch(engine: AsyncEngine, statement: Executable, parameters: Any) -> Rows:
    async with engine.connect() as conn:
        return Rows((await conn.execute(statement, parameters)).all())


class ReplicaDB(ReadDB):
    """Reads on a streaming replica (`DONDOC_READ_DATABASE_URL`): lists, reports. A replica
    that is away sends its reads to the primary (`fallback`) and is tried again after
    `retry_seconds`: a write never depends on it, and a read is answered, if later than the
    replica would have."""

    __slots__ = ("down_until", "fallback", "retry_seconds")

    def __init__(
        self,
        engine: AsyncEngine,
        fallback: ReadDB,
        *,
        custom_engine: AsyncEngine | None = None,
        retry_seconds: float = 5.0,
    ) -> None:
        super().__init__(engine, custom_engine)
        self.fallback = fallback
        self.retry_seconds = retry_seconds
        self.down_until = 0.0

    async def execute(self, statement: Executable, parameters: Any = None) -> Rows:
        if time.monotonic() < self.down_until:
            return await self.fallback.execute(statement, parameters)
        try:
            return await super().execute(statement, parameters)
        except Exception as error:
            if not caused_by(error, AWAY):
                raise
            log.warning("the read replica is away; reading from the primary", exc_info=True)
            self.down_until = time.monotonic() + self.retry_seconds
            return await self.fallback.execute(statement, parameters)
