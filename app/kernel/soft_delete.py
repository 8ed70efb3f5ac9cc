"""Soft delete and restore (API.md §1), the same for every resource: the service loads and
locks the row and checks who may do it; this admits the change (the request's `If-Match`,
app/kernel/versioned.py), writes, and records history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access.auth import Caller
from app.errors.domain import Conflict
from app.kernel import history, versioned
from app.kernel.precondition import Precondition
from app.kernel.schemas import utcnow


async def mark_deleted(
    conn: AsyncConnection, table: Table, row: Any, if_match: Precondition, **also: Any
) -> datetime:
    """The soft delete itself: `If-Match` checked against the locked row, then `deleted_at`
    set with the next version (and `also`, e.g. a webhook's `active=False`). The time of it."""
    change = versioned.admit(table, row, if_match)
    now = utcnow()
    await conn.execute(versioned.statement(change, {"deleted_at": now, **also}, now))
    return now


async def delete(
    conn: AsyncConnection,
    caller: Caller,
    resource: str,
    table: Table,
    row: Any,
    if_match: Precondition,
    **also: Any,
) -> None:
    """Mark `row` deleted and record it in the resource's history."""
    now = await mark_deleted(conn, table, row, if_match, **also)
    await history.record(
        conn,
        caller,
        resource,
        row.id,
        "deleted",
        {"deleted_at": {"old": None, "new": now.isoformat()}},
    )


async def restore(
    conn: AsyncConnection,
    caller: Caller,
    resource: str,
    table: Table,
    row: Any,
    if_match: Precondition,
    columns: Sequence[Any],
    allowed_actions: list[str],
) -> Row[*tuple[Any, ...]]:
    """Bring `row` back; 409 with the allowed actions when it is not deleted. Returns the row
    as `columns` select it."""
    change = versioned.admit(table, row, if_match)
    if row.deleted_at is None:
        noun = resource.replace("_", " ")
        raise Conflict(f"The {noun} is not deleted.", allowed_actions=allowed_actions)
    restored = await versioned.write(conn, change, {"deleted_at": None}, columns)
    await history.record(
        conn,
        caller,
        resource,
        row.id,
        "restored",
        {"deleted_at": {"old": row.deleted_at.isoformat(), "new": None}},
    )
    return restored
