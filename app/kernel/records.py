"""Records that belong to a resource (a task's progress reports, a budget request's payments):
listed or read one at a time under their parent, which the service has already found visible
to the caller."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Executable, Row, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from app.db import Reader
from app.errors import NotFound
from app.kernel import driver
from app.kernel.fields import public_columns
from app.kernel.listing import ListParams, Page, fetch_page, parse_sort


async def found(
    conn: Reader, stmt: Executable, missing: str, params: dict[str, Any] | None = None
) -> Row[Any]:
    """The one row `stmt` selects, or 404 with `missing` as the detail (on a write
    transaction's connection, through the driver: app/kernel/driver.py)."""
    if isinstance(conn, AsyncConnection):
        row: Row[Any] | None = (await driver.execute(conn, stmt, params)).first()
    else:
        row = (await conn.execute(stmt, params)).first()
    if row is None:
        raise NotFound(missing)
    return row


async def page_of(
    conn: Reader,
    table: Table,
    read: type[SQLModel],
    parent: str,
    parent_id: uuid.UUID,
    params: ListParams,
) -> Page:
    """The parent's records in the order they were made (or `sort=-created_at`)."""
    c = table.c
    keys = parse_sort(params.sort, {"created_at": c.created_at}, "created_at")
    stmt = select(*public_columns(table, read)).where(c[parent] == parent_id)
    return await fetch_page(conn, stmt, keys, c.id, params)


async def one_of(
    conn: Reader,
    table: Table,
    read: type[SQLModel],
    parent: str,
    parent_id: uuid.UUID,
    record_id: uuid.UUID,
) -> dict[str, Any]:
    """One record, only under its own parent (404 under another)."""
    c = table.c
    stmt = select(*public_columns(table, read)).where(c.id == record_id, c[parent] == parent_id)
    missing = f"No record {record_id} under {parent.removesuffix('_id')} {parent_id}."
    return dict((await found(conn, stmt, missing))._mapping)
