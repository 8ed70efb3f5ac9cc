"""Agency succession (sáp nhập, giải thể): open tasks move to the successor.

On 2025-03-01 the Department of Information and Communications was merged into the
Department of Science and Technology: its open tasks (as lead) go to the successor and its
cooperating links are replaced; completed and cancelled tasks keep the agency they had.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

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
    """The agency becomes merged or dissolved; its open tasks, led and cooperated on, move to
    the successor — all in this transaction, each move in history."""
    permissions.require(caller, "agency", "succession")
    row = await _check(conn, agency_id, data, if_match)
    comment = f"Agency succession ({data.status.value}) effective {data.effective_on}"
    move = _Move(conn, caller, agency_id, data.successor_id, comment, utcnow())
    led = await move.lead()
    cooperating = await move.cooperating()
    values = {
        "status": data.status.value,
        "successor_id": data.successor_id,
        "valid_to": data.effective_on - timedelta(days=1),
    }
    changes = history.diff(dict(row._mapping), values)
    changes["moved"] = {"old": None, "new": {"lead": led, "cooperating": cooperating}}
    await conn.execute(
        update(AGENCIES)
        .where(a.id == agency_id)
        .values(**values, version=a.version + 1, updated_at=move.now)
    )
    await history.record(conn, caller, agencies.RESOURCE, agency_id, "succession", changes, comment)
    body = await agencies.get(conn, caller, agency_id)
    return {"agency": body, "moved_lead": led, "moved_cooperating": cooperating}


async def _check(
    conn: AsyncConnection, agency_id: uuid.UUID, data: SuccessionCreate, if_match: Precondition
) -> Any:
    row = await agencies._load(conn, agency_id, lock=True, include_deleted=False)
    if_match.check(row.version)
    if row.status != AgencyStatus.active:
        raise Conflict(f"The agency is already {row.status}.")
    if data.successor_id == agency_id:
        raise field_error("successor_id", "an agency cannot succeed itself")
    if not await agencies.exists_active(conn, data.successor_id):
        raise field_error("successor_id", f"no active agency with id {data.successor_id}")
    return row


@dataclass(frozen=True)
class _Move:
    conn: AsyncConnection
    caller: Caller
    old: uuid.UUID
    new: uuid.UUID
    comment: str
    now: datetime

    @property
    def open_tasks(self) -> ColumnElement[bool]:
        return and_(t.status.in_(OPEN_STATUSES), t.deleted_at.is_(None))

    async def lead(self) -> int:
        """Tasks the agency leads: the successor leads them (and no longer cooperates)."""
        led = (
            await self.conn.execute(
                update(TASKS)
                .where(self.open_tasks, t.lead_agency_id == self.old)
                .values(
                    lead_agency_id=self.new,
                    cooperating_agency_ids=func.array_remove(
                        t.cooperating_agency_ids, literal(self.new)
                    ),
                    version=t.version + 1,
                    updated_at=self.now,
                )
                .returning(t.id)
            )
        ).all()
        change = {"lead_agency_id": {"old": str(self.old), "new": str(self.new)}}
        await history.record_many(
            self.conn, self.caller, "task", [(r.id, "updated", change, self.comment) for r in led]
        )
        return len(led)

    async def cooperating(self) -> int:
        """Tasks it cooperates on: the successor takes its place, once, and not as the lead."""
        rows = (
            await self.conn.execute(
                select(t.id, t.lead_agency_id, t.cooperating_agency_ids)
                .where(self.open_tasks, t.cooperating_agency_ids.contains([self.old]))
                .with_for_update()
            )
        ).all()
        entries: list[tuple[uuid.UUID, str, dict[str, dict[str, Any]], str | None]] = []
        for task in rows:
            before = list(task.cooperating_agency_ids)
            after = [self.new if x == self.old else x for x in before]
            after = [
                x for i, x in enumerate(after) if x not in after[:i] and x != task.lead_agency_id
            ]
            await self.conn.execute(
                update(TASKS)
                .where(t.id == task.id)
                .values(cooperating_agency_ids=after, version=t.version + 1, updated_at=self.now)
            )
            old, new = [str(x) for x in before], [str(x) for x in after]
            change = {"cooperating_agency_ids": {"old": old, "new": new}}
            entries.append((task.id, "updated", change, self.comment))
        await history.record_many(self.conn, self.caller, "task", entries)
        return len(rows)
