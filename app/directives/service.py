"""Directives: records of what leaders decided, their lifecycle, their tasks' summary."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from app.access import permissions
from app.access.auth import Caller
from app.agencies.models import AGENCIES
from app.core.day import Day
from app.core.enums import DirectiveStatus
from app.core.ids import uuid7
from app.db import Reader
from app.directives import summaries as directive_summaries
from app.directives.models import (
    DIRECTIVES,
    DirectiveCreate,
    DirectiveRead,
    DirectiveTransition,
    DirectiveUpdate,
    IssueDirective,
    Meeting,
)
from app.errors.domain import Conflict, ValidationFailed, field_error
from app.kernel import codes, history, records, soft_delete, versioned
from app.kernel.fields import public_columns
from app.kernel.filters import shaped_page
from app.kernel.listing import ListParams, Page
from app.kernel.precondition import Precondition
from app.kernel.schemas import utcnow
from app.tasks import service as tasks
from app.tasks.models import DirectiveTaskItem

RESOURCE = "directive"
d = DIRECTIVES.c
COLUMNS = public_columns(DIRECTIVES, DirectiveRead)
SORT_KEYS: dict[str, ColumnElement[Any]] = {
    "created_at": d.created_at,
    "updated_at": d.updated_at,
    "code": d.code,
}


def allowed_actions(caller: Caller, row: Any) -> list[str]:
    return permissions.allowed_actions(caller, RESOURCE, row)


def to_body(caller: Caller, row: Any, summary: dict[str, int] | None) -> dict[str, Any]:
    body = dict(row._mapping)
    if body.get("meeting") is not None:
        body["meeting"] = {**Meeting().model_dump(mode="json"), **body["meeting"]}
    body["task_summary"] = summary or directive_summaries.empty()
    body["allowed_actions"] = allowed_actions(caller, row)
    return body


async def _body(conn: Reader, caller: Caller, row: Any, day: Day) -> dict[str, Any]:
    return to_body(
        caller, row, (await directive_summaries.summaries(conn, caller, [row.id], day)).get(row.id)
    )


async def _load(
    conn: Reader,
    directive_id: uuid.UUID,
    *,
    lock: bool = False,
    include_deleted: bool = False,
) -> Row[*tuple[Any, ...]]:
    return await records.load_one(
        conn,
        DIRECTIVES,
        tuple(COLUMNS),
        directive_id,
        f"No directive with id {directive_id}.",
        include_deleted=include_deleted,
        lock=lock,
    )


async def load(conn: Reader, caller: Caller, directive_id: uuid.UUID) -> Row[*tuple[Any, ...]]:
    """A directive as the caller sees it: every role sees directives (404 when there is none)."""
    return await _load(conn, directive_id)


async def _check_agencies(conn: AsyncConnection, named: dict[str, list[uuid.UUID]]) -> None:
    wanted = {a for ids in named.values() for a in ids}
    if not wanted:
        return
    rows = (
        await conn.execute(
            select(AGENCIES.c.id).where(AGENCIES.c.id.in_(wanted), AGENCIES.c.deleted_at.is_(None))
        )
    ).all()
    known = {r.id for r in rows}
    for name, ids in named.items():
        missing = [str(i) for i in ids if i not in known]
        if missing:
            raise field_error(name, f"no agency with id {', '.join(missing)}")


def _agencies_named(values: dict[str, Any]) -> dict[str, list[uuid.UUID]]:
    named: dict[str, list[uuid.UUID]] = {}
    if values.get("issuer_agency_id"):
        named["issuer_agency_id"] = [values["issuer_agency_id"]]
    meeting = values.get("meeting") or {}
    if meeting.get("host_agency_id"):
        named["meeting.host_agency_id"] = [uuid.UUID(str(meeting["host_agency_id"]))]
    if meeting.get("participant_agency_ids"):
        named["meeting.participant_agency_ids"] = [
            uuid.UUID(str(a)) for a in meeting["participant_agency_ids"]
        ]
    return named


def _duplicate_number(values: dict[str, Any]) -> Conflict:
    return Conflict(
        f"Document number '{values['document_number']}' is already used by this issuer in {values['year']}.",
        field="document_number",
    )


async def create(
    conn: AsyncConnection, caller: Caller, data: DirectiveCreate, day: Day
) -> dict[str, Any]:
    permissions.require(caller, RESOURCE, "create")
    values = data.model_dump(mode="python")
    if data.meeting is not None:
        values["meeting"] = data.meeting.model_dump(mode="json")
    values["year"] = values["year"] or (data.issued_on or day.today).year
    await _check_agencies(conn, _agencies_named(values))
    given = values.pop("code")
    code = given or await codes.next_code(conn, RESOURCE, values["year"])
    now = utcnow()
    stmt = (
        insert(DIRECTIVES)
        .values(
            id=uuid7(),
            code=code,
            status=DirectiveStatus.draft,
            created_at=now,
            updated_at=now,
            **values,
        )
        .on_conflict_do_nothing()
        .returning(*COLUMNS)
    )
    row = (await conn.execute(stmt)).first()
    if row is None:
        if given and (await conn.execute(select(d.id).where(d.code == given))).first():
            raise Conflict(f"A directive with code '{given}' already exists.", field="code")
        raise _duplicate_number(values)
    recorded = {k: v for k, v in values.items() if v is not None}
    await history.record(
        conn, caller, RESOURCE, row.id, "created", history.diff({}, {"code": code, **recorded})
    )
    return to_body(caller, row, None)


async def get(
    conn: Reader,
    caller: Caller,
    directive_id: uuid.UUID,
    day: Day,
    include_deleted: bool = False,
) -> dict[str, Any]:
    return await _body(
        conn, caller, await _load(conn, directive_id, include_deleted=include_deleted), day
    )


async def update_(
    conn: AsyncConnection,
    caller: Caller,
    directive_id: uuid.UUID,
    patch: DirectiveUpdate,
    if_match: Precondition,
    day: Day,
) -> dict[str, Any]:
    permissions.require(caller, RESOURCE, "update")
    row = await _load(conn, directive_id, lock=True)
    change = versioned.admit(DIRECTIVES, row, if_match)
    fields = patch.model_dump(exclude_unset=True)
    if "meeting" in fields:
        fields["meeting"] = _merge_meeting(row.meeting, fields["meeting"])
    current = dict(row._mapping)
    changes = history.diff(current, fields)
    if not changes:
        return await _body(conn, caller, row, day)
    await _check_agencies(
        conn, _agencies_named({k: fields.get(k) for k in ("issuer_agency_id", "meeting")})
    )
    values = {k: fields[k] for k in changes}
    try:
        async with conn.begin_nested():
            updated = await versioned.write(conn, change, values, COLUMNS)
    except IntegrityError as exc:
        raise _duplicate_number({**current, **values}) from exc
    await history.record(conn, caller, RESOURCE, directive_id, "updated", changes)
    return await _body(conn, caller, updated, day)


def _merge_meeting(
    current: dict[str, Any] | None, patch: dict[str, Any] | None
) -> dict[str, Any] | None:
    """RFC 7396 inside the meeting object: null clears it, keys merge, a null key clears that key."""
    if patch is None:
        return None
    merged = dict(current or {})
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    try:
        return Meeting.model_validate(merged).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        raise ValidationFailed(
            "Invalid meeting.",
            [
                {"field": "meeting." + ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors()
            ],
        ) from exc


async def delete(
    conn: AsyncConnection, caller: Caller, directive_id: uuid.UUID, if_match: Precondition
) -> None:
    permissions.require(caller, RESOURCE, "delete")
    row = await _load(conn, directive_id, lock=True)
    await soft_delete.delete(conn, caller, RESOURCE, DIRECTIVES, row, if_match)


async def restore(
    conn: AsyncConnection,
    caller: Caller,
    directive_id: uuid.UUID,
    if_match: Precondition,
    day: Day,
) -> dict[str, Any]:
    permissions.require(caller, RESOURCE, "restore")
    row = await _load(conn, directive_id, lock=True, include_deleted=True)
    restored = await soft_delete.restore(
        conn, caller, RESOURCE, DIRECTIVES, row, if_match, COLUMNS, allowed_actions(caller, row)
    )
    return await _body(conn, caller, restored, day)


async def transition(
    conn: AsyncConnection,
    caller: Caller,
    directive_id: uuid.UUID,
    data: DirectiveTransition,
    if_match: Precondition,
    day: Day,
) -> dict[str, Any]:
    row = await _load(conn, directive_id, lock=True)
    step = permissions.check_transition(caller, RESOURCE, data, row)
    change = versioned.admit(DIRECTIVES, row, if_match)
    values: dict[str, Any] = {"status": step.target}
    if isinstance(data, IssueDirective):
        issued_on = data.issued_on or row.issued_on or day.today
        if issued_on > day.today:
            raise field_error("issued_on", "cannot be in the future")
        values["issued_on"] = issued_on
    changes = history.diff(dict(row._mapping), values)
    updated = await versioned.write(conn, change, values, COLUMNS)
    await history.record(conn, caller, RESOURCE, directive_id, data.action, changes, data.comment)
    return await _body(conn, caller, updated, day)


async def create_tasks(
    conn: AsyncConnection,
    caller: Caller,
    directive_id: uuid.UUID,
    items: list[DirectiveTaskItem],
    day: Day,
) -> list[dict[str, Any]]:
    """All of the directive's tasks in this transaction: one bad item and none is created."""
    permissions.require(caller, RESOURCE, "create_tasks")
    await _load(conn, directive_id)
    created = []
    for index, item in enumerate(items):
        created.append(
            await tasks.create(
                conn, caller, item, day, directive_id=directive_id, prefix=f"tasks.{index}."
            )
        )
    return created


@dataclass
class DirectiveFilters:
    status: Sequence[str] | None = None
    kind: Sequence[str] | None = None
    issuer_agency_id: Sequence[uuid.UUID] | None = None
    year: Sequence[int] | None = None
    q: str | None = None


async def list_(
    conn: Reader, caller: Caller, params: ListParams, f: DirectiveFilters, day: Day
) -> tuple[Page, list[dict[str, Any]]]:
    page = await shaped_page(
        conn,
        caller,
        DIRECTIVES,
        COLUMNS,
        params,
        sort_keys=SORT_KEYS,
        default_sort="-created_at",
        any_of=(
            ("status", f.status, d.status),
            ("kind", f.kind, d.kind),
            ("issuer_agency_id", f.issuer_agency_id, d.issuer_agency_id),
            ("year", f.year, d.year),
        ),
        q=f.q,
    )
    sums = (
        await directive_summaries.summaries(conn, caller, [r.id for r in page.rows], day)
        if page.rows
        else {}
    )
    return page, [to_body(caller, r, sums.get(r.id)) for r in page.rows]


async def history_of(
    conn: Reader, caller: Caller, directive_id: uuid.UUID, params: ListParams
) -> Page:
    await _load(conn, directive_id, include_deleted=True)
    return await history.list_for(conn, RESOURCE, directive_id, params)
