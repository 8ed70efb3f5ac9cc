"""Trees by `parent_id` (agencies under agencies, tasks under tasks): one check that a new
parent exists and does not sit below the row, so that no chain of parents ever loops."""

from __future__ import annotations

import uuid
import zlib

from sqlalchemy import Table, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.errors.domain import field_error


async def lock_tree(conn: AsyncConnection, table: Table) -> None:
    """Changes of parent in one table take turns until the transaction ends. Take it before
    locking the row being moved: otherwise two moves, each holding its own row, would each
    wait for the other's (the foreign key check of the new parent)."""
    key = zlib.crc32(f"{table.name}.parent_id".encode())
    await conn.execute(select(func.pg_advisory_xact_lock(key)))


async def check_parent(
    conn: AsyncConnection,
    table: Table,
    noun: str,
    parent_id: uuid.UUID | None,
    self_id: uuid.UUID | None = None,
    field: str = "parent_id",
) -> None:
    """422 naming `field` when the parent is missing (or deleted), is the row itself, or is one
    of its descendants. Changes of parent in one table take turns (`lock_tree`), so two
    concurrent moves cannot each make half of a loop."""
    if parent_id is None:
        return
    if parent_id == self_id:
        raise field_error(field, f"a {noun} cannot be its own parent")
    c = table.c
    found = (
        await conn.execute(select(c.id).where(c.id == parent_id, c.deleted_at.is_(None)))
    ).first()
    if found is None:
        raise field_error(field, f"no {noun} with id {parent_id}")
    if self_id is None:
        return  # a new row has no descendants
    await lock_tree(conn, table)
    ancestors = select(c.id, c.parent_id).where(c.id == parent_id).cte("ancestors", recursive=True)
    ancestors = ancestors.union(
        select(c.id, c.parent_id).join(ancestors, c.id == ancestors.c.parent_id)
    )
    if (await conn.execute(select(exists().where(ancestors.c.id == self_id)))).scalar():
        raise field_error(field, f"this would make the {noun} its own ancestor")
