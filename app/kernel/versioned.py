"""The change of a versioned row, the same for every resource.

A request that changes a resource names the version it changes (`If-Match`, API.md §1). The
service loads and locks the row and checks who may change it; `admit` then applies the
request's precondition to the locked row — after the normal checks and before the request's
content is processed, in the order of RFC 9110 §13.2.2 (404, 403 or an invalid transition
first; then 428/412; then 422 and the business 409s). Only an admitted row can be written
(`write`, `statement`), so no change of a request's resource skips its precondition: the
type checker refuses a write of a row that was not admitted.

Rows a change touches beside its resource (the tasks a merger moves, a parent reopened by its
sub-task) are not the request's resource; they take their next version with `next_version`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, Update, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.kernel.precondition import Precondition
from app.kernel.schemas import utcnow


def next_version(table: Table, now: datetime | None = None) -> dict[str, Any]:
    """The values every change of a versioned row sets, beside its own: the version one up
    (its next ETag) and, where the table keeps it, the time of the change."""
    values: dict[str, Any] = {"version": table.c.version + 1}
    if "updated_at" in table.c:
        values["updated_at"] = utcnow() if now is None else now
    return values


@dataclass(frozen=True)
class Admitted:
    """A locked row of `table` whose caller may change it and whose version the request's
    precondition names (or which the request did not condition)."""

    table: Table
    row: Any


def admit(table: Table, row: Any, precondition: Precondition) -> Admitted:
    """428 when the precondition is required and missing, 412 when it names another version."""
    precondition.check(row.version)
    return Admitted(table, row)


def statement(change: Admitted, values: dict[str, Any], now: datetime | None = None) -> Update:
    """The UPDATE of an admitted row: its own values and its next version."""
    table = change.table
    return (
        update(table)
        .where(table.c.id == change.row.id)
        .values(**values, **next_version(table, now))
    )


async def write(
    conn: AsyncConnection,
    change: Admitted,
    values: dict[str, Any],
    returning: Sequence[Any],
    now: datetime | None = None,
) -> Row[*tuple[Any, ...]]:
    """Write an admitted row; the row as `returning` selects it after the change."""
    result = await conn.execute(statement(change, values, now).returning(*returning))
    return result.one()


async def touch(
    conn: AsyncConnection,
    table: Table,
    row_id: Any,
    values: dict[str, Any],
    returning: Sequence[Any] = (),
    now: datetime | None = None,
) -> Row[*tuple[Any, ...]] | None:
    """A change to a row beside the request's resource (the task a progress report moves, the
    request a payment adds to): its next version, with no precondition — the request named
    the version of nothing but its own resource. The row as `returning` selects it, if asked."""
    stmt = update(table).where(table.c.id == row_id).values(**values, **next_version(table, now))
    if not returning:
        await conn.execute(stmt)
        return None
    return (await conn.execute(stmt.returning(*returning))).one()
