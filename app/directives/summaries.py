"""A directive's task counts in the buckets of the task report, for all its tasks the caller
may see, as of a day."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from sqlalchemy import Select, Uuid, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from app.access.auth import Caller
from app.core.day import Day
from app.core.enums import Role
from app.db import Reader
from app.tasks.lists import TIMELINESS, TODAY
from app.tasks.models import TASKS
from app.tasks.spec import TASK_VISIBILITY
from app.tasks.timeliness import BUCKETS, cancelled_sql


@cache
def _statement(seen: bool) -> Select[*tuple[Any, ...]]:
    """Built once per visibility, every value bound: the directives (`directive_ids`, one
    array), the day of the timeliness rule (`today`, `soon_days`) and, for an agency, its id."""
    t = TASKS.c
    # The task list's rule, its day bound as `today` and `soon_days`.
    counts = [func.count().filter(TIMELINESS == answer).label(name) for name, answer in BUCKETS]
    cancelled = cancelled_sql(t, TODAY)
    ids = bindparam("directive_ids", type_=ARRAY(Uuid()))
    stmt = (
        select(
            t.directive_id,
            func.count().filter(~cancelled).label("assigned"),
            func.count().filter(cancelled).label("cancelled"),
            *counts,
        )
        .where(t.directive_id == any_(ids), t.deleted_at.is_(None))
        .group_by(t.directive_id)
    )
    return stmt.where(TASK_VISIBILITY.bound_clause()) if seen else stmt


async def summaries(
    conn: Reader, caller: Caller, directive_ids: list[uuid.UUID], day: Day
) -> dict[uuid.UUID, dict[str, int]]:
    """Task counts per directive in the buckets of the task report, in one query — of the
    tasks the caller may see, as in the reports (an agency counts its own)."""
    seen = caller.role == Role.agency
    values: dict[str, Any] = {
        "directive_ids": list(directive_ids),
        "today": day.today,
        "soon_days": day.soon_days,
    }
    if seen:
        values.update(TASK_VISIBILITY.parameters(caller))
    out: dict[uuid.UUID, dict[str, int]] = {}
    for row in (await conn.execute(_statement(seen), values)).all():
        out[row.directive_id] = _summary(row._mapping)
    return out


def _summary(m: Any) -> dict[str, int]:
    return {
        name: m.get(name, 0) for name in ("assigned", *(name for name, _ in BUCKETS), "cancelled")
    }


def empty() -> dict[str, int]:
    return _summary({})
