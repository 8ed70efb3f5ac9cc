"""The filters every list shares: who may see the rows, soft-deleted rows hidden unless asked,
equality filters where a repeated parameter means OR, and `q` over the search column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.sql.elements import ColumnElement

from app.kernel.listing import text_search


def list_clauses(
    table: Table,
    *,
    seen: ColumnElement[bool] | None,
    include_deleted: bool,
    any_of: Iterable[tuple[Sequence[Any] | None, ColumnElement[Any]]] = (),
    q: str | None = None,
) -> list[ColumnElement[bool]]:
    """WHERE clauses of a list; the service appends what is its own."""
    clauses: list[ColumnElement[bool]] = []
    if seen is not None:
        clauses.append(seen)
    if not include_deleted:
        clauses.append(table.c.deleted_at.is_(None))
    for values, column in any_of:
        if values:
            clauses.append(column.in_(list(values)))
    if q is not None:
        match = text_search(table.c.search, q)
        if match is not None:
            clauses.append(match)
    return clauses
