"""Reports: the quarterly grid of tasks by agency (and other groupings), as of any day."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, cast, func, select, true
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from app.access.auth import Caller
from app.access.visibility import AgencyVisibility
from app.agencies import versions as agency_versions
from app.agencies.models import AGENCIES
from app.core.enums import TaskGroupBy
from app.core.labels import LABELS
from app.db import Reader
from app.directives.models import DIRECTIVES
from app.errors.domain import BadRequest
from app.reports import period_columns as report_periods
from app.reports import periods
from app.tasks import as_of
from app.tasks.models import TASKS
from app.tasks.spec import TASK_VISIBILITY
from app.tasks.timeliness import (
    BUCKETS,
    buckets_sql,
    cancelled_sql,
    day_sql,
    days_overdue_sql,
    timeliness_sql,
)

t = TASKS.c
COUNTS = ("assigned", *(name for name, _ in BUCKETS), "cancelled")
GROUPS = tuple(g.value for g in TaskGroupBy)


@dataclass
class TaskReportQuery:
    group_by: str
    start: date | None
    end: date | None
    as_of: date
    soon_days: int
    year: list[int] | None = None
    is_key_task: bool | None = None
    agency_id: list[uuid.UUID] | None = None
    period: str | None = None
    cut: datetime | None = None  # the end of `as_of`, when it is a past day

    @property
    def window(self) -> bool:
        return self.start is not None or self.end is not None


def window(
    start: date | None, end: date | None, period: str | None, calendar: bool
) -> tuple[date | None, date | None]:
    if period is None:
        return start, end
    if start is not None or end is not None:
        raise BadRequest("Give either period or from/to, not both.")
    try:
        p = periods.period(period, calendar)
    except ValueError as exc:
        raise BadRequest(f"period: {exc}") from exc
    return p.start, p.end


def query_for(
    group_by: str,
    start: date | None,
    end: date | None,
    period: str | None,
    calendar: bool,
    as_of_day: date | None,
    today: date,
    soon_days: int,
    tz: ZoneInfo,
    **filters: Any,
) -> TaskReportQuery:
    """The report's query from its parameters: the window (a period or from/to), `as_of`
    (default the window's last day, or today while it runs) and, for a past day, its end."""
    start, end = window(start, end, period, calendar)
    day = as_of_day or (min(end, today) if end is not None else today)
    query = TaskReportQuery(group_by, start, end, day, soon_days, period=period, **filters)
    if day < today:
        query.cut = as_of.end_of(day, tz)
    return query


def on_time_rate(row: dict[str, Any]) -> float | None:
    fell_due = row["completed_on_time"] + row["completed_late"] + row["open_overdue"]
    return round(row["completed_on_time"] / fell_due, 4) if fell_due else None


Grouping = tuple[ColumnElement[Any], ColumnElement[Any], FromClause]


def _by_agency(table: Any, agency: ColumnElement[Any], day: date | None = None) -> Grouping:
    """Group by an agency column, labelled with the agency's name (as it was on `day`, when
    given) in the same query."""
    name: ColumnElement[Any] = AGENCIES.c.name
    if day is not None:
        name = func.coalesce(agency_versions.name_on(agency, day), name)
    return agency, name, table.join(AGENCIES, AGENCIES.c.id == agency)


def _by_column(table: Any, column: ColumnElement[Any]) -> Grouping:
    return column, column, table


GROUP_KEYS = {"lead_agency": "lead_agency_id", "directive": "directive_id"}


def _labels(group_by: str, grid: Any, day: date) -> tuple[ColumnElement[Any], FromClause]:
    """The label of each group of a counted grid (keyed `key`), and the grid joined to it; an
    agency is named as it was on `day`."""
    if group_by == "lead_agency":
        label = func.coalesce(agency_versions.name_on(grid.c.key, day), AGENCIES.c.name)
        return label, grid.join(AGENCIES, AGENCIES.c.id == grid.c.key)
    if group_by == "directive":
        return DIRECTIVES.c.code, grid.outerjoin(DIRECTIVES, DIRECTIVES.c.id == grid.c.key)
    return grid.c.key, grid


def _group(group_by: str, src: Any) -> Grouping:
    """(key, label, FROM clause) of a task grouping, over `src` (tasks, or tasks as of a day)."""
    c = src.c
    if group_by == "lead_agency":
        return _by_agency(src, c.lead_agency_id)
    if group_by == "directive":
        return (
            c.directive_id,
            DIRECTIVES.c.code,
            src.outerjoin(DIRECTIVES, DIRECTIVES.c.id == c.directive_id),
        )
    return _by_column(src, c[group_by])


def _visible(visibility: AgencyVisibility, caller: Caller) -> list[ColumnElement[bool]]:
    """Not deleted, and seen by the caller."""
    seen = visibility.clause(caller)
    return [visibility.table.c.deleted_at.is_(None), *([] if seen is None else [seen])]


def _count_each(column: ColumnElement[Any], values: tuple[str, ...], prefix: str) -> list[Any]:
    return [cast(func.count().filter(column == v), Integer).label(f"{prefix}_{v}") for v in values]


def _nonzero(m: Any, values: tuple[str, ...], prefix: str) -> dict[str, int]:
    return {v: m[f"{prefix}_{v}"] for v in values if m[f"{prefix}_{v}"]}


async def _grouped(
    conn: Reader,
    grouping: Grouping,
    columns: list[Any],
    clauses: list[ColumnElement[bool]],
) -> list[Any]:
    """One row per group, ordered by label, as plain mappings."""
    key, label, source = grouping
    stmt = (
        select(key.label("key"), label.label("label"), func.count().label("count"), *columns)
        .select_from(source)
        .where(and_(*clauses))
        .group_by(key, label)
        .order_by(label.asc().nulls_last())
    )
    return [dict(r._mapping) for r in (await conn.execute(stmt)).all()]


def _label(m: dict[str, Any], labels: dict[str, tuple[str, str]]) -> str | None:
    return labels[m["key"]][0] if m["key"] in labels else m["label"]


def _task_clauses(
    caller: Caller, q: TaskReportQuery, t: Any, in_where: bool = True
) -> list[ColumnElement[bool]]:
    seen = TASK_VISIBILITY.clause(caller, t)
    clauses = [
        *([] if seen is None else [seen]),
        # A sub-task is the lead agency's own split of a task: the task counts once.
        t.parent_id.is_(None),
        # Tasks assigned after the day judged are left out.
        t.assigned_on <= day_sql(report_periods.last_day(q.end, q.as_of) if q.window else q.as_of),
    ]
    if in_where and q.start is not None:
        clauses.append(t.assigned_on >= q.start)
    if in_where and q.end is not None:
        clauses.append(t.assigned_on <= q.end)
    if q.year:
        clauses.append(t.year.in_(q.year))
    if q.is_key_task is not None:
        clauses.append(t.is_key_task.is_(q.is_key_task))
    if q.agency_id:
        clauses.append(TASK_VISIBILITY.involving(q.agency_id, t))
    return clauses


def _rows_and_totals(
    found: list[dict[str, Any]], group_by: str, window: bool
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Labels, rates and the totals row."""
    # Column names of a subquery come back as SQLAlchemy's str subclass, which orjson refuses.
    rows = [{str(k): v for k, v in r.items()} for r in found]
    labels = LABELS.get(
        {"pillar": "task_pillar", "priority": "task_priority"}.get(group_by, ""), {}
    )
    for row in rows:
        if row["key"] in labels:
            row["label"] = labels[row["key"]][0]
        row["on_time_rate"] = on_time_rate(row)
    totals: dict[str, Any] = {"key": None, "label": "Tổng cộng"}
    for name in (*COUNTS, *(report_periods.PERIOD_COUNTS if window else ())):
        totals[name] = sum(r[name] for r in rows)
    for row in (*rows, totals) if window else ():
        row["completion_rate"] = report_periods.completion_rate(row)
    totals["on_time_rate"] = on_time_rate(totals)
    return rows, totals


@dataclass
class _Counted:
    """What a report counts over: the tasks (as they stand, or as of a past day), the
    conditions that select them, and over a period the per-task marks of its columns."""

    src: Any
    clauses: list[ColumnElement[bool]]
    marks: dict[str, ColumnElement[bool]]
    # Not deleted on the day: in `clauses` for the tasks as they stand; for the tasks as of a
    # past day it is a condition over the versions joined in, which the planner cannot
    # estimate (it guessed 0.5 % of a million rows and grouped by sorting, 250 ms more), so the
    # grid counts it in each column's filter instead.
    live: ColumnElement[bool]


async def _counted(conn: Reader, caller: Caller, q: TaskReportQuery) -> _Counted:
    if q.group_by not in GROUPS:
        raise BadRequest(f"group_by must be one of {', '.join(GROUPS)}.")
    # A past day is judged by what was in force then; today by the tasks as they stand.
    changed = q.cut is not None and await as_of.changed_since(conn, q.cut)
    src: Any = as_of.tasks_as_of(q.cut) if changed and q.cut is not None else TASKS
    live = src.c.deleted_at.is_(None)
    clauses = _task_clauses(caller, q, src.c, in_where=not q.window)
    if src is TASKS:
        clauses.append(live)
    marks = report_periods.marks(src.c, q.start, q.end, q.as_of, q.soon_days) if q.window else {}
    if q.window:
        # Every task of the period: carried in, or assigned in it.
        clauses.append(marks["counted"])
    return _Counted(src, clauses, marks, true() if src is TASKS else live)


async def _judged(conn: Reader, caller: Caller, q: TaskReportQuery) -> Any:
    """One row per task the report counts: its group, its timeliness on `as_of` and, over a
    period, the marks of the period's columns — as a subquery."""
    counted = await _counted(conn, caller, q)
    c = counted.src.c
    key, label, source = _group(q.group_by, counted.src)
    rule = timeliness_sql(c, q.as_of, q.soon_days)
    return (
        select(
            c.id.label("task_id"),
            c.code.label("code"),
            key.label("key"),
            label.label("label"),
            rule.label("timeliness"),
            cancelled_sql(c, q.as_of).label("cancelled"),
            c.due_date.label("due_date"),
            c.completed_on.label("completed_on"),
            days_overdue_sql(c, q.as_of).label("days_overdue"),
            c.lead_agency_id.label("lead_agency_id"),
            c.cooperating_agency_ids.label("cooperating_agency_ids"),
            *(
                counted.marks[name].label(name)
                for name in ("in_period", *report_periods.PERIOD_COUNTS)
                if counted.marks
            ),
        )
        .select_from(source)
        .where(and_(counted.live, *counted.clauses))
        .subquery()
    )


async def task_figures(conn: Reader, caller: Caller, q: TaskReportQuery) -> list[dict[str, Any]]:
    """Each counted task with its group, timeliness and period marks: what a report is made of
    (kept with a frozen snapshot, to say later which tasks moved)."""
    judged = await _judged(conn, caller, q)
    rows = (await conn.execute(select(judged).order_by(judged.c.code))).all()
    return [{str(k): v for k, v in r._mapping.items() if k != "label"} for r in rows]


def _columns(counted: _Counted, q: TaskReportQuery) -> list[Any]:
    """The grid's columns: one `count(*) FILTER` each, the timeliness rule as conditions."""
    c = counted.src.c
    buckets = buckets_sql(c, q.as_of, q.soon_days)
    cancelled = cancelled_sql(c, q.as_of)
    # The fields of before count the tasks assigned in the period.
    only = counted.marks["in_period"] if q.window else true()

    def count(*conditions: ColumnElement[bool]) -> Any:
        return cast(func.count().filter(and_(counted.live, *conditions)), Integer)

    return [
        count(only, ~cancelled).label("assigned"),
        *(count(only, buckets[bucket]).label(name) for name, bucket in BUCKETS),
        # Cancelled tasks stay on the books, as cancelled (not assigned, not judged).
        count(only, cancelled).label("cancelled"),
        *(report_periods.counts(counted.marks, counted.live) if q.window else []),
    ]


def _grid(counted: _Counted, q: TaskReportQuery) -> Any:
    """The counts per group, keyed `key`, as a subquery."""
    c, columns = counted.src.c, _columns(counted, q)
    if counted.src is not TASKS and q.group_by == TaskGroupBy.lead_agency:
        # As of a past day a task's lead agency is its version's or today's. Grouped by the
        # expression choosing between them, the planner (which knows nothing of its values)
        # sorted half a million rows; grouped by the pair (sixty values each), it hashes, and
        # the pairs are merged after.
        now, then = c.lead_agency_id_now, c.lead_agency_id_then
        pairs = (
            select(now.label("now"), then.label("then"), *columns)
            .select_from(counted.src)
            .where(and_(*counted.clauses))
            .group_by(now, then)
            .subquery("pairs")
        )
        merged = func.coalesce(pairs.c.then, pairs.c.now)
        sums = [
            cast(func.sum(col), Integer).label(col.name)
            for col in pairs.c
            if col.name not in ("now", "then")
        ]
        return select(merged.label("key"), *sums).group_by(merged).subquery("grid")
    key = c[GROUP_KEYS.get(q.group_by, q.group_by)]
    return (
        select(key.label("key"), *columns)
        .select_from(counted.src)
        .where(and_(*counted.clauses))
        .group_by(key)
        .subquery("grid")
    )


async def _holders(conn: Reader, rows: list[dict[str, Any]]) -> None:
    """Each agency's row says who holds its work now, where it has since been merged or
    dissolved (`successor_id`, `successor_label`; null otherwise)."""
    held = await agency_versions.holders(conn, [r["key"] for r in rows])
    for row in rows:
        holder = held.get(row["key"])
        row["successor_id"] = holder["id"] if holder else None
        row["successor_label"] = holder["name"] if holder else None


async def task_report(conn: Reader, caller: Caller, q: TaskReportQuery) -> dict[str, Any]:
    """The grid: counted straight over the tasks, one `count(*) FILTER` per column with the
    timeliness rule as conditions (`buckets_sql`), grouped by the key alone; the labels are
    joined to the few groups afterwards."""
    counted = await _counted(conn, caller, q)
    window = q.window
    grid = _grid(counted, q)
    label, labelled = _labels(q.group_by, grid, q.as_of)
    stmt = (
        select(grid.c.key, label.label("label"), *(col for col in grid.c if col.name != "key"))
        .select_from(labelled)
        .order_by(label.asc().nulls_last())
    )
    rows, totals = _rows_and_totals(
        [dict(r._mapping) for r in (await conn.execute(stmt)).all()], q.group_by, window
    )
    if q.group_by == TaskGroupBy.lead_agency:
        await _holders(conn, rows)
    return {
        "group_by": q.group_by,
        "period": q.period,
        "from": q.start,
        "to": q.end,
        "as_of": q.as_of,
        "items": rows,
        "totals": totals,
    }
