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

from app.access import permissions
from app.access.auth import Caller
from app.agencies import service as agencies
from app.agencies import versions as agency_versions
from app.agencies.models import AGENCIES, SuccessionCreate, SuccessorShare
from app.budget.models import BUDGET_REQUESTS
from app.core.enums import AgencyStatus, BudgetStatus, ProposalStatus
from app.errors.domain import Conflict, field_error
from app.kernel import history, versioned
from app.kernel.precondition import Precondition
from app.kernel.schemas import utcnow
from app.kernel.versioned import next_version
from app.proposals.models import PROPOSALS
from app.tasks.models import TASKS
from app.tasks.spec import TASK_VISIBILITY
from app.tasks.timeliness import OPEN_STATUSES

t = TASKS.c
a = AGENCIES.c
# Answered or closed: what stays with the agency that had it.
PROPOSAL_DONE = (ProposalStatus.resolved, ProposalStatus.withdrawn)
BUDGET_DONE = (BudgetStatus.approved, BudgetStatus.rejected, BudgetStatus.closed)


async def succeed(
    conn: AsyncConnection,
    caller: Caller,
    agency_id: uuid.UUID,
    data: SuccessionCreate,
    if_match: Precondition,
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """The agency becomes merged or dissolved; its open tasks, led and cooperated on, its
    proposals and budget requests in flight and its child units move to its successors, each
    its share — all in this transaction, each move in history. A dry run does the same inside
    a savepoint it rolls back: what it answers is what would move."""
    permissions.require(caller, "agency", "succession")
    if (data.successor_id is None) == (data.successors is None):
        raise field_error("successors", "give either successor_id or successors")
    shares = data.shares()
    change = await _check(conn, agency_id, data, shares, if_match)
    if not dry_run:
        return await _succeed(conn, caller, agency_id, data, shares, change)
    savepoint = await conn.begin_nested()
    try:
        result = await _succeed(conn, caller, agency_id, data, shares, change)
    finally:
        await savepoint.rollback()
    result["agency"] = await agencies.get(conn, caller, agency_id)
    return {**result, "dry_run": True}


async def _succeed(
    conn: AsyncConnection,
    caller: Caller,
    agency_id: uuid.UUID,
    data: SuccessionCreate,
    shares: list[SuccessorShare],
    change: versioned.Admitted,
) -> dict[str, Any]:
    row = change.row
    comment = f"Agency succession ({data.status.value}) effective {data.effective_on}"
    rest = next(s.successor_id for s in shares if s.rest)
    now = utcnow()
    chosen = await _choose(conn, agency_id, shares)
    moves: list[dict[str, Any]] = []
    for share in shares:
        move = _Move(conn, caller, agency_id, share.successor_id, comment, now)
        ids = chosen[share.successor_id]
        moves.append(
            {
                "successor_id": share.successor_id,
                "moved_lead": await move.lead(ids["lead"]),
                "moved_cooperating": await move.cooperating(ids["cooperating"]),
                "task_ids": ids["lead"],
            }
        )
    in_flight = await _in_flight(conn, caller, agency_id, rest, comment)
    parent = data.children_successor_id or rest
    reparented = await _reparent(conn, caller, agency_id, parent, comment)
    values = {
        "status": data.status.value,
        "successor_id": rest,
        "valid_to": data.effective_on - timedelta(days=1),
    }
    led = sum(m["moved_lead"] for m in moves)
    cooperating = sum(m["moved_cooperating"] for m in moves)
    changes = history.diff(dict(row._mapping), values)
    by_successor = {str(m["successor_id"]): m["moved_lead"] for m in moves}
    moved = {"lead": led, "cooperating": cooperating, "successors": by_successor}
    changes["moved"] = {"old": None, "new": {**moved, **in_flight, "reparented": len(reparented)}}
    await conn.execute(versioned.statement(change, values, now))
    await history.record(conn, caller, agencies.RESOURCE, agency_id, "succession", changes, comment)
    await agency_versions.record(conn, [agency_id, *reparented], data.effective_on, comment)
    body = await agencies.get(conn, caller, agency_id)
    return {
        "agency": body,
        "dry_run": False,
        "moved_lead": led,
        "moved_cooperating": cooperating,
        "successors": moves,
        **in_flight,
        "reparented": reparented,
    }


async def _check(
    conn: AsyncConnection,
    agency_id: uuid.UUID,
    data: SuccessionCreate,
    shares: list[SuccessorShare],
    if_match: Precondition,
) -> versioned.Admitted:
    row = await agencies._load(conn, agency_id, lock=True, include_deleted=False)
    change = versioned.admit(AGENCIES, row, if_match)
    if row.status != AgencyStatus.active:
        raise Conflict(f"The agency is already {row.status}.")
    await agency_versions.check_day(conn, agency_id, data.effective_on)
    field = "successor_id" if data.successor_id is not None else "successors"
    named = [s.successor_id for s in shares]
    if len(set(named)) != len(named):
        raise field_error(field, "a successor is named twice")
    if sum(s.rest for s in shares) != 1:
        raise field_error(field, "exactly one successor takes the rest (rest: true)")
    for share in shares:
        if not (share.rest or share.task_ids or share.fields or share.pillars):
            raise field_error(
                field, "each successor takes listed tasks, fields, pillars or the rest"
            )
    wanted = [*named]
    if data.children_successor_id is not None:
        if data.children_successor_id not in named:
            raise field_error("children_successor_id", "must be one of the successors")
    if agency_id in wanted:
        raise field_error(field, "an agency cannot succeed itself")
    for successor in wanted:
        if not await agencies.exists_active(conn, successor):
            raise field_error(field, f"no active agency with id {successor}")
    return change


async def _choose(
    conn: AsyncConnection, agency_id: uuid.UUID, shares: list[SuccessorShare]
) -> dict[uuid.UUID, dict[str, list[uuid.UUID]]]:
    """Which successor each open task goes to: the share listing it, else the first whose
    fields hold its field, else whose pillars hold its pillar, else the rest."""
    rows = (
        await conn.execute(
            select(t.id, t.field, t.pillar, t.lead_agency_id)
            .where(
                and_(t.status.in_(OPEN_STATUSES), t.deleted_at.is_(None)),
                TASK_VISIBILITY.involving([agency_id]),
            )
            .order_by(t.id)
            .with_for_update()
        )
    ).all()
    rest = next(s.successor_id for s in shares if s.rest)
    chosen: dict[uuid.UUID, dict[str, list[uuid.UUID]]] = {
        s.successor_id: {"lead": [], "cooperating": []} for s in shares
    }
    for task in rows:
        successor = (
            next((s.successor_id for s in shares if task.id in s.task_ids), None)
            or next((s.successor_id for s in shares if task.field in s.fields), None)
            or next((s.successor_id for s in shares if task.pillar in s.pillars), None)
            or rest
        )
        role = "lead" if task.lead_agency_id == agency_id else "cooperating"
        chosen[successor][role].append(task.id)
    return chosen


async def _in_flight(
    conn: AsyncConnection, caller: Caller, agency_id: uuid.UUID, rest: uuid.UUID, comment: str
) -> dict[str, int]:
    """Proposals and budget requests not yet answered go to the successor that takes the rest."""
    moved = {}
    for resource, table, column, done, key in (
        ("proposal", PROPOSALS, "submitting_agency_id", PROPOSAL_DONE, "moved_proposals"),
        (
            "budget_request",
            BUDGET_REQUESTS,
            "requesting_agency_id",
            BUDGET_DONE,
            "moved_budget_requests",
        ),
    ):
        c = table.c
        ids = (
            (
                await conn.execute(
                    update(table)
                    .where(c[column] == agency_id, c.status.not_in(done), c.deleted_at.is_(None))
                    .values({column: rest, **next_version(table)})
                    .returning(c.id)
                )
            )
            .scalars()
            .all()
        )
        change = {column: {"old": str(agency_id), "new": str(rest)}}
        await history.record_many(
            conn, caller, resource, [(i, "updated", change, comment) for i in ids]
        )
        moved[key] = len(ids)
    return moved


async def _reparent(
    conn: AsyncConnection, caller: Caller, agency_id: uuid.UUID, parent: uuid.UUID, comment: str
) -> list[uuid.UUID]:
    """The agency's child units (divisions, centres) move under the successor."""
    ids = list(
        (
            await conn.execute(
                update(AGENCIES)
                .where(
                    a.parent_id == agency_id,
                    a.deleted_at.is_(None),
                    a.status == AgencyStatus.active,
                )
                .values(parent_id=parent, **next_version(AGENCIES, utcnow()))
                .returning(a.id)
            )
        ).scalars()
    )
    change = {"parent_id": {"old": str(agency_id), "new": str(parent)}}
    await history.record_many(
        conn, caller, agencies.RESOURCE, [(i, "updated", change, comment) for i in ids]
    )
    return ids


@dataclass(frozen=True)
class _Move:
    conn: AsyncConnection
    caller: Caller
    old: uuid.UUID
    new: uuid.UUID
    comment: str
    now: datetime

    async def lead(self, ids: list[uuid.UUID]) -> int:
        """Tasks the agency leads (`ids`): the successor leads them (and no longer cooperates)."""
        if not ids:
            return 0
        led = (
            await self.conn.execute(
                update(TASKS)
                .where(t.id.in_(ids), t.lead_agency_id == self.old)
                .values(
                    lead_agency_id=self.new,
                    cooperating_agency_ids=func.array_remove(
                        t.cooperating_agency_ids, literal(self.new)
                    ),
                    **next_version(TASKS, self.now),
                )
                .returning(t.id)
            )
        ).all()
        change = {"lead_agency_id": {"old": str(self.old), "new": str(self.new)}}
        await history.record_many(
            self.conn, self.caller, "task", [(r.id, "updated", change, self.comment) for r in led]
        )
        return len(led)

    async def cooperating(self, ids: list[uuid.UUID]) -> int:
        """Tasks it cooperates on (`ids`): the successor takes its place, once, not as lead."""
        if not ids:
            return 0
        rows = (
            await self.conn.execute(
                select(t.id, t.lead_agency_id, t.cooperating_agency_ids)
                .where(t.id.in_(ids), t.cooperating_agency_ids.contains([self.old]))
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
                .values(cooperating_agency_ids=after, **next_version(TASKS, self.now))
            )
            old, new = [str(x) for x in before], [str(x) for x in after]
            change = {"cooperating_agency_ids": {"old": old, "new": new}}
            entries.append((task.id, "updated", change, self.comment))
        await history.record_many(self.conn, self.caller, "task", entries)
        return len(rows)
