"""The task list as a file (`GET /tasks.csv`, `.xlsx`): every task the list would show, in its
order, with what a reader of the file needs beside each — its agencies by name, the directive
it came from (number, date, signer), its first deadline and how often the deadline moved — and
Vietnamese labels."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from app.access.auth import Caller
from app.agencies.models import AGENCIES
from app.core.day import Day
from app.core.labels import LABELS
from app.directives.models import DIRECTIVES
from app.files.exports import Batched
from app.kernel.listing import ListParams, parse_sort
from app.tasks.deadline_models import TASK_DEADLINE_CHANGES
from app.tasks.lists import (
    LIST_EXTRA,
    SORT_FIELDS,
    SORT_KEYS,
    TaskFilters,
    as_it_stood,
    bound,
    where,
)
from app.tasks.models import TASKS
from app.tasks.service import COLUMNS

t = TASKS.c
EXPORT_HEADERS = (
    "Mã nhiệm vụ",
    "Nhiệm vụ",
    "Đơn vị chủ trì",
    "Đơn vị phối hợp",
    "Văn bản chỉ đạo",
    "Ngày văn bản",
    "Người ký",
    "Ngày giao",
    "Hạn ban đầu",
    "Số lần điều chỉnh hạn",
    "Hạn xử lý",
    "Trạng thái",
    "Tình trạng",
    "Số ngày quá hạn",
    "Ngày hoàn thành",
    "Tiến độ (%)",
    "Nhiệm vụ trọng tâm",
    "Trụ cột",
    "Lĩnh vực",
    "Độ khẩn",
    "Tính chất",
)
EXPORT_BATCH = 500


def _extra() -> list[Any]:
    """The names and facts beside each task, each one subquery of its own."""
    partners = AGENCIES.alias("partner")
    cooperating = (
        select(func.string_agg(partners.c.name, aggregate_order_by(literal("; "), partners.c.name)))
        .where(partners.c.id == func.any(t.cooperating_agency_ids))
        .scalar_subquery()
        .label("cooperating_names")
    )
    changes = (
        select(func.count())
        .where(TASK_DEADLINE_CHANGES.c.task_id == t.id)
        .scalar_subquery()
        .label("deadline_changes")
    )
    d = DIRECTIVES.c
    return [
        AGENCIES.c.name.label("lead_name"),
        cooperating,
        func.coalesce(d.document_number, d.code).label("directive_number"),
        d.issued_on.label("directive_issued_on"),
        d.signer_name.label("directive_signer"),
        changes,
    ]


def export_rows(
    engine: Any,
    caller: Caller,
    params: ListParams,
    filters: TaskFilters,
    day: Day,
    cut: datetime | None = None,
) -> Batched:
    """Read from a server-side cursor in batches of EXPORT_BATCH (one consistent snapshot),
    each turned into rows off the event loop; as of a day (`cut`: its end), the tasks as they
    stood then, as the list shows them."""
    keys = parse_sort(params.sort, SORT_KEYS, "-created_at", SORT_FIELDS)
    shape, values = bound(caller, filters, params, day, as_of=cut is not None)
    stmt = (
        select(*COLUMNS, *LIST_EXTRA, *_extra())
        .select_from(
            TASKS.join(AGENCIES, AGENCIES.c.id == t.lead_agency_id).outerjoin(
                DIRECTIVES, DIRECTIVES.c.id == t.directive_id
            )
        )
        .where(*where(shape))
        .order_by(*(k.column.desc() if k.descending else k.column.asc() for k in keys))
    )
    stmt = (stmt if cut is None else as_it_stood(stmt, cut)).params(**values)

    async def batches() -> AsyncIterator[list[Any]]:
        async with engine.connect() as conn:
            snapshot = await conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            async with snapshot.begin():
                result = await snapshot.stream(stmt, execution_options={"yield_per": EXPORT_BATCH})
                async for batch in result.mappings().partitions(EXPORT_BATCH):
                    yield list(batch)

    return Batched(batches(), _export_row)


def _label(kind: str, code: str | None) -> str | None:
    return LABELS[kind][code][0] if code else None


def _export_row(row: Any) -> list[Any]:
    return [
        row["code"],
        row["title"],
        row["lead_name"],
        row["cooperating_names"],
        row["directive_number"],
        row["directive_issued_on"],
        row["directive_signer"],
        row["assigned_on"],
        row["original_due_date"] or row["due_date"],
        row["deadline_changes"],
        row["due_date"],
        _label("task_status", row["status"]),
        _label("timeliness", row["timeliness_sql"]),
        row["days_overdue_sql"],
        row["completed_on"],
        row["progress_percent"],
        "Có" if row["is_key_task"] else "",
        _label("task_pillar", row["pillar"]),
        row["field"],
        _label("task_priority", row["priority"]),
        _label("task_recurrence", row["recurrence"]),
    ]
