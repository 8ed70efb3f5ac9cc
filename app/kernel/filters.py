"""The filters every list shares: who may see the rows, soft-deleted rows hidden unless asked,
equality filters where a repeated parameter means OR, and `q` over the search column — as a
shape (which of them a request gives, with how many values) whose statement is built once,
every value a named bound parameter."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Table, select
from sqlalchemy.sql.elements import ColumnElement

from app.access.auth import Caller
from app.access.visibility import AgencyVisibility
from app.core.enums import Role
from app.db import Reader
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
)


class ListShape(NamedTuple):
    """Which of the shared filters a request gives (their values are bound apart)."""

    seen: bool  # an agency's staff: only the rows naming their agency
    include_deleted: bool
    any_of: tuple[
        int, ...
    ]  # per repeated filter: how many bound values (any_of_slots), 0 if absent
    q: bool


def bound_filters(
    caller: Caller,
    visibility: AgencyVisibility | None,
    include_deleted: bool,
    chosen: Sequence[tuple[str, Sequence[Any] | None]],
    q: str | None,
) -> tuple[ListShape, dict[str, Any]]:
    """The shape of a request's shared filters and their values, named as `filter_clauses`
    binds them (`f_<name>_<i>`, `q_query`, the caller's agency)."""
    values: dict[str, Any] = {}
    seen = visibility is not None and caller.role == Role.agency
    if seen:
        assert visibility is not None
        values.update(visibility.parameters(caller))
    slots = []
    for name, given in chosen:
        values.update(any_of_values(f"f_{name}", given or ()))
        slots.append(any_of_slots(len(given or ())))
    query = search_query(q) if q is not None else None
    if query is not None:
        values["q_query"] = query
    return ListShape(seen, include_deleted, tuple(slots), query is not None), values


def filter_clauses(
    table: Table,
    visibility: AgencyVisibility | None,
    shape: ListShape,
    columns: Sequence[tuple[str, ColumnElement[Any]]],
) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a shape's shared filters (`columns`: the repeated filters' names
    and columns, in the order `bound_filters` was given them)."""
    clauses: list[ColumnElement[bool]] = []
    if shape.seen:
        assert visibility is not None
        clauses.append(visibility.bound_clause())
    if not shape.include_deleted and "deleted_at" in table.c:
        clauses.append(table.c.deleted_at.is_(None))
    for (name, column), n in zip(columns, shape.any_of, strict=True):
        if n:
            clauses.append(any_of_bound(column, f"f_{name}", n))
    if shape.q:
        clauses.append(search_bound(table.c.search))
    return clauses


class Extra(NamedTuple):
    """A list's own condition beside the shared ones: its part of the shape, its clauses built
    once for that part, and the values it binds."""

    key: Hashable
    clauses: Callable[[], Sequence[ColumnElement[bool]]]
    values: dict[str, Any]


_SHAPES = Shapes()


async def shaped_page(
    conn: Reader,
    caller: Caller,
    table: Table,
    columns: Sequence[Any],
    params: ListParams,
    *,
    sort_keys: dict[str, Any],
    default_sort: str,
    any_of: Sequence[tuple[str, Sequence[Any] | None, ColumnElement[Any]]] = (),
    q: str | None = None,
    visibility: AgencyVisibility | None = None,
    extra: Extra | None = None,
) -> Page:
    """A page of a resource's list by a statement built once per shape — the sort, a cursor or
    not, the count, the shared filters' shape and the list's `extra` part — with the values
    bound: no statement and no cache key built per request."""
    shape, values = bound_filters(
        caller, visibility, params.include_deleted, [(n, v) for n, v, _ in any_of], q
    )
    if extra is not None:
        values.update(extra.values)
    cursor = bool(params.cursor)
    key = (
        table.name,
        tuple(id(c) for c in columns),
        params.sort,
        cursor,
        params.count,
        shape,
        None if extra is None else extra.key,
    )

    def build() -> PagePlan:
        clauses = filter_clauses(table, visibility, shape, [(n, c) for n, _, c in any_of])
        if extra is not None:
            clauses.extend(extra.clauses())
        keys = parse_sort(params.sort, sort_keys, default_sort)
        return page_plan(select(*columns).where(*clauses), keys, table.c.id, cursor, params.count)

    plan = _SHAPES.get(key, build)
    return await fetch_planned(conn, plan, params, values)
