"""Records that belong to a resource (a task's progress reports, a budget request's payments):
listed or read one at a time under their parent, which the service has already found visible
to the caller."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Executable, Row, Select, Table, Uuid, bindparam, select
from sqlmodel import SQLModel

from app.access.auth import Caller
from app.access.visibility import AgencyVisibility
from app.core.enums import Role
from app.db import Reader
from app.errors.domain import NotFound
from app.kernel.fields import public_columns
from app.kernel.listing import ListParams, Page, fetch_page, parse_sort


async def found(
    conn: Reader, stmt: Executable, missing: str, params: dict[str, Any] | None = None
) -> Row[*tuple[Any, ...]]:
    """The one row `stmt` selects, or 404 with `missing` as the detail (on a write
    transaction's connection or on the read side)."""
    row: Row[*tuple[Any, ...]] | None = (await conn.execute(stmt, params)).first()
    if row is None:
        raise NotFound(missing)
    return row


_LOADS: dict[tuple[Any, ...], Select[*tuple[Any, ...]]] = {}


def load_statement(
    table: Table,
    columns: tuple[Any, ...],
    visibility: AgencyVisibility | None,
    seen: bool,
    include_deleted: bool,
    lock: bool,
    lock_of: Table | None = None,
) -> Select[*tuple[Any, ...]]:
    """One row of `table` by id (`row_id`), built once per shape with every value bound: the
    caller's agency when it sees only its own (`visibility` bound clause), the deleted rows
    when asked, the lock (`FOR UPDATE`, of `lock_of` alone when given) for a change. Reused,
    the statement keeps its cache key (SQLAlchemy memoises it on the object) and its plan."""
    key = (table, columns, visibility, seen, include_deleted, lock, lock_of)
    stmt = _LOADS.get(key)
    if stmt is None:
        stmt = select(*columns).where(table.c.id == bindparam("row_id", type_=Uuid()))
        if seen and visibility is not None:
            stmt = stmt.where(visibility.bound_clause())
        if not include_deleted and "deleted_at" in table.c:
            stmt = stmt.where(table.c.deleted_at.is_(None))
        if lock:
            stmt = (
                stmt.with_for_update(of=lock_of) if lock_of is not None else stmt.with_for_update()
            )
        stmt = _LOADS[key] = stmt
    return stmt


async def load_one(
    conn: Reader,
    table: Table,
    columns: tuple[Any, ...],
    row_id: uuid.UUID,
    missing: str,
    *,
    caller: Caller | None = None,
    visibility: AgencyVisibility | None = None,
    include_deleted: bool = False,
    lock: bool = False,
    lock_of: Table | None = None,
) -> Row[*tuple[Any, ...]]:
    """The row by id as `caller` may see it, or 404 with `missing` (see `load_statement`)."""
    seen = caller is not None and visibility is not None and caller.role == Role.agency
    params: dict[str, Any] = {"row_id": row_id}
    if seen:
        assert caller is not None and visibility is not None
        params.update(visibility.parameters(caller))
    stmt = load_statement(table, columns, visibility, seen, include_deleted, lock, lock_of)
    return await found(conn, stmt, missing, params)


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
