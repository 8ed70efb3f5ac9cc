"""The columns of a task report over a period, the way the province reports it.

The period's tasks are those assigned by its last day judged (`last`: the period's last day,
or `as_of` when earlier) and neither completed nor cancelled before its first day. Each is
carried in (assigned before the period) or assigned in it, and on the last day it is exactly
one of: completed in the period (on time, late, without deadline), cancelled in it, or open at
its end — on track, due soon, overdue, without deadline, waiting for the office to confirm it,
or paused by decision, all judged on that last day by the rule of app/tasks/timeliness.py. So
every row balances:

    carried_in + assigned_in_period
        = completed_in_period_* + cancelled_in_period + open_at_end_*

`fell_due` counts the deadlines within the period (up to the last day judged) of the tasks
judged on that day — not cancelled, not waiting for the office to confirm them, not paused —
and `fell_due_completed` those of them completed by then; `completion_rate` is the Government
Office's rate, fell_due_completed ÷ fell_due."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Integer, and_, cast, false, func, or_
from sqlalchemy.sql.elements import ColumnElement

from app.core.enums import TaskStatus
from app.tasks.timeliness import OPEN_ANSWERS, buckets_sql, day_sql

COMPLETED_IN_PERIOD = (
    ("completed_in_period_on_time", "completed_on_time"),
    ("completed_in_period_late", "completed_late"),
    ("completed_in_period_no_deadline", "completed_no_deadline"),
)
OPEN_AT_END = tuple((f"open_at_end_{answer}", answer) for answer in OPEN_ANSWERS)
PERIOD_COUNTS = (
    "carried_in",
    "assigned_in_period",
    "fell_due",
    "fell_due_completed",
    *(name for name, _ in COMPLETED_IN_PERIOD),
    "cancelled_in_period",
    *(name for name, _ in OPEN_AT_END),
)
# The two sides of a row's balance.
INTO_PERIOD = ("carried_in", "assigned_in_period")
OUT_OF_PERIOD = (
    *(name for name, _ in COMPLETED_IN_PERIOD),
    "cancelled_in_period",
    *(name for name, _ in OPEN_AT_END),
)


def last_day(end: date | None, as_of: date) -> date:
    """The day a period's end is judged on: its last day, or `as_of` when earlier."""
    return min(end, as_of) if end is not None else as_of


def _between(column: Any, start: date | None, end: date) -> ColumnElement[bool]:
    return and_(*([] if start is None else [column >= day_sql(start)]), column <= day_sql(end))


def marks(
    c: Any, start: date | None, end: date | None, as_of: date, soon_days: int
) -> dict[str, ColumnElement[bool]]:
    """Per task, the condition of each of the period's counts, by column name, and `in_period`
    (assigned in the period) and `counted` (a task of the period at all)."""
    last = last_day(end, as_of)
    at_end = buckets_sql(c, last, soon_days)
    first = day_sql(start) if start is not None else None
    cancelled_by_end = and_(
        c.status == TaskStatus.cancelled,
        c.cancelled_on.is_not(None),
        c.cancelled_on <= day_sql(last),
    )
    gone_before: ColumnElement[bool] = false()
    if first is not None:
        gone_before = and_(
            c.status.in_((TaskStatus.completed, TaskStatus.cancelled)),
            func.coalesce(c.completed_on, c.cancelled_on) < first,
        )
    counted = and_(c.assigned_on <= day_sql(last), ~gone_before)
    in_period = _between(c.assigned_on, start, last)
    done = {name: and_(counted, at_end[answer]) for name, answer in COMPLETED_IN_PERIOD}
    # Judged on the last day: not cancelled, and not waiting for the office nor paused (which
    # count against no one).
    fell_due = and_(
        ~cancelled_by_end,
        ~at_end["awaiting_confirmation"],
        ~at_end["paused"],
        c.due_date.is_not(None),
        _between(c.due_date, start, last) if start is not None or end is not None else false(),
    )
    return {
        "counted": counted,
        "in_period": in_period,
        "carried_in": and_(counted, c.assigned_on < first) if first is not None else false(),
        "assigned_in_period": and_(counted, in_period),
        "fell_due": and_(counted, fell_due),
        "fell_due_completed": and_(counted, fell_due, or_(*done.values())),
        **done,
        "cancelled_in_period": and_(counted, cancelled_by_end),
        **{name: and_(counted, at_end[answer]) for name, answer in OPEN_AT_END},
    }


def counts(marks: dict[str, ColumnElement[bool]], live: ColumnElement[bool]) -> list[Any]:
    """The period's counts over every task of the period, from the marks."""
    return [
        cast(func.count().filter(and_(live, marks[name])), Integer).label(name)
        for name in PERIOD_COUNTS
    ]


def completion_rate(row: dict[str, Any]) -> float | None:
    fell = row["fell_due"]
    return round(row["fell_due_completed"] / fell, 4) if fell else None
