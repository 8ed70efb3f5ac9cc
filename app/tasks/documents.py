"""A task's documents: listed on its single read, cited by its completion."""

from __future__ import annotations

import uuid

from sqlalchemy import JSON, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection

from app.errors.domain import field_error
from app.files.models import ATTACHMENTS
from app.tasks.models import TASKS

t = TASKS.c
_a = ATTACHMENTS.c
# A single read lists the task's documents in its one statement (a JSON array).
DOCUMENTS = (
    select(
        func.coalesce(
            func.json_agg(
                aggregate_order_by(
                    func.json_build_object(
                        "id",
                        _a.id,
                        "file_name",
                        _a.file_name,
                        "media_type",
                        _a.media_type,
                        "size_bytes",
                        _a.size_bytes,
                        "record_id",
                        _a.record_id,
                    ),
                    _a.created_at,
                    _a.id,
                )
            ),
            literal_column("'[]'::json"),
            type_=JSON,
        )
    )
    .where(_a.resource_type == "task", _a.resource_id == t.id, _a.deleted_at.is_(None))
    .scalar_subquery()
    .label("documents")
)


async def evidence(
    conn: AsyncConnection, task_id: uuid.UUID, evidence_ids: list[uuid.UUID]
) -> list[str]:
    """The documents a completion cites: each one of this task's, not removed (422)."""
    wanted = list(dict.fromkeys(evidence_ids))
    found = set(
        (
            await conn.execute(
                select(_a.id).where(
                    _a.id.in_(wanted),
                    _a.resource_type == "task",
                    _a.resource_id == task_id,
                    _a.deleted_at.is_(None),
                )
            )
        ).scalars()
    )
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise field_error("evidence_ids", f"no document {missing[0]} on this task")
    return [str(i) for i in wanted]
