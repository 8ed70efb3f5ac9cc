"""Reports: the quarterly grid of tasks by agency (and other groupings), as of any day."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, and_, cast, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from app.auth import Caller
from app.db import Reader
from app.enums import LABELS, BudgetStatus, ProposalStatus, Resolution, TaskStatus
from app.errors import BadRequest
from app.kernel.specs import (
    BUDGET_REQUEST_VISIBILITY,
    PROPOSAL_VISIBILITY,
    TASK_VISIBILITY,
)
from app.models.agencies import AGENCIES
from app.models.directives import DIRECTIVES
from app.models.tasks import TASKS
from app.services import periods
from app.services.timeliness import timeliness_sql

t = TASKS.c
BUCKETS = (
    ("completed_on_time", "completed_on_time"),
    ("completed_late", "completed_late"),
    ("completed_no_deadline", "completed_no_deadline"),
    ("open_on_track", "on_track"),
    ("open_due_soon", "due_soon"),
    ("open_overdue", "overdue"),
    ("open_no_deadline", "no_deadline"),
)
COUNTS = ("assigned", *(name for name, _ in BUCKETS))
GROUPS = ("lead_agency", "pillar", "field", "directive", "priority", "assigned_by_name")
# Column headers of the downloads, in Vietnamese as offices expect them.
HEADERS_VI = {
    "key": "Mã",
    "label": "Nhóm",
    "assigned": "Số nhiệm vụ được giao",
    "completed_on_time": "Hoàn thành đúng hạn",
    "completed_late": "Hoàn thành quá hạn",
    "completed_no_deadline": "Hoàn thành (không thời hạn)",
    "open_on_track": "Đang thực hiện trong hạn",
    "open_due_soon": "Sắp đến hạn",
    "open_overdue": "Quá hạn chưa hoàn thành",
    "open_no_deadline": "Đang thực hiện (không thời hạn)",
    "on_time_rate": "Tỷ lệ đúng hạn",
}
GROUP_TITLES = {
    "lead_agency": "đơn vị chủ trì",
    "pillar": "trụ cột",
    "field": "lĩnh vực",
    "directive": "văn bản chỉ đạo",
    "priority": "độ khẩn",
    "assigned_by_name": "người giao",
}


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


def on_time_rate(row: dict[str, Any]) -> float | None:
    fell_due = row["completed_on_time"] + row["completed_late"] + row["open_overdue"]
    return round(row["completed_on_time"] / fell_due, 4) if fell_due else None


def _group(group_by: str) -> tuple[ColumnElement[Any], ColumnElement[Any], Any]:
    """(key, label, FROM clause) of a grouping; labels resolved in the same query."""
    if group_by == "lead_agency":
        return (
            t.lead_agency_id,
            AGENCIES.c.name,
            TASKS.join(AGENCIES, AGENCIES.c.id == t.lead_agency_id),
        )
    if group_by == "directive":
        return (
            t.directive_id,
            DIRECTIVES.c.code,
            TASKS.outerjoin(DIRECTIVES, DIRECTIVES.c.id == t.directive_id),
        )
    column = {
        "pillar": t.pillar,
        "field": t.field,
        "priority": t.priority,
        "assigned_by_name": t.assigned_by_name,
    }[group_by]
    return column, column, TASKS


async def task_report(conn: Reader, caller: Caller, q: TaskReportQuery) -> dict[str, Any]:
    if q.group_by not in GROUPS:
        raise BadRequest(f"group_by must be one of {', '.join(GROUPS)}.")
    key, label, source = _group(q.group_by)
    rule = timeliness_sql(t.status, t.due_date, t.completed_on, q.as_of, q.soon_days)
    clauses: list[ColumnElement[bool]] = [
        t.deleted_at.is_(None),
        t.status != TaskStatus.cancelled,
        t.assigned_on <= literal(q.as_of),  # tasks assigned after as_of are left out
    ]
    seen = TASK_VISIBILITY.clause(caller)
    if seen is not None:
        clauses.append(seen)
    if q.start is not None:
        clauses.append(t.assigned_on >= q.start)
    if q.end is not None:
        clauses.append(t.assigned_on <= q.end)
    if q.year:
        clauses.append(t.year.in_(q.year))
    if q.is_key_task is not None:
        clauses.append(t.is_key_task.is_(q.is_key_task))
    if q.agency_id:
        clauses.append(
            or_(t.lead_agency_id.in_(q.agency_id), t.cooperating_agency_ids.overlap(q.agency_id))
        )
    # The timeliness of each task is worked out once, then counted into the buckets.
    judged = (
        select(key.label("key"), label.label("label"), rule.label("timeliness"))
        .select_from(source)
        .where(and_(*clauses))
        .subquery()
    )
    stmt = (
        select(
            judged.c.key,
            judged.c.label,
            func.count().label("assigned"),
            *(
                cast(func.count().filter(judged.c.timeliness == bucket), Integer).label(name)
                for name, bucket in BUCKETS
            ),
        )
        .group_by(judged.c.key, judged.c.label)
        .order_by(judged.c.label.asc().nulls_last())
    )
    # Column names of a subquery come back as SQLAlchemy's str subclass, which orjson refuses.
    rows = [{str(k): v for k, v in r._mapping.items()} for r in (await conn.execute(stmt)).all()]
    labels = LABELS.get(
        {"pillar": "task_pillar", "priority": "task_priority"}.get(q.group_by, ""), {}
    )
    for row in rows:
        if row["key"] in labels:
            row["label"] = labels[row["key"]][0]
        row["on_time_rate"] = on_time_rate(row)
    totals: dict[str, Any] = {"key": None, "label": "Tổng cộng"}
    for name in COUNTS:
        totals[name] = sum(r[name] for r in rows)
    totals["on_time_rate"] = on_time_rate(totals)
    return {
        "group_by": q.group_by,
        "period": q.period,
        "from": q.start,
        "to": q.end,
        "as_of": q.as_of,
        "items": rows,
        "totals": totals,
    }


# --- budget ------------------------------------------------------------------------------


BUDGET_GROUPS = ("agency", "funding_source", "expenditure_type", "purpose")
BUDGET_STATUSES = tuple(s.value for s in BudgetStatus)
MONEY = ("requested_vnd", "recommended_vnd", "approved_vnd", "disbursed_vnd")
BUDGET_HEADERS_VI = {
    "label": "Nhóm",
    "count": "Số đề nghị",
    "requested_vnd": "Đề nghị (đồng)",
    "recommended_vnd": "Thẩm định đề xuất (đồng)",
    "approved_vnd": "Được phê duyệt (đồng)",
    "disbursed_vnd": "Đã giải ngân (đồng)",
}


async def budget_report(
    conn: Reader, caller: Caller, group_by: str, fiscal_year: list[int] | None
) -> dict[str, Any]:
    from app.models.budget_requests import BUDGET_REQUESTS

    b = BUDGET_REQUESTS.c
    source: FromClause
    if group_by == "agency":
        key, label, source = (
            b.requesting_agency_id,
            AGENCIES.c.name,
            BUDGET_REQUESTS.join(AGENCIES, AGENCIES.c.id == b.requesting_agency_id),
        )
    else:
        column = {
            "funding_source": b.funding_source,
            "expenditure_type": b.expenditure_type,
            "purpose": b.purpose,
        }[group_by]
        key, label, source = column, column, BUDGET_REQUESTS
    money = {
        "requested_vnd": b.amount_requested_vnd,
        "recommended_vnd": b.amount_recommended_vnd,
        "approved_vnd": b.amount_approved_vnd,
        "disbursed_vnd": b.disbursed_vnd,
    }
    columns = [
        key.label("key"),
        label.label("label"),
        func.count().label("count"),
        *(
            cast(func.coalesce(func.sum(col), 0), BigInteger).label(name)
            for name, col in money.items()
        ),
        *(
            cast(func.count().filter(b.status == s), Integer).label(f"status_{s}")
            for s in BUDGET_STATUSES
        ),
    ]
    clauses: list[ColumnElement[bool]] = [b.deleted_at.is_(None)]
    seen = BUDGET_REQUEST_VISIBILITY.clause(caller)
    if seen is not None:
        clauses.append(seen)
    if fiscal_year:
        clauses.append(b.fiscal_year.in_(fiscal_year))
    stmt = (
        select(*columns)
        .select_from(source)
        .where(and_(*clauses))
        .group_by(key, label)
        .order_by(label.asc().nulls_last())
    )
    labels = LABELS.get(
        {
            "funding_source": "funding_source",
            "expenditure_type": "expenditure_type",
            "purpose": "budget_purpose",
        }.get(group_by, ""),
        {},
    )
    rows = []
    for r in (await conn.execute(stmt)).all():
        m = dict(r._mapping)
        row = {
            "key": m["key"],
            "label": labels[m["key"]][0] if m["key"] in labels else m["label"],
            "count": m["count"],
        }
        row.update({name: int(m[name]) for name in MONEY})
        row["by_status"] = {s: m[f"status_{s}"] for s in BUDGET_STATUSES if m[f"status_{s}"]}
        rows.append(row)
    totals: dict[str, Any] = {
        "key": None,
        "label": "Tổng cộng",
        "count": sum(r["count"] for r in rows),
    }
    totals.update({name: sum(r[name] for r in rows) for name in MONEY})
    totals["by_status"] = {
        s: n for s in BUDGET_STATUSES if (n := sum(r["by_status"].get(s, 0) for r in rows))
    }
    return {"group_by": group_by, "fiscal_year": fiscal_year, "items": rows, "totals": totals}


# --- proposals ---------------------------------------------------------------------------


PROPOSAL_GROUPS = ("agency", "category")
PROPOSAL_STATUSES = tuple(s.value for s in ProposalStatus)
RESOLUTIONS = tuple(r.value for r in Resolution)


async def proposal_report(
    conn: Reader,
    caller: Caller,
    group_by: str,
    as_of: date,
    start: date | None,
    end: date | None,
) -> dict[str, Any]:
    from app.models.proposals import PROPOSALS

    p = PROPOSALS.c
    source: FromClause
    if group_by == "agency":
        key, label, source = (
            p.submitting_agency_id,
            AGENCIES.c.name,
            PROPOSALS.join(AGENCIES, AGENCIES.c.id == p.submitting_agency_id),
        )
    else:
        key, label, source = p.category, p.category, PROPOSALS
    responded = cast(p.response["responded_on"].astext, Date)
    days = responded - p.submitted_on
    awaiting = p.status.in_((ProposalStatus.submitted, ProposalStatus.under_review))
    columns = [
        key.label("key"),
        label.label("label"),
        func.count().label("count"),
        *(
            cast(func.count().filter(p.status == s), Integer).label(f"status_{s}")
            for s in PROPOSAL_STATUSES
        ),
        *(
            cast(func.count().filter(p.resolution == r), Integer).label(f"resolution_{r}")
            for r in RESOLUTIONS
        ),
        func.avg(days).filter(p.status == ProposalStatus.resolved).label("average_days_to_respond"),
        cast(func.count().filter(awaiting, p.response_due_date < literal(as_of)), Integer).label(
            "overdue_responses"
        ),
    ]
    clauses: list[ColumnElement[bool]] = [p.deleted_at.is_(None)]
    seen = PROPOSAL_VISIBILITY.clause(caller)
    if seen is not None:
        clauses.append(seen)
    if start is not None:
        clauses.append(p.submitted_on >= start)
    if end is not None:
        clauses.append(p.submitted_on <= end)
    stmt = (
        select(*columns)
        .select_from(source)
        .where(and_(*clauses))
        .group_by(key, label)
        .order_by(label.asc().nulls_last())
    )
    labels = LABELS["proposal_category"] if group_by == "category" else {}
    rows = []
    for r in (await conn.execute(stmt)).all():
        m = dict(r._mapping)
        average = m["average_days_to_respond"]
        rows.append(
            {
                "key": m["key"],
                "label": labels[m["key"]][0] if m["key"] in labels else m["label"],
                "count": m["count"],
                "by_status": {s: m[f"status_{s}"] for s in PROPOSAL_STATUSES if m[f"status_{s}"]},
                "by_resolution": {
                    x: m[f"resolution_{x}"] for x in RESOLUTIONS if m[f"resolution_{x}"]
                },
                "average_days_to_respond": None if average is None else round(float(average), 1),
                "overdue_responses": m["overdue_responses"],
            }
        )
    return {"group_by": group_by, "as_of": as_of, "items": rows}
