"""Frozen figures (chốt số liệu): `POST /reports/snapshots` computes a task report and keeps it
exactly, with the tasks it counted; it is read back as frozen (JSON, CSV, xlsx) and compared
with today's recomputation (`…/drift`: which tasks moved, and the changes that moved them).
A snapshot is never edited; a later one may supersede it (once)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access import permissions
from app.access.auth import Caller
from app.core.ids import uuid7
from app.db import Reader
from app.errors.domain import Conflict, NotFound, field_error
from app.files import service as attachments
from app.kernel import history, records
from app.kernel.history_models import HISTORY
from app.kernel.listing import ListParams, Page, fetch_page, parse_sort
from app.kernel.schemas import utcnow
from app.reports import service as reports
from app.reports.snapshot_models import REPORT_SNAPSHOTS, SnapshotCreate

RESOURCE = "report_snapshot"
s = REPORT_SNAPSHOTS.c
COLUMNS = (
    s.id,
    s.kind,
    s.params,
    s.report,
    s.note,
    s.supersedes_id,
    s.attachment_ids,
    s.created_by_id,
    s.created_by_name,
    s.created_at,
)


def query(data: dict[str, Any], today: date, soon_days: int, tz: Any) -> reports.TaskReportQuery:
    return reports.query_for(
        data["group_by"],
        date.fromisoformat(data["from"]) if data.get("from") else None,
        date.fromisoformat(data["to"]) if data.get("to") else None,
        data.get("period"),
        data.get("period_mode") == "calendar",
        date.fromisoformat(data["as_of"]) if data.get("as_of") else None,
        today,
        soon_days,
        tz,
        year=data.get("year"),
        is_key_task=data.get("is_key_task"),
        agency_id=[uuid.UUID(a) for a in data["agency_id"]] if data.get("agency_id") else None,
    )


async def freeze(
    conn: AsyncConnection,
    caller: Caller,
    data: SnapshotCreate,
    today: date,
    soon_days: int,
    tz: Any,
) -> dict[str, Any]:
    permissions.require(caller, "report", "snapshot")
    params = history.jsonable(
        data.model_dump(by_alias=True, exclude={"note", "supersedes_id", "attachment_ids"})
    )
    # Kept as asked: without `as_of`, a recomputation (the drift) judges on its own day — the
    # period's last day, or today while the period runs. The frozen report says the day it
    # was judged on (`report.as_of`).
    q = query(params, today, soon_days, tz)
    if data.supersedes_id is not None:
        try:
            await _one(conn, data.supersedes_id)
        except NotFound as exc:
            # A body naming nothing is a bad body (422), as for every other id it carries.
            raise field_error(
                "supersedes_id", f"no report snapshot with id {data.supersedes_id}"
            ) from exc
    cited = list(dict.fromkeys(data.attachment_ids))
    for attachment_id in cited:
        try:  # each a document the caller sees, not removed
            await attachments.get(conn, caller, attachment_id)
        except NotFound as exc:
            raise field_error("attachment_ids", f"no document with id {attachment_id}") from exc
    row_id = uuid7()
    try:
        await conn.execute(
            insert(REPORT_SNAPSHOTS).values(
                id=row_id,
                kind=data.kind,
                params=params,
                report=history.jsonable(await reports.task_report(conn, caller, q)),
                figures=history.jsonable(await reports.task_figures(conn, caller, q)),
                note=data.note,
                supersedes_id=data.supersedes_id,
                attachment_ids=cited,
                created_by_id=caller.key_id,
                created_by_name=caller.name,
                created_at=utcnow(),
            )
        )
    except IntegrityError as exc:
        raise Conflict(
            "That snapshot is already superseded; supersede its successor.", field="supersedes_id"
        ) from exc
    frozen = {"params": params, "supersedes_id": data.supersedes_id}
    if cited:
        frozen["attachment_ids"] = cited
    await history.record(
        conn, caller, RESOURCE, row_id, "created", history.diff({}, frozen), data.note
    )
    return await get(conn, caller, row_id)


async def _one(conn: Reader, snapshot_id: uuid.UUID) -> Any:
    frozen = REPORT_SNAPSHOTS.alias("frozen")
    f = frozen.c
    successor = select(s.id).where(s.supersedes_id == f.id).scalar_subquery()
    stmt = select(
        *(f[c.name] for c in COLUMNS), successor.label("superseded_by_id"), f.figures
    ).where(f.id == snapshot_id)
    return await records.found(conn, stmt, f"No report snapshot with id {snapshot_id}.")


async def get(conn: Reader, caller: Caller, snapshot_id: uuid.UUID) -> dict[str, Any]:
    permissions.require(caller, "report", "read")
    row = await _one(conn, snapshot_id)
    return {str(k): v for k, v in row._mapping.items() if k != "figures"}


async def list_(conn: Reader, caller: Caller, params: ListParams) -> Page:
    permissions.require(caller, "report", "read")
    keys = parse_sort(params.sort, {"created_at": s.created_at}, "-created_at")
    stmt = select(s.id, s.kind, s.params, s.note, s.supersedes_id, s.created_by_name, s.created_at)
    return await fetch_page(conn, stmt, keys, s.id, params)


def _differ(frozen: dict[str, Any] | None, now: dict[str, Any] | None) -> bool:
    """Whether a task's figures moved: on what both recorded (a figure the service records
    only since a later version is not a change of the task)."""
    if frozen is None or now is None:
        return frozen is not now
    return any(frozen[k] != now[k] for k in frozen.keys() & now.keys())


async def drift(
    conn: Reader, caller: Caller, snapshot_id: uuid.UUID, today: date, soon_days: int, tz: Any
) -> dict[str, Any]:
    """The tasks whose figures differ from a recomputation today, each with the history
    entries written since the snapshot (what changed, by whom)."""
    permissions.require(caller, "report", "read")
    row = await _one(conn, snapshot_id)
    before = {f["task_id"]: f for f in row.figures}
    q = query(row.params, today, soon_days, tz)
    after = {f["task_id"]: f for f in history.jsonable(await reports.task_figures(conn, caller, q))}
    moved = sorted(
        (t for t in before.keys() | after.keys() if _differ(before.get(t), after.get(t))),
        key=lambda t: (before.get(t) or after.get(t) or {}).get("code", ""),
    )
    h = HISTORY.c
    entries: dict[str, list[dict[str, Any]]] = {t: [] for t in moved}
    if moved:
        found = await conn.execute(
            select(h.resource_id, h.action, h.actor_name, h.actor_role, h.occurred_at, h.changes)
            .where(
                h.resource_type == "task",
                h.resource_id.in_([uuid.UUID(t) for t in moved]),
                h.occurred_at > row.created_at,
            )
            .order_by(h.occurred_at, h.id)
        )
        for e in found.all():
            entries[str(e.resource_id)].append(
                history.jsonable({str(k): v for k, v in e._mapping.items()})
            )
    items = [
        {
            "task_id": t,
            "code": (before.get(t) or after.get(t) or {}).get("code"),
            "frozen": before.get(t),
            "now": after.get(t),
            "changes": [{k: v for k, v in e.items() if k != "resource_id"} for e in entries[t]],
        }
        for t in moved
    ]
    return {"snapshot_id": snapshot_id, "items": items}
