"""Timeliness of a task, correct to the day: one rule, in Python and in SQL.

Open tasks (new, in_progress, awaiting_confirmation, paused): `no_deadline` without a due date,
`overdue` when today > due_date, `due_soon` when the due date is at most DUE_SOON_DAYS away,
`on_track` otherwise. Completed tasks: `completed_no_deadline`, `completed_on_time`
(completed_on <= due_date) or `completed_late`. Cancelled: null. Seen from a day before its completion (`as_of`), a completed task counts
as open. `days_overdue` is set for
overdue (today - due_date) and late ones (completed_on - due_date).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, DateTime, Integer, and_, case, cast, literal, null, or_
from sqlalchemy.sql.elements import ColumnElement

from app.core.enums import TaskStatus

OPEN_STATUSES: tuple[str, ...] = (
    TaskStatus.new,
    TaskStatus.in_progress,
    TaskStatus.awaiting_confirmation,
    TaskStatus.paused,
)


def _open_values() -> list[ColumnElement[Any]]:
    """The open statuses as bound values of their own: an IN list of constants that is part of
    the statement, never an expanding list rendered anew at each execution."""
    return [literal(TaskStatus(s).value) for s in OPEN_STATUSES]


def _as_of(status: str, completed_on: date | None, today: date) -> str:
    # Seen from a day before its completion, a completed task was still open.
    if status == TaskStatus.completed and completed_on is not None and completed_on > today:
        return TaskStatus.in_progress
    return status


DayValue = date | ColumnElement[Any]  # a day, or a bound parameter standing for one


def day_sql(day: date) -> ColumnElement[Any]:
    """A day written into the statement, not sent as a parameter: a report's statement is then
    planned for its own day. With a parameter PostgreSQL settles, after five runs, on a generic
    plan made for no day in particular: prepared and run six times as of today, the grid run as
    of 2023-06-30 filtered `assigned_on <= $1` with a third of the rows estimated."""
    return cast(literal(day, literal_execute=True), Date)


def moment_sql(moment: datetime) -> ColumnElement[Any]:
    """The same for an instant (the end of a day a report is as of)."""
    return cast(literal(moment, literal_execute=True), DateTime(timezone=True))


def _day(today: DayValue) -> ColumnElement[Any]:
    return day_sql(today) if isinstance(today, date) else today


def _status_sql(
    status: ColumnElement[Any], completed_on: ColumnElement[Any], today: DayValue
) -> ColumnElement[Any]:
    return case(
        (
            and_(status == TaskStatus.completed, completed_on > _day(today)),
            TaskStatus.in_progress.value,
        ),
        else_=status,
    )


def timeliness(
    status: str, due_date: date | None, completed_on: date | None, today: date, soon_days: int
) -> str | None:
    status = _as_of(status, completed_on, today)
    if status == TaskStatus.completed:
        if due_date is None:
            return "completed_no_deadline"
        if completed_on is not None and completed_on <= due_date:
            return "completed_on_time"
        return "completed_late"
    if status not in OPEN_STATUSES:
        return None
    if due_date is None:
        return "no_deadline"
    if today > due_date:
        return "overdue"
    if (due_date - today).days <= soon_days:
        return "due_soon"
    return "on_track"


def days_overdue(
    status: str, due_date: date | None, completed_on: date | None, today: date
) -> int | None:
    status = _as_of(status, completed_on, today)
    if due_date is None:
        return None
    if status == TaskStatus.completed:
        if completed_on is not None and completed_on > due_date:
            return (completed_on - due_date).days
        return None
    if status in OPEN_STATUSES and today > due_date:
        return (today - due_date).days
    return None


def timeliness_sql(
    status: ColumnElement[Any],
    due_date: ColumnElement[Any],
    completed_on: ColumnElement[Any],
    today: DayValue,
    soon_days: int | ColumnElement[Any],
) -> ColumnElement[Any]:
    today_ = _day(today)
    status = _status_sql(status, completed_on, today)
    return case(
        (
            status == TaskStatus.completed,
            case(
                (due_date.is_(None), "completed_no_deadline"),
                (and_(completed_on.is_not(None), completed_on <= due_date), "completed_on_time"),
                else_="completed_late",
            ),
        ),
        (status.not_in(_open_values()), null()),
        (due_date.is_(None), "no_deadline"),
        (due_date < today_, "overdue"),
        (due_date - today_ <= soon_days, "due_soon"),
        else_="on_track",
    )


def buckets_sql(
    status: ColumnElement[Any],
    due_date: ColumnElement[Any],
    completed_on: ColumnElement[Any],
    today: DayValue,
    soon_days: int,
) -> dict[str, ColumnElement[bool]]:
    """The same rule as `timeliness_sql`, as one condition per answer: what a report counts
    with `count(*) FILTER (WHERE …)` straight over the rows, without building the answer of
    each task first (over a million tasks, 40 % of the report's time)."""
    today_ = _day(today)
    done = and_(status == TaskStatus.completed, or_(completed_on.is_(None), completed_on <= today_))
    open_ = or_(
        status.in_(_open_values()), and_(status == TaskStatus.completed, completed_on > today_)
    )
    soon_end = (
        day_sql(today + timedelta(days=soon_days))
        if isinstance(today, date)
        else today_ + soon_days
    )
    dated = due_date.is_not(None)
    on_time = and_(completed_on.is_not(None), completed_on <= due_date)
    return {
        "completed_on_time": and_(done, dated, on_time),
        "completed_late": and_(done, dated, ~on_time),
        "completed_no_deadline": and_(done, due_date.is_(None)),
        "on_track": and_(open_, due_date > soon_end),
        "due_soon": and_(open_, due_date >= today_, due_date <= soon_end),
        "overdue": and_(open_, due_date < today_),
        "no_deadline": and_(open_, due_date.is_(None)),
    }


def days_overdue_sql(
    status: ColumnElement[Any],
    due_date: ColumnElement[Any],
    completed_on: ColumnElement[Any],
    today: DayValue,
) -> ColumnElement[Any]:
    today_ = _day(today)
    status = _status_sql(status, completed_on, today)
    return case(
        (due_date.is_(None), null()),
        (
            and_(status == TaskStatus.completed, completed_on > due_date),
            cast(completed_on - due_date, Integer),
        ),
        (
            and_(status.in_(_open_values()), due_date < today_),
            cast(today_ - due_date, Integer),
        ),
        else_=null(),
    )
