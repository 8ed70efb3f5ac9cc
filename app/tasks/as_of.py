"""Tasks as they stood at the end of a day, from the versions every change writes
(`task_versions`, migration 0009): the deadline, lead and cooperating agencies, status,
completion and deletion in force then. A task changed since keeps the version recorded before
the day ended — or, entered later than the day (a backlog typed in afterwards), the version it
was first entered with. When no task changed after the day (`changed_since`, one probe of a
partial index), a report reads `tasks` itself and costs what it did without versions; otherwise
only the versions superseded since are read (migration 0011 keeps when each was superseded)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Subquery, and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from app.db import Reader
from app.tasks.models import TASKS
from app.tasks.timeliness import moment_sql
from app.tasks.version_models import TASK_VERSIONS

VERSIONED = (
    "lead_agency_id",
    "cooperating_agency_ids",
    "due_date",
    "status",
    "completed_on",
    "deleted_at",
    "paused_on",
    "cancelled_on",
    "missed_due_date",
)


def end_of(day: date, tz: ZoneInfo) -> datetime:
    """The first instant after `day` in the province."""
    return datetime.combine(day + timedelta(days=1), time(), tz)


async def changed_since(conn: Reader, cut: datetime) -> bool:
    """Whether any task changed at or after `cut` (creations aside): when none did, the tasks
    as they stand are the tasks as of the day, and a report reads them directly. Asked as the
    latest change (one step down the partial index, whatever the planner's statistics say)."""
    v = TASK_VERSIONS.c
    latest = (await conn.execute(select(func.max(v.recorded_at)).where(~v.is_first))).scalar()
    return latest is not None and latest >= cut


def tasks_as_of(cut: datetime) -> Subquery:
    """`tasks` with the versioned columns as they stood just before `cut`."""
    v = TASK_VERSIONS.c
    # Of each task changed since `cut`: the version in force at `cut` (recorded before it,
    # superseded at or after it) or, for a task entered later, the first — one range of the
    # index on `superseded_at`, exactly one version per task.
    then = (
        select(v.task_id, *(v[name] for name in VERSIONED))
        .where(v.superseded_at >= moment_sql(cut), or_(v.recorded_at < moment_sql(cut), v.is_first))
        .subquery("then")
    )
    t = TASKS.c
    kept = then.c.task_id.is_(None)

    def column(name: str) -> ColumnElement[object]:
        return case((kept, t[name]), else_=then.c[name]).label(name)

    others = [c for c in TASKS.c if c.name not in VERSIONED]
    # Both lead agencies, for grouping by the pair (reports.py: _grid).
    leads = [
        t.lead_agency_id.label("lead_agency_id_now"),
        then.c.lead_agency_id.label("lead_agency_id_then"),
    ]
    return (
        select(*others, *(column(name) for name in VERSIONED), *leads)
        .select_from(TASKS.outerjoin(then, and_(then.c.task_id == t.id)))
        .subquery("tasks_then")
    )
