"""The filters every list shares: who may see the rows, soft-deleted rows hidden unless asked,
equality filters where a repeated parameter means OR, and `q` over the search column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.sql.elements import ColumnElement

from app.auth import Caller
from app.db import Reader
from app.enums import Role
from app.kernel.listing import (
    ListParams,
    Page,
    PagePlan,
    Shapes,
    any_of_bound,
    any_of_slots,
    any_of_values,
    fetch_planned,
    page_plan,
    parse_sort,
    search_bound,
    search_query,
    text_search,
)
from app.kernel.visibility import AgencyVisibility


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


_SHAPES = Shapes()


async def shaped_page(
    conn: Reader,
    table: Table,
    columns: Sequence[Any],
    params: ListParams,
    *,
    sort_keys: dict[str, Any],
    default_sort: str,
    any_of: Sequence[tuple[str, Sequence[Any] | None, ColumnElement[Any]]] = (),
    q: str | None = None,
    visibility: AgencyVisibility | None = None,
    caller: Caller | None = None,
) -> Page:
    """A page of a resource's list by a statement built once per shape — the sort, a cursor or
    not, the count, deleted rows, the caller's visibility, which filters are given with how
    many values (1, 2, 4, 8…), a search or not — every value bound (`f_<name>_<i>`, `q_query`,
    the caller's agency): the same rows, order and cursors as `fetch_page` over
    `list_clauses`, without a statement and its cache key built per request."""
    seen = visibility is not None and caller is not None and caller.role == Role.agency
    query = search_query(q) if q is not None else None
    values: dict[str, Any] = {}
    slots = []
    for name, chosen, _ in any_of:
        values.update(any_of_values(f"f_{name}", chosen or ()))
        slots.append(any_of_slots(len(chosen or ())))
    if seen:
        assert visibility is not None and caller is not None
        values.update(visibility.parameters(caller))
    if query is not None:
        values["q_query"] = query
    cursor = bool(params.cursor)
    key = (
        table.name,
        tuple(id(c) for c in columns),
        params.sort,
        cursor,
        params.count,
        params.include_deleted,
        seen,
        tuple(slots),
        query is not None,
    )

    def build() -> PagePlan:
        clauses: list[ColumnElement[bool]] = []
        if seen:
            assert visibility is not None
            clauses.append(visibility.bound_clause())
        if not params.include_deleted:
            clauses.append(table.c.deleted_at.is_(None))
        for (name, _, column), n in zip(any_of, slots, strict=True):
            if n:
                clauses.append(any_of_bound(column, f"f_{name}", n))
        if query is not None:
            clauses.append(search_bound(table.c.search))
        keys = parse_sort(params.sort, sort_keys, default_sort)
        return page_plan(select(*columns).where(*clauses), keys, table.c.id, cursor, params.count)

    plan = _SHAPES.get(key, build)
    return await fetch_planned(conn, plan, params, values)
