"""Agency succession (sáp nhập, giải thể): open tasks move to the successor.

On 2025-03-01 the Department of Information and Communications was merged into the
Department of Science and Technology: its open tasks (as lead) go to the successor and its
cooperating links are replaced; completed and cancelled tasks keep the agency they had.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app import permissions
from app.auth import Caller
from app.enums import AgencyStatus
from app.errors import Conflict, field_error
from app.kernel import history
from app.kernel.precondition import Precondition
from app.models.agencies import AGENCIES, SuccessionCreate
from app.models.common import utcnow
from app.models.tasks import TASKS
from app.services import agencies
from app.services.timeliness import OPEN_STATUSES

t = TASKS.c
a = AGENCIES.c


async def succeed(
    conn: AsyncConnection,
    caller: Caller,
    agency_id: uuid.UUID,
    data: SuccessionCreate,
    if_match: Precondition,
) -> dict[str, Any]:
    permissions.require(caller, "agency", "succession")
    if data.status == AgencyStatus.active:
        raise field_error("status", "must be 'merged' or 'dissolved'")
    row = await agencies._load(conn, agency_id, lock=True, include_deleted=False)
    if_match.check(row.version)
    if row.status != AgencyStatus.active:
        raise Conflict(f"The agency is already {row.status}.")
    if data.successor_id == agency_id:
        raise field_error("successor_id", "an agency cannot succeed itself")
    if not await agencies.exists_active(conn, data.successor_id):
        raise field_error("successor_id", f"no active agency with id {data.successor_id}")
    new = data.successor_id
    open_tasks = and_(t.status.in_(OPEN_STATUSES), t.deleted_at.is_(None))
    now = utcnow()
    comment = f"Agency succession ({data.status.value}) effective {data.effective_on}"
    led = (
        await conn.execute(
            update(TASKS)
            .where(open_tasks, t.lead_agency_id == agency_id)
            .values(
                lead_agency_id=new,
                cooperating_agency_ids=func.array_remove(t.cooperating_agency_ids, literal(new)),
                version=t.version + 1,
                updated_at=now,
            )
            .returning(t.id)
        )
    ).all()
    lead_change = {"lead_agency_id": {"old": str(agency_id), "new": str(new)}}
    await history.record_many(
        conn, caller, "task", [(r.id, "updated", lead_change, comment) for r in led]
    )
    cooperating = (
        await conn.execute(
            select(t.id, t.lead_agency_id, t.cooperating_agency_ids)
            .where(open_tasks, t.cooperating_agency_ids.contains([agency_id]))
            .with_for_update()
        )
    ).all()
    entries: list[tuple[uuid.UUID, str, dict[str, dict[str, Any]], str | None]] = []
    for task in cooperating:
        before = list(task.cooperating_agency_ids)
        after = [new if x == agency_id else x for x in before]
        after = [x for i, x in enumerate(after) if x not in after[:i] and x != task.lead_agency_id]
        await conn.execute(
            update(TASKS)
            .where(t.id == task.id)
            .values(cooperating_agency_ids=after, version=t.version + 1, updated_at=now)
        )
        entries.append(
            (
                task.id,
                "updated",
                {
                    "cooperating_agency_ids": {
                        "old": [str(x) for x in before],
                        "new": [str(x) for x in after],
                    }
                },
                comment,
            )
        )
    await history.record_many(conn, caller, "task", entries)
    values = {
        "status": data.status.value,
        "successor_id": new,
        "valid_to": data.effective_on - timedelta(days=1),
    }
    changes = history.diff(dict(row._mapping), values)
    changes["moved"] = {"old": None, "new": {"lead": len(led), "cooperating": len(cooperating)}}
    await conn.execute(
        update(AGENCIES)
        .where(a.id == agency_id)
        .values(**values, version=a.version + 1, updated_at=now)
    )
    await history.record(conn, caller, agencies.RESOURCE, agency_id, "succession", changes, comment)
    body = await agencies.get(conn, caller, agency_id)
    return {"agency": body, "moved_lead": len(led), "moved_cooperating": len(cooperating)}
