"""Agencies over time: each change of name, short name, parent, status or successor starts a
version on the day it takes effect (`agency_versions`, migration 0015). Whatever is shown as of
a day — a report's groups, its detail of late tasks, an agency read `as_of` — names the agency
as it was that day, and says who holds its work now where it has since been merged or
dissolved."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String, Uuid, bindparam, func, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from app.agencies.version_models import AGENCY_VERSIONS
from app.db import Reader
from app.errors.domain import field_error
from app.tasks.timeliness import day_sql

v = AGENCY_VERSIONS.c
VERSIONED = ("name", "short_name", "parent_id", "status", "successor_id")
# The agencies' state as they stand after the change, written as the version of `day` (null:
# the first version) — or, for an agency whose latest version is later, of that later day.
# The moment recorded is the stamped clock of the demo's replay, else now.
_RECORD = text(
    """
    INSERT INTO agency_versions (agency_id, valid_from, name, short_name, parent_id, status,
                                 successor_id, recorded_at, comment)
    SELECT ag.id,
           CASE WHEN CAST(:day AS date) IS NULL THEN NULL
                ELSE greatest(CAST(:day AS date),
                              (SELECT max(valid_from) FROM agency_versions WHERE agency_id = ag.id))
           END,
           ag.name, ag.short_name, ag.parent_id, ag.status, ag.successor_id,
           coalesce(nullif(current_setting('dondoc.now', true), '')::timestamptz, now()),
           CAST(:comment AS text)
    FROM agencies ag WHERE ag.id = ANY(:ids)
    ON CONFLICT (agency_id, valid_from) DO UPDATE SET
        name = excluded.name, short_name = excluded.short_name, parent_id = excluded.parent_id,
        status = excluded.status, successor_id = excluded.successor_id,
        recorded_at = excluded.recorded_at, comment = coalesce(excluded.comment,
                                                               agency_versions.comment)
    """
).bindparams(
    bindparam("day", type_=Date()),
    bindparam("ids", type_=ARRAY(Uuid())),
    bindparam("comment", type_=String()),
)


async def record(
    conn: AsyncConnection, ids: Iterable[uuid.UUID], day: date | None, comment: str | None = None
) -> None:
    """The agencies as they now stand, in force from `day` (null: their first version)."""
    wanted = sorted(set(ids))
    if wanted:
        await conn.execute(_RECORD, {"day": day, "ids": wanted, "comment": comment})


async def latest_day(conn: AsyncConnection, agency_id: uuid.UUID) -> date | None:
    stmt = select(func.max(v.valid_from)).where(v.agency_id == agency_id)
    found: date | None = (await conn.execute(stmt)).scalar()
    return found


async def check_day(
    conn: AsyncConnection, agency_id: uuid.UUID, day: date, field: str = "effective_on"
) -> None:
    """A change cannot take effect before the agency's last recorded change (422)."""
    latest = await latest_day(conn, agency_id)
    if latest is not None and day < latest:
        raise field_error(
            field,
            f"the agency's last recorded change took effect on {latest}; "
            "a later change cannot take effect before it",
        )


def _in_force(agency: ColumnElement[Any], day: date) -> Any:
    """The version of `agency` in force on `day`: the latest begun by then, else the first."""
    return (
        select(AGENCY_VERSIONS)
        .where(v.agency_id == agency, or_(v.valid_from.is_(None), v.valid_from <= day))
        .order_by(v.valid_from.desc().nulls_last())
        .limit(1)
    )


def name_on(agency: ColumnElement[Any], day: date) -> ColumnElement[Any]:
    """The agency's name on `day` (one probe of the versions' index), as a scalar subquery."""
    stmt = (
        select(v.name)
        .where(v.agency_id == agency, or_(v.valid_from.is_(None), v.valid_from <= day_sql(day)))
        .order_by(v.valid_from.desc().nulls_last())
        .limit(1)
    )
    return stmt.scalar_subquery()


async def state_on(conn: Reader, agency_id: uuid.UUID, day: date) -> dict[str, Any] | None:
    row = (await conn.execute(_in_force(bindparam("a", agency_id, Uuid()), day))).first()
    return None if row is None else {k: row._mapping[k] for k in VERSIONED}


async def versions(conn: Reader, agency_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every version, oldest first, each with the last day it was in force."""
    rows = (
        await conn.execute(
            select(AGENCY_VERSIONS)
            .where(v.agency_id == agency_id)
            .order_by(v.valid_from.asc().nulls_first())
        )
    ).all()
    items = []
    for index, row in enumerate(rows):
        following = rows[index + 1].valid_from if index + 1 < len(rows) else None
        body = {k: row._mapping[k] for k in (*VERSIONED, "valid_from", "recorded_at", "comment")}
        body["valid_to"] = following - timedelta(days=1) if following else None
        items.append(body)
    return items


# Each agency asked about, followed along its successors to the one holding its work now.
_HOLDERS = text(
    """
    WITH RECURSIVE chain(start, id, successor_id, depth) AS (
        SELECT ag.id, ag.id, ag.successor_id, 0 FROM agencies ag
        WHERE ag.id = ANY(:ids) AND ag.successor_id IS NOT NULL
      UNION ALL
        SELECT c.start, ag.id, ag.successor_id, c.depth + 1
        FROM chain c JOIN agencies ag ON ag.id = c.successor_id
        WHERE c.depth < 50 AND ag.id <> c.start
    )
    SELECT DISTINCT ON (c.start) c.start, ag.id, ag.name, ag.code
    FROM chain c JOIN agencies ag ON ag.id = c.id
    WHERE c.depth > 0
    ORDER BY c.start, c.depth DESC
    """
).bindparams(bindparam("ids", type_=ARRAY(Uuid())))


async def holders(conn: Reader, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """For each agency since merged or dissolved: the agency that holds its work now (the
    last of its successors), as {id, name, code}; the others are left out."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = (await conn.execute(_HOLDERS, {"ids": wanted})).all()
    return {r.start: {"id": r.id, "name": r.name, "code": r.code} for r in rows}


# Each (agency, day) asked about, with the agency's name that day.
_NAMES_ON = text(
    """
    SELECT p.id, p.day,
           (SELECT v.name FROM agency_versions v
            WHERE v.agency_id = p.id AND (v.valid_from IS NULL OR v.valid_from <= p.day)
            ORDER BY v.valid_from DESC NULLS LAST LIMIT 1) AS name
    FROM unnest(CAST(:ids AS uuid[]), CAST(:days AS date[])) AS p(id, day)
    """
).bindparams(bindparam("ids", type_=ARRAY(Uuid())), bindparam("days", type_=ARRAY(Date())))


def _agencies_named(changes: dict[str, Any]) -> set[uuid.UUID]:
    """The agencies a history entry's changes name (fields `…agency_id(s)`)."""
    found: set[uuid.UUID] = set()
    for field, change in changes.items():
        if not field.endswith(("agency_id", "agency_ids")) or not isinstance(change, dict):
            continue
        for value in (change.get("old"), change.get("new")):
            for item in value if isinstance(value, list) else [value]:
                try:
                    found.add(uuid.UUID(str(item)))
                except ValueError:
                    continue
    return found


async def name_history(conn: Reader, rows: list[Any], tz: ZoneInfo) -> list[dict[str, Any]]:
    """History entries, each with `agency_names`: every agency its changes name, with its name
    on the day of the change (in the province), in one query for the page."""
    items = [dict(r._mapping) for r in rows]
    wanted = sorted(
        {
            (agency, item["occurred_at"].astimezone(tz).date())
            for item in items
            for agency in _agencies_named(item["changes"] or {})
        }
    )
    names: dict[tuple[uuid.UUID, date], str] = {}
    if wanted:
        params = {"ids": [a for a, _ in wanted], "days": [d for _, d in wanted]}
        for row in (await conn.execute(_NAMES_ON, params)).all():
            if row.name is not None:
                names[(row.id, row.day)] = row.name
    for item in items:
        day = item["occurred_at"].astimezone(tz).date()
        item["agency_names"] = {
            str(agency): names[(agency, day)]
            for agency in sorted(_agencies_named(item["changes"] or {}))
            if (agency, day) in names
        }
    return items
