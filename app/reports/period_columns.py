"""The columns of a task report over a period, the way the province reports it: what was
carried in (assigned before the period, open at its start), what was assigned in it, what fell
due in it, what was completed in it (on time / late), what stays open at its end (on track / due
soon / overdue), and two rates — `on_time_rate` as before and `completion_rate` as the
Government Office reports it: of the tasks that fell due in the period, the share completed by
its end (on time or late)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Integer, and_, cast, false, func, or_, true
from sqlalchemy.sql.elements import ColumnElement

from app.core.enums import TaskStatus
from app.tasks.timeliness import day_sql

OPEN_AT_END = (
    ("open_at_end_on_track", "on_track"),
    ("open_at_end_due_soon", "due_soon"),
    ("open_at_end_overdue", "overdue"),
)
PERIOD_COUNTS = (
    "carried_in",
    "assigned_in_period",
    "fell_due",
    "fell_due_completed",
    "completed_in_period_on_time",
    "completed_in_period_late",
    *(name for name, _ in OPEN_AT_END),
)


def _between(column: Any, start: date | None, end: date | None) -> ColumnElement[bool]:
    parts = [
        *([] if start is None else [column >= day_sql(start)]),
        *([] if end is None else [column <= day_sql(end)]),
    ]
    return and_(*parts) if parts else true()


def marks(c: Any, start: date | None, end: date | None, as_of: date) -> dict[str, Any]:
    """Per task, the conditions the period's counts are made of, by column name."""
    last = min(end, as_of) if end is not None else as_of
    completed = and_(c.status == TaskStatus.completed, c.completed_on <= day_sql(as_of))
    done_in_period = and_(completed, _between(c.completed_on, start, last))
    # Fallen due by the period's end, or by `as_of` while the period runs.
    fell_due = _between(c.due_date, start, last) if start or end else false()
    late = and_(c.due_date.is_not(None), c.completed_on > c.due_date)
    carried = (
        false()
        if start is None
        else and_(c.assigned_on < day_sql(start), or_(~completed, c.completed_on >= day_sql(start)))
    )
    return {
        "in_period": _between(c.assigned_on, start, end),
        "carried_in": carried,
        "fell_due": and_(c.status != TaskStatus.cancelled, c.due_date.is_not(None), fell_due),
        "fell_due_completed": and_(
            c.due_date.is_not(None), fell_due, completed, c.completed_on <= day_sql(last)
        ),
        "completed_in_period_on_time": and_(done_in_period, ~late),
        "completed_in_period_late": and_(done_in_period, late),
    }


def counts(
    marks: dict[str, Any], buckets: dict[str, ColumnElement[bool]], cancelled: ColumnElement[bool]
) -> list[Any]:
    """The period's counts over every task of the period (not only those assigned in it),
    from the marks and the timeliness conditions on `as_of`."""
    conditions = {**marks, "assigned_in_period": and_(marks["in_period"], ~cancelled)}
    return [
        *(
            cast(func.count().filter(conditions[name]), Integer).label(name)
            for name in PERIOD_COUNTS[:6]
        ),
        *(
            cast(func.count().filter(buckets[bucket]), Integer).label(name)
            for name, bucket in OPEN_AT_END
        ),
    ]


def completion_rate(row: dict[str, Any]) -> float | None:
    fell = row["fell_due"]
    return round(row["fell_due_completed"] / fell, 4) if fell else None
