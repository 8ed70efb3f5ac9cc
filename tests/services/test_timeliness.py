"""Timeliness: the Python rule on its edges, and the SQL rule agreeing with it everywhere."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Date, String, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.tasks.timeliness import (
    buckets_sql,
    days_overdue,
    days_overdue_sql,
    timeliness,
    timeliness_sql,
)

D = date(2023, 3, 31)


def test_open_tasks() -> None:
    assert timeliness("in_progress", None, None, D, 3) == "no_deadline"
    assert timeliness("in_progress", D, None, D, 3) == "due_soon"
    assert timeliness("new", D, None, D + timedelta(days=1), 3) == "overdue"
    assert days_overdue("new", D, None, D + timedelta(days=1)) == 1
    assert timeliness("paused", D + timedelta(days=3), None, D, 3) == "due_soon"
    assert timeliness("paused", D + timedelta(days=4), None, D, 3) == "on_track"
    assert timeliness("awaiting_confirmation", D, D, D + timedelta(days=9), 3) == "overdue"
    assert days_overdue("in_progress", D, None, D) is None


def test_completed_and_cancelled() -> None:
    assert timeliness("completed", D, D, D + timedelta(days=30), 3) == "completed_on_time"
    assert (
        timeliness("completed", D, D + timedelta(days=2), D + timedelta(days=30), 3)
        == "completed_late"
    )
    assert days_overdue("completed", D, D + timedelta(days=2), D + timedelta(days=30)) == 2
    assert timeliness("completed", None, D, D, 3) == "completed_no_deadline"
    assert timeliness("cancelled", D, None, D + timedelta(days=5), 3) is None
    assert days_overdue("cancelled", D, None, D + timedelta(days=5)) is None


def test_seen_before_completion_a_task_was_open() -> None:
    assert timeliness("completed", D, D + timedelta(days=5), D + timedelta(days=2), 3) == "overdue"
    assert days_overdue("completed", D, D + timedelta(days=5), D + timedelta(days=2)) == 2


STATUSES = st.sampled_from(
    ["new", "in_progress", "awaiting_confirmation", "paused", "completed", "cancelled"]
)
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31))


@settings(max_examples=300, deadline=None)
@given(
    status=STATUSES,
    due=st.none() | DAYS,
    completed=st.none() | DAYS,
    today=DAYS,
    soon=st.integers(min_value=0, max_value=10),
)
async def test_sql_and_python_agree(
    engine: AsyncEngine,
    status: str,
    due: date | None,
    completed: date | None,
    today: date,
    soon: int,
) -> None:
    if status in ("completed", "awaiting_confirmation") and completed is None:
        completed = today  # the database guarantees a completion day for these
    s = literal(status, String)
    d = literal(due, Date)
    c = literal(completed, Date)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(timeliness_sql(s, d, c, today, soon), days_overdue_sql(s, d, c, today))
            )
        ).one()
    assert row[0] == timeliness(status, due, completed, today, soon)
    assert row[1] == days_overdue(status, due, completed, today)
    # The report counts with one condition per answer: exactly the answer's holds.
    buckets = buckets_sql(s, d, c, today, soon)
    async with engine.connect() as conn:
        held = (await conn.execute(select(*(b.is_(True) for b in buckets.values())))).one()
    assert [name for name, h in zip(buckets, held, strict=True) if h] == (
        [] if row[0] is None else [row[0]]
    )
