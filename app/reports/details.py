"""The detail a leader reads beside the report's grid: every task of the report that is overdue
or was completed late, with its lead and cooperating agencies, the directive it came from
(number, date), its deadline, days overdue and latest progress; each agency named as it was on
the report's day."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select, true
from sqlalchemy.dialects.postgresql import aggregate_order_by

from app.access.auth import Caller
from app.agencies import versions as agency_versions
from app.agencies.models import AGENCIES
from app.db import Reader
from app.directives.models import DIRECTIVES
from app.reports import service as reports
from app.tasks.activity_models import PROGRESS_REPORTS
from app.tasks.models import TASKS

HEADERS_VI = (
    "Mã nhiệm vụ",
    "Nhiệm vụ",
    "Đơn vị chủ trì",
    "Đơn vị phối hợp",
    "Văn bản chỉ đạo",
    "Ngày văn bản",
    "Hạn xử lý",
    "Tình trạng",
    "Số ngày quá hạn",
    "Ngày hoàn thành",
    "Tiến độ (%)",
    "Báo cáo gần nhất",
    "Kết quả gần nhất",
)
STATES_VI = {"overdue": "Quá hạn chưa hoàn thành", "completed_late": "Hoàn thành quá hạn"}


async def late_tasks(conn: Reader, caller: Caller, q: reports.TaskReportQuery) -> list[list[Any]]:
    judged = await reports._judged(conn, caller, q)
    j, t, a, d, p = judged.c, TASKS.c, AGENCIES.c, DIRECTIVES.c, PROGRESS_REPORTS.c
    # Every agency named as it was on the report's day.
    partners = AGENCIES.alias("partner")
    partner = func.coalesce(agency_versions.name_on(partners.c.id, q.as_of), partners.c.name)
    cooperating = (
        select(func.string_agg(partner, aggregate_order_by(literal("; "), partner)))
        .where(partners.c.id == func.any(j.cooperating_agency_ids))
        .scalar_subquery()
    )
    latest = (
        select(p.reported_on, p.results)
        .where(p.task_id == j.task_id)
        .order_by(p.reported_on.desc(), p.created_at.desc())
        .limit(1)
        .lateral("latest")
    )
    stmt = (
        select(
            j.code,
            t.title,
            func.coalesce(agency_versions.name_on(j.lead_agency_id, q.as_of), a.name),
            cooperating,
            d.document_number,
            d.issued_on,
            j.due_date,
            j.timeliness,
            j.days_overdue,
            j.completed_on,
            t.progress_percent,
            latest.c.reported_on,
            latest.c.results,
        )
        .select_from(
            judged.join(TASKS, t.id == j.task_id)
            .join(AGENCIES, a.id == j.lead_agency_id)
            .outerjoin(DIRECTIVES, d.id == t.directive_id)
            .outerjoin(latest, true())
        )
        .where(j.timeliness.in_(tuple(STATES_VI)))
        .order_by(j.days_overdue.desc().nulls_last(), j.code)
    )
    rows = (await conn.execute(stmt)).all()
    return [[*r[:7], STATES_VI[r[7]], *r[8:]] for r in rows]
