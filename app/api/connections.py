"""The database as a request sees it: the connection a route asks for by what it does.

`ReadConn`: a read of the primary (single reads, the feed, credentials: a client reads its own
write at once). `ListConn`: a list or a report, read on the streaming replica when there is one
(`DONDOC_READ_DATABASE_URL`, seconds behind). Either is the download engine, after a download
slot, when the request asks for a file. `WriteConn`: one transaction, committed before the
response is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.access.auth import CurrentCaller
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


async def read_connection(request: Request, caller: CurrentCaller) -> Reader:
    """The primary's read side."""
    reader: Reader = _download(request, caller) or request.app.state.read_db
    return reader


async def list_connection(request: Request, caller: CurrentCaller) -> Reader:
    """A list's or a report's read side: the replica's when there is one."""
    state = request.app.state
    replica = getattr(state, "replica_db", None)
    reader: Reader = _download(request, caller) or replica or state.read_db
    return reader


async def write_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    """One transaction per write request, committed before the response is sent.

    Used with scope="function", so the commit happens when the endpoint returns and a
    failed commit becomes an error response instead of a 2xx already on the wire.
    """
    engine = get_engine(request)
    async with engine.begin() as conn:
        await stamp(conn, request.app.state.clock)
        yield conn


ReadConn = Annotated[Reader, Depends(read_connection)]
ListConn = Annotated[Reader, Depends(list_connection)]
WriteConn = Annotated[AsyncConnection, Depends(write_connection, scope="function")]
