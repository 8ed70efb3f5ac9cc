"""Shared list machinery: sort parsing, opaque keyset cursors, counting (API.md §1 Lists)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Integer,
    Select,
    SmallInteger,
    String,
    TypeDecorator,
    Uuid,
    and_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from app.core.text import TextError, search_words
from app.db import Reader
from app.errors.domain import BadRequest

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class ListParams:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    sort: str | None = None
    count: bool = False
    include_deleted: bool = False


@dataclass(frozen=True)
class SortKey:
    name: str
    column: ColumnElement[Any]
    descending: bool
    field: str  # the selected column holding this key's value, for the cursor


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None
    total: int | None


def parse_sort(
    raw: str | None,
    allowed: Mapping[str, ColumnElement[Any]],
    default: str,
    fields: Mapping[str, str] | None = None,
) -> list[SortKey]:
    """`sort=due_date,-created_at` → sort keys; an unknown key is a 400.

    `fields` names the selected column carrying a key's value when the key sorts on an
    expression (e.g. a deadline with NULLs placed last)."""
    keys: list[SortKey] = []
    seen: set[str] = set()
    for part in (raw or default).split(","):
        part = part.strip()
        descending = part.startswith("-")
        name = part.lstrip("-+")
        if name not in allowed:
            raise BadRequest(
                f"Unknown sort key '{name}'. Allowed: {', '.join(sorted(allowed))}.",
                allowed_sort_keys=sorted(allowed),
            )
        if name in seen:
            raise BadRequest(f"Sort key '{name}' given twice.")
        seen.add(name)
        keys.append(SortKey(name, allowed[name], descending, (fields or {}).get(name, name)))
    return keys


def _encode(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


# The range of each integer type a sort key may have: a cursor value outside it names no row
# and would fail in PostgreSQL, so it is a bad cursor (money is bigint, progress int4).
_INT_RANGES = ((BigInteger, 2**63), (SmallInteger, 2**15), (Integer, 2**31))


def _decode(value: Any, column: ColumnElement[Any]) -> Any:
    """A cursor value back into the type of its sort key's column; ValueError when it cannot
    be one (wrong JSON type, out of the column's range, NUL in text)."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, TypeDecorator):  # e.g. SQLModel's AutoString: judge by what it wraps
        kind = kind.impl_instance
    if isinstance(kind, Integer):
        if type(value) is not int:
            raise ValueError("not an integer")
        bound = next(limit for cls, limit in _INT_RANGES if isinstance(kind, cls))
        if not -bound <= value < bound:
            raise ValueError("out of range")
        return value
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("not text")
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Uuid):
        return uuid.UUID(value)
    if isinstance(kind, String):
        return value
    raise ValueError(f"no cursor decoding for {kind!r}")


def encode_cursor(keys: list[SortKey], row: Any, id_name: str = "id") -> str:
    values = [_encode(row._mapping[k.field]) for k in keys] + [str(getattr(row, id_name))]
    payload = orjson.dumps({"s": [k.name for k in keys], "v": values})
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, keys: list[SortKey]) -> list[Any]:
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        names, values = payload["s"], payload["v"]
        if names != [k.name for k in keys] or len(values) != len(keys) + 1:
            raise ValueError("cursor made for another sort order")
        decoded = [_decode(v, k.column) for v, k in zip(values, keys, strict=False)]
        if not isinstance(values[-1], str):
            raise ValueError("the id is not text")
        decoded.append(uuid.UUID(values[-1]))
        return decoded
    except (ValueError, KeyError, TypeError) as exc:
        raise BadRequest(
            "Invalid cursor: pass the next_cursor of the previous page with the same sort."
        ) from exc


def _after(
    keys: list[SortKey], id_col: ColumnElement[Any], values: list[Any]
) -> ColumnElement[bool]:
    """Rows strictly after the cursor position in the (mixed-direction) sort order."""
    columns = [(k.column, k.descending) for k in keys] + [(id_col, keys[-1].descending)]
    clauses = []
    for i, (col, desc) in enumerate(columns):
        equal = [c == v for (c, _), v in zip(columns[:i], values[:i], strict=False)]
        step = col < values[i] if desc else col > values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)


def search_query(q: str) -> str | None:
    """The tsquery of q: every word as a prefix (None when q holds no word)."""
    try:
        words = search_words(q)
    except TextError as exc:
        raise BadRequest(f"q: {exc}", errors=[{"field": "q", "message": str(exc)}]) from exc
    return " & ".join(f"{w}:*" for w in words) if words else None


def search_bound(search_col: ColumnElement[Any]) -> ColumnElement[bool]:
    """Every word of q, as a prefix, diacritics- and case-insensitively: the tsquery bound as
    the parameter `q_query` (see `search_query`)."""
    return search_col.op("@@")(func.to_tsquery("simple", bindparam("q_query", type_=String)))


class Shapes:
    """Statements built once per shape — which filters a request gives, its sort, whether it
    has a cursor — with every value a named bound parameter: a list request then builds no
    SQLAlchemy objects and computes no cache key (the statement's is memoised on it); the
    read path sends the same SQL, so one prepared statement serves it (app/db/reads.py).
    A bounded map: shapes are few."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self.built: dict[Any, Any] = {}

    def get(self, key: Any, build: Callable[[], Any]) -> Any:
        found = self.built.get(key)
        if found is None:
            if len(self.built) >= self.size:
                self.built.clear()
            found = self.built[key] = build()
        return found


def any_of_slots(count: int) -> int:
    """How many bound values a list of `count` values takes: the next power of two, so a
    shape has a handful of sizes and its SQL text never changes with the values."""
    return 1 << (count - 1).bit_length() if count > 0 else 0


def any_of_values(name: str, chosen: Sequence[Any]) -> dict[str, Any]:
    """The values of `any_of_bound(column, name, any_of_slots(len(chosen)))`: the last one
    repeated into the spare slots (a repeated value matches nothing more)."""
    slots = any_of_slots(len(chosen))
    return {f"{name}_{i}": chosen[min(i, len(chosen) - 1)] for i in range(slots)}


def any_of_bound(column: ColumnElement[Any], name: str, slots: int) -> ColumnElement[bool]:
    """`column IN (:name_0, …)` with `slots` bound values: the statement is compiled once per
    size, and each execution binds its values without SQLAlchemy rendering the list anew."""
    return column.in_([bindparam(f"{name}_{i}", type_=column.type) for i in range(slots)])


@dataclass(frozen=True)
class PagePlan:
    """A list statement of one shape made into its page (and count) statements."""

    keys: list[SortKey]
    page: Select[*tuple[Any, ...]]
    count: Select[*tuple[Any, ...]] | None


def page_plan(
    stmt: Select[*tuple[Any, ...]],
    keys: list[SortKey],
    id_col: ColumnElement[Any],
    cursor: bool,
    count: bool,
) -> PagePlan:
    """The page statement: after the cursor's position (bound `cursor_0`…, then the id), in
    the keys' order, `page_limit` rows; and the count when asked."""
    page = stmt
    if cursor:
        positions = [
            bindparam(f"cursor_{i}", type_=column.type)
            for i, column in enumerate([*(k.column for k in keys), id_col])
        ]
        page = page.where(_after(keys, id_col, positions))
    page = page.order_by(*_order(keys, id_col)).limit(bindparam("page_limit", type_=Integer))
    counted = select(func.count()).select_from(stmt.order_by(None).subquery()) if count else None
    return PagePlan(keys, page, counted)


async def fetch_planned(
    conn: Reader, plan: PagePlan, params: ListParams, bind: dict[str, Any]
) -> Page:
    """Run a page plan with the request's values: the same page `fetch_page` gives."""
    values = {**bind, "page_limit": params.limit + 1}
    if params.cursor:
        for i, value in enumerate(decode_cursor(params.cursor, plan.keys)):
            values[f"cursor_{i}"] = value
    total = None
    if plan.count is not None:
        total = (await conn.execute(plan.count, bind)).scalar_one()
    rows = list((await conn.execute(plan.page, values)).all())
    return _paged(rows, plan.keys, params.limit, total)


async def fetch_page(
    conn: Reader,
    stmt: Select[*tuple[Any, ...]],
    keys: list[SortKey],
    id_col: ColumnElement[Any],
    params: ListParams,
    bind: dict[str, Any] | None = None,
) -> Page:
    """Run a list query with keyset pagination; count only when asked. `bind` gives the
    values of named bound parameters the statement carries."""
    total = None
    if params.count:
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = (await conn.execute(count_stmt, bind)).scalar_one()
    page_stmt = stmt
    if params.cursor:
        page_stmt = page_stmt.where(_after(keys, id_col, decode_cursor(params.cursor, keys)))
    page_stmt = page_stmt.order_by(*_order(keys, id_col)).limit(params.limit + 1)
    rows = list((await conn.execute(page_stmt, bind)).all())
    return _paged(rows, keys, params.limit, total)


def _order(keys: list[SortKey], id_col: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    """The keys' order; the id breaks ties in the direction of the last key, so one index
    serves both ways."""
    order = [k.column.desc() if k.descending else k.column.asc() for k in keys]
    return [*order, id_col.desc() if keys[-1].descending else id_col.asc()]


def _paged(rows: list[Any], keys: list[SortKey], limit: int, total: int | None) -> Page:
    """A page of `limit` rows out of the `limit + 1` read, with the cursor of the next."""
    if len(rows) <= limit:
        return Page(rows, None, total)
    rows = rows[:limit]
    return Page(rows, encode_cursor(keys, rows[-1]), total)
