"""A directive's task counts in the buckets of the task report, for all its tasks the caller
may see, as of a day."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from app.auth import Caller
from app.db import Reader
from app.enums import TaskStatus
from app.kernel.specs import TASK_VISIBILITY
from app.models.tasks import TASKS
from app.services.tasks import Day
from app.services.timeliness import timeliness_sql

SUMMARY_BUCKETS = (
    "completed_on_time",
    "completed_late",
    "completed_no_deadline",
    "on_track",
    "due_soon",
    "overdue",
    "no_deadline",
)


async def summaries(
    conn: Reader, caller: Caller, directive_ids: list[uuid.UUID], day: Day
) -> dict[uuid.UUID, dict[str, int]]:
    """Task counts per directive in the buckets of the task report, in one query — of the
    tasks the caller may see, as in the reports (an agency counts its own)."""
    t = TASKS.c
    rule = timeliness_sql(t.status, t.due_date, t.completed_on, day.today, day.soon_days)
    counts = [func.count().filter(rule == bucket).label(bucket) for bucket in SUMMARY_BUCKETS]
    stmt = (
        select(
            t.directive_id,
            func.count().filter(t.status != TaskStatus.cancelled).label("assigned"),
            func.count().filter(t.status == TaskStatus.cancelled).label("cancelled"),
            *counts,
        )
        .where(t.directive_id.in_(directive_ids), t.deleted_at.is_(None))
        .group_by(t.directive_id)
    )
    seen = TASK_VISIBILITY.clause(caller)
    if seen is not None:
        stmt = stmt.where(seen)
    out: dict[uuid.UUID, dict[str, int]] = {}
    for row in (await conn.execute(stmt)).all():
        out[row.directive_id] = _summary(row._mapping)
    return out


def _summary(m: Any) -> dict[str, int]:
    return {
        "assigned": m.get("assigned", 0),
        "completed_on_time": m.get("completed_on_time", 0),
        "completed_late": m.get("completed_late", 0),
        "completed_no_deadline": m.get("completed_no_deadline", 0),
        "open_on_track": m.get("on_track", 0),
        "open_due_soon": m.get("due_soon", 0),
        "open_overdue": m.get("overdue", 0),
        "open_no_deadline": m.get("no_deadline", 0),
        "cancelled": m.get("cancelled", 0),
    }


def empty() -> dict[str, int]:
    return _summary({})
