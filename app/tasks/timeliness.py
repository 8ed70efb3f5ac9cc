"""Timeliness of a task, correct to the day: one rule, in Python and in SQL.

A task is judged on a day (today, or `as_of`) from its facts: `status`, `due_date`,
`completed_on`, `paused_on`, `cancelled_on` and `missed_due_date`.

- Seen from a day before its completion, its pause or its cancellation, a task was still
  running (`in_progress`).
- Running (new, in_progress): `no_deadline` without a due date, `overdue` when the day is past
  the due date, `due_soon` when the due date is at most `soon_days` away, `on_track` otherwise.
- Waiting for the office to confirm it (awaiting_confirmation): `awaiting_confirmation`, never
  overdue while it waits; once confirmed it is judged by its completion day.
- Paused by decision: `paused`, not overdue; its `days_overdue` stay those it had on the day it
  was paused (none when paused before its deadline).
- Completed: judged against its deadline — or, when the deadline was moved after it had passed
  (an extension asked late, an adjustment decided late), against the deadline it had missed
  (`missed_due_date`): the new deadline governs the work left, not the judgement.
  `completed_no_deadline`, `completed_on_time` (completed_on <= that deadline) or
  `completed_late`.
- Cancelled: null.

`days_overdue` is set for overdue tasks (day - due_date), paused ones paused after their
deadline (paused_on - due_date) and late ones (completed_on - the deadline judged).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Date, DateTime, Integer, and_, case, cast, func, literal, null, or_
from sqlalchemy.sql.elements import ColumnElement

from app.core.enums import TaskStatus

OPEN_STATUSES: tuple[str, ...] = (
    TaskStatus.new,
    TaskStatus.in_progress,
    TaskStatus.awaiting_confirmation,
    TaskStatus.paused,
)
# Open and judged against the deadline: what the scheduler's notices are about.
RUNNING_STATUSES: tuple[str, ...] = (TaskStatus.new, TaskStatus.in_progress)

# Each answer of the rule and the column a report or a summary counts it in, in their order.
BUCKETS = (
    ("completed_on_time", "completed_on_time"),
    ("completed_late", "completed_late"),
    ("completed_no_deadline", "completed_no_deadline"),
    ("open_on_track", "on_track"),
    ("open_due_soon", "due_soon"),
    ("open_overdue", "overdue"),
    ("open_no_deadline", "no_deadline"),
    ("open_awaiting_confirmation", "awaiting_confirmation"),
    ("open_paused", "paused"),
)
OPEN_ANSWERS = ("on_track", "due_soon", "overdue", "no_deadline", "awaiting_confirmation", "paused")


class Facts(Protocol):
    """What the rule reads of a task: a row, or the columns of a table or subquery."""

    status: Any
    due_date: Any
    completed_on: Any
    paused_on: Any
    cancelled_on: Any
    missed_due_date: Any


def _state(task: Facts, today: date) -> str:
    """The task's status as seen from `today`."""
    status = task.status
    done_later = task.completed_on is not None and task.completed_on > today
    if status in (TaskStatus.completed, TaskStatus.awaiting_confirmation) and done_later:
        return TaskStatus.in_progress
    if status == TaskStatus.paused and task.paused_on is not None and task.paused_on > today:
        return TaskStatus.in_progress
    if (
        status == TaskStatus.cancelled
        and task.cancelled_on is not None
        and task.cancelled_on > today
    ):
        return TaskStatus.in_progress
    return str(status)


def _judged_deadline(task: Facts) -> date | None:
    deadline: date | None = (
        task.missed_due_date if task.missed_due_date is not None else task.due_date
    )
    return deadline


def timeliness(task: Facts, today: date, soon_days: int) -> str | None:
    status = _state(task, today)
    if status == TaskStatus.completed:
        deadline = _judged_deadline(task)
        if deadline is None:
            return "completed_no_deadline"
        if task.completed_on is not None and task.completed_on <= deadline:
            return "completed_on_time"
        return "completed_late"
    if status == TaskStatus.awaiting_confirmation:
        return "awaiting_confirmation"
    if status == TaskStatus.paused:
        return "paused"
    if status not in RUNNING_STATUSES:
        return None
    due = task.due_date
    if due is None:
        return "no_deadline"
    if today > due:
        return "overdue"
    if (due - today).days <= soon_days:
        return "due_soon"
    return "on_track"


def days_overdue(task: Facts, today: date) -> int | None:
    status = _state(task, today)
    if status == TaskStatus.completed:
        deadline = _judged_deadline(task)
        done: date | None = task.completed_on
        return (done - deadline).days if deadline and done and done > deadline else None
    due: date | None = task.due_date
    if due is None:
        return None
    if status == TaskStatus.paused:
        stopped: date = min(task.paused_on or today, today)
        return (stopped - due).days if stopped > due else None
    if status in RUNNING_STATUSES and today > due:
        return (today - due).days
    return None


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


def _values(statuses: tuple[str, ...]) -> list[ColumnElement[Any]]:
    """Statuses as bound values of their own: an IN list of constants that is part of the
    statement, never an expanding list rendered anew at each execution."""
    return [literal(TaskStatus(s).value) for s in statuses]


def _state_sql(task: Facts, today: DayValue) -> ColumnElement[Any]:
    day = _day(today)
    status = task.status
    return case(
        (
            and_(
                status.in_(_values((TaskStatus.completed, TaskStatus.awaiting_confirmation))),
                task.completed_on > day,
            ),
            TaskStatus.in_progress.value,
        ),
        (and_(status == TaskStatus.paused, task.paused_on > day), TaskStatus.in_progress.value),
        (
            and_(status == TaskStatus.cancelled, task.cancelled_on > day),
            TaskStatus.in_progress.value,
        ),
        else_=status,
    )


def _judged_deadline_sql(task: Facts) -> ColumnElement[Any]:
    return func.coalesce(task.missed_due_date, task.due_date)


def timeliness_sql(task: Facts, today: DayValue, soon_days: int | ColumnElement[Any]) -> Any:
    day = _day(today)
    status = _state_sql(task, today)
    deadline = _judged_deadline_sql(task)
    due = task.due_date
    return case(
        (
            status == TaskStatus.completed,
            case(
                (deadline.is_(None), "completed_no_deadline"),
                (
                    and_(task.completed_on.is_not(None), task.completed_on <= deadline),
                    "completed_on_time",
                ),
                else_="completed_late",
            ),
        ),
        (status == TaskStatus.awaiting_confirmation, "awaiting_confirmation"),
        (status == TaskStatus.paused, "paused"),
        (status.not_in(_values(RUNNING_STATUSES)), null()),
        (due.is_(None), "no_deadline"),
        (due < day, "overdue"),
        (due - day <= soon_days, "due_soon"),
        else_="on_track",
    )


def buckets_sql(task: Facts, today: DayValue, soon_days: int) -> dict[str, ColumnElement[bool]]:
    """The same rule as `timeliness_sql`, as one condition per answer: what a report counts
    with `count(*) FILTER (WHERE …)` straight over the rows, without building the answer of
    each task first (over a million tasks, 40 % of the report's time)."""
    day = _day(today)
    status, due, done_on = task.status, task.due_date, task.completed_on
    later = {  # the status was entered after the day: the task was still running then
        name: and_(task_day.is_not(None), task_day > day)
        for name, task_day in (
            ("completed_on", done_on),
            ("paused_on", task.paused_on),
            ("cancelled_on", task.cancelled_on),
        )
    }
    done = and_(status == TaskStatus.completed, or_(done_on.is_(None), ~later["completed_on"]))
    waiting = and_(status == TaskStatus.awaiting_confirmation, ~later["completed_on"])
    paused = and_(status == TaskStatus.paused, ~later["paused_on"])
    running = or_(
        status.in_(_values(RUNNING_STATUSES)),
        and_(
            status.in_(_values((TaskStatus.completed, TaskStatus.awaiting_confirmation))),
            later["completed_on"],
        ),
        and_(status == TaskStatus.paused, later["paused_on"]),
        and_(status == TaskStatus.cancelled, later["cancelled_on"]),
    )
    soon_end = (
        day_sql(today + timedelta(days=soon_days)) if isinstance(today, date) else day + soon_days
    )
    deadline = _judged_deadline_sql(task)
    dated = deadline.is_not(None)
    on_time = and_(done_on.is_not(None), done_on <= deadline)
    return {
        "completed_on_time": and_(done, dated, on_time),
        "completed_late": and_(done, dated, ~on_time),
        "completed_no_deadline": and_(done, deadline.is_(None)),
        "on_track": and_(running, due > soon_end),
        "due_soon": and_(running, due >= day, due <= soon_end),
        "overdue": and_(running, due < day),
        "no_deadline": and_(running, due.is_(None)),
        "awaiting_confirmation": waiting,
        "paused": paused,
    }


def cancelled_sql(task: Facts, today: DayValue) -> ColumnElement[bool]:
    """Cancelled by the day (seen from before its cancellation, it was running)."""
    day = _day(today)
    return and_(
        task.status == TaskStatus.cancelled,
        or_(task.cancelled_on.is_(None), task.cancelled_on <= day),
    )


def days_overdue_sql(task: Facts, today: DayValue) -> Any:
    day = _day(today)
    status = _state_sql(task, today)
    deadline = _judged_deadline_sql(task)
    due, done_on = task.due_date, task.completed_on
    stopped = func.least(func.coalesce(task.paused_on, day), day)
    return case(
        (
            status == TaskStatus.completed,
            case(
                (done_on > deadline, cast(done_on - deadline, Integer)),
                else_=null(),
            ),
        ),
        (due.is_(None), null()),
        (
            and_(status == TaskStatus.paused, stopped > due),
            cast(stopped - due, Integer),
        ),
        (
            and_(status.in_(_values(RUNNING_STATUSES)), due < day),
            cast(day - due, Integer),
        ),
        else_=null(),
    )
