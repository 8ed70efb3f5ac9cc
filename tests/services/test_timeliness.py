"""Timeliness: the Python rule on its edges, and the SQL rule agreeing with it everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Date, String, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.tasks.timeliness import (
    BUCKETS,
    buckets_sql,
    days_overdue,
    days_overdue_sql,
    timeliness,
    timeliness_sql,
)

D = date(2023, 3, 31)
DAY = timedelta(days=1)


@dataclass
class Facts:
    status: Any
    due_date: Any = None
    completed_on: Any = None
    paused_on: Any = None
    cancelled_on: Any = None
    missed_due_date: Any = None


def test_running_tasks() -> None:
    assert timeliness(Facts("in_progress"), D, 3) == "no_deadline"
    assert timeliness(Facts("in_progress", D), D, 3) == "due_soon"
    assert timeliness(Facts("new", D), D + DAY, 3) == "overdue"
    assert days_overdue(Facts("new", D), D + DAY) == 1
    assert timeliness(Facts("new", D + 4 * DAY), D, 3) == "on_track"
    assert days_overdue(Facts("in_progress", D), D) is None


def test_waiting_for_confirmation_is_never_overdue() -> None:
    waiting = Facts("awaiting_confirmation", D, completed_on=D + 2 * DAY)
    assert timeliness(waiting, D + 9 * DAY, 3) == "awaiting_confirmation"
    assert days_overdue(waiting, D + 9 * DAY) is None
    # Seen from before the day it says the work was done, it was still running.
    assert timeliness(waiting, D + DAY, 3) == "overdue"
    # Confirmed, it is judged by its completion day.
    assert timeliness(Facts("completed", D, D + 2 * DAY), D + 9 * DAY, 3) == "completed_late"


def test_a_paused_task_stops_its_days_overdue() -> None:
    late = Facts("paused", D, paused_on=D + 5 * DAY)
    assert timeliness(late, D + 400 * DAY, 3) == "paused"
    assert days_overdue(late, D + 400 * DAY) == 5
    early = Facts("paused", D, paused_on=D - 10 * DAY)
    assert days_overdue(early, D + 400 * DAY) is None
    # Before the day it was paused, it was running (and overdue past its deadline).
    assert timeliness(late, D + 2 * DAY, 3) == "overdue"
    assert days_overdue(late, D + 2 * DAY) == 2


def test_a_deadline_moved_after_it_passed_keeps_the_judgement() -> None:
    moved = Facts("completed", D + 60 * DAY, D + 30 * DAY, missed_due_date=D)
    assert timeliness(moved, D + 90 * DAY, 3) == "completed_late"
    assert days_overdue(moved, D + 90 * DAY) == 30
    # The work left is governed by the new deadline.
    open_ = Facts("in_progress", D + 60 * DAY, missed_due_date=D)
    assert timeliness(open_, D + 30 * DAY, 3) == "on_track"
    assert days_overdue(open_, D + 30 * DAY) is None


def test_completed_and_cancelled() -> None:
    assert timeliness(Facts("completed", D, D), D + 30 * DAY, 3) == "completed_on_time"
    assert timeliness(Facts("completed", D, D + 2 * DAY), D + 30 * DAY, 3) == "completed_late"
    assert days_overdue(Facts("completed", D, D + 2 * DAY), D + 30 * DAY) == 2
    assert timeliness(Facts("completed", None, D), D, 3) == "completed_no_deadline"
    cancelled = Facts("cancelled", D, cancelled_on=D + DAY)
    assert timeliness(cancelled, D + 5 * DAY, 3) is None
    assert days_overdue(cancelled, D + 5 * DAY) is None
    assert timeliness(cancelled, D, 3) == "due_soon"  # before it was cancelled


def test_seen_before_completion_a_task_was_open() -> None:
    done = Facts("completed", D, D + 5 * DAY)
    assert timeliness(done, D + 2 * DAY, 3) == "overdue"
    assert days_overdue(done, D + 2 * DAY) == 2


STATUSES = st.sampled_from(
    ["new", "in_progress", "awaiting_confirmation", "paused", "completed", "cancelled"]
)
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31))


@settings(max_examples=400, deadline=None)
@given(
    status=STATUSES,
    due=st.none() | DAYS,
    completed=st.none() | DAYS,
    paused=st.none() | DAYS,
    cancelled=st.none() | DAYS,
    missed=st.none() | DAYS,
    today=DAYS,
    soon=st.integers(min_value=0, max_value=10),
)
async def test_sql_and_python_agree(
    engine: AsyncEngine,
    status: str,
    due: date | None,
    completed: date | None,
    paused: date | None,
    cancelled: date | None,
    missed: date | None,
    today: date,
    soon: int,
) -> None:
    # What the database guarantees: a completion day for these, the day of a pause and of a
    # cancellation for those, and a missed deadline only beside a deadline.
    if status in ("completed", "awaiting_confirmation") and completed is None:
        completed = today
    paused = (paused or today) if status == "paused" else None
    cancelled = (cancelled or today) if status == "cancelled" else None
    missed = missed if due is not None else None
    task = Facts(status, due, completed, paused, cancelled, missed)
    columns = Facts(
        literal(status, String),
        literal(due, Date),
        literal(completed, Date),
        literal(paused, Date),
        literal(cancelled, Date),
        literal(missed, Date),
    )
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(timeliness_sql(columns, today, soon), days_overdue_sql(columns, today))
            )
        ).one()
    assert row[0] == timeliness(task, today, soon)
    assert row[1] == days_overdue(task, today)
    # The report counts with one condition per answer: exactly the answer's holds.
    buckets = buckets_sql(columns, today, soon)
    assert [answer for _, answer in BUCKETS] == list(buckets)
    async with engine.connect() as conn:
        held = (await conn.execute(select(*(b.is_(True) for b in buckets.values())))).one()
    assert [name for name, h in zip(buckets, held, strict=True) if h] == (
        [] if row[0] is None else [row[0]]
    )
