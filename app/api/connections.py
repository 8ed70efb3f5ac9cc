"""The database as a request sees it: the connection a route asks for by what it does.

A route takes one context: who calls and the connection its work needs, decided by the
route's intent, never by its URL. `Reading`: a read of the primary (single reads, the feed,
credentials: a client reads its own write at once). `Listing`: a list or a report, read on the
streaming replica when there is one (`DONDOC_READ_DATABASE_URL`, seconds behind). Either is the
download engine, after a download slot, when the request asks for a file. `Writing`: one
transaction, committed before the response is sent. The caller comes from `authenticate`, a
dependency of each context, so `app.dependency_overrides[authenticate]` reaches every route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.access.auth import Caller, CurrentCaller
from app.db import Reader, stamp
from app.files import exports


def get_engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


def _download(request: Request, caller: CurrentCaller) -> Reader | None:
    """The download engine, once the request holds a download slot (app/files/downloads.py; the
    request guard gives it back when the response has been sent)."""
    if exports.wanted(request) is None:
        return None
    state = request.app.state
    request.state.download_slot = state.download_gate.acquire(caller.key_id)
    downloads: Reader = state.download_db
    return downloads


@dataclass(frozen=True, slots=True)
class ReadContext:
    """A read's caller and its read side."""

    caller: Caller
    conn: Reader


@dataclass(frozen=True, slots=True)
class WriteContext:
    """A write's caller and its transaction."""

    caller: Caller
    conn: AsyncConnection


async def read_context(request: Request, caller: CurrentCaller) -> ReadContext:
    """The primary's read side."""
    return ReadContext(caller, _download(request, caller) or request.app.state.read_db)


async def list_context(request: Request, caller: CurrentCaller) -> ReadContext:
    """A list's or a report's read side: the replica's when there is one."""
    state = request.app.state
    replica = getattr(state, "replica_db", None)
    return ReadContext(caller, _download(request, caller) or replica or state.read_db)


async def write_context(request: Request, caller: CurrentCaller) -> AsyncIterator[WriteContext]:
    """One transaction per write request, committed before the response is sent.

    Used with scope="function", so the commit happens when the endpoint returns and a
    failed commit becomes an error response instead of a 2xx already on the wire.
    """
    engine = get_engine(request)
    async with engine.begin() as conn:
        await stamp(conn, request.app.state.clock)
        yield WriteContext(caller, conn)


Reading = Annotated[ReadContext, Depends(read_context)]
Listing = Annotated[ReadContext, Depends(list_context)]
Writing = Annotated[WriteContext, Depends(write_context, scope="function")]
