"""Agencies: validation, CRUD, soft delete and history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, Text, Uuid, any_, bindparam, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access import permissions
from app.access.auth import Caller
from app.agencies import versions as agency_versions
from app.agencies.models import AGENCIES, Agency, AgencyCreate, AgencyRead, AgencyUpdate
from app.core.enums import AgencyKind, AgencyStatus
from app.db import Reader
from app.errors.domain import Conflict, field_error
from app.kernel import hierarchy, history, records, soft_delete, versioned
from app.kernel.fields import public_columns
from app.kernel.filters import shaped_page
from app.kernel.listing import ListParams, Page
from app.kernel.precondition import Precondition
from app.kernel.schemas import utcnow

RESOURCE = "agency"
t = AGENCIES.c

COLUMNS = public_columns(AGENCIES, AgencyRead)
SORT_KEYS = {
    "code": t.code,
    "name": t.name,
    "created_at": t.created_at,
    "updated_at": t.updated_at,
}
EDITABLE = ("name", "short_name", "kind", "parent_id", "valid_from", "valid_to")
# What a change starts a new version of the agency for (app/agencies/versions.py).
OVER_TIME = ("name", "short_name", "parent_id")


def allowed_actions(caller: Caller, row: Any) -> list[str]:
    if row.deleted_at is not None:
        wanted: tuple[str, ...] = ("restore",)
    elif row.status == AgencyStatus.active:
        wanted = ("update", "delete", "succession")
    else:
        wanted = ("update", "delete")
    return [a for a in wanted if permissions.allows(caller, RESOURCE, a)]


def to_body(caller: Caller, row: Any) -> dict[str, Any]:
    body = dict(row._mapping)
    body["allowed_actions"] = allowed_actions(caller, row)
    return body


async def _check_codes(
    conn: AsyncConnection, code: str | None, former: list[str], self_id: uuid.UUID | None = None
) -> None:
    """A code, current or former, names one agency: a former code may not be another
    agency's code or former code, nor a new code another's former code (409)."""
    codes = [*former, *([code] if code else [])]
    if not codes:
        return
    olds = bindparam("former", value=list(former), type_=ARRAY(Text()))
    every = bindparam("codes", value=codes, type_=ARRAY(Text()))
    clash = (
        await conn.execute(
            select(t.code).where(
                or_(t.code == any_(olds), t.former_codes.overlap(every)),
                t.id != (self_id or uuid.UUID(int=0)),
            )
        )
    ).first()
    if clash is not None:
        raise Conflict(
            f"A code among {', '.join(codes)} already names agency {clash.code}.",
            field="former_codes",
        )


def _check_dates(values: dict[str, Any]) -> None:
    start, end = values.get("valid_from"), values.get("valid_to")
    if start and end and end < start:
        raise field_error("valid_to", "must not be before valid_from")


async def _load(
    conn: Reader, agency_id: uuid.UUID, *, lock: bool = False, include_deleted: bool = True
) -> Row[*tuple[Any, ...]]:
    return await records.load_one(
        conn,
        AGENCIES,
        tuple(COLUMNS),
        agency_id,
        f"No agency with id {agency_id}.",
        include_deleted=include_deleted,
        lock=lock,
    )


async def create(
    conn: AsyncConnection, caller: Caller, data: AgencyCreate, *, agency_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """A new agency (`agency_id`: a fixed id, for the demo's agencies). A division (phòng, ban)
    sits under its agency, and that agency's own staff may create it."""
    if data.kind == AgencyKind.division:
        if data.parent_id is None:
            raise field_error("parent_id", "a division belongs to an agency: give its parent_id")
        permissions.require(
            caller, RESOURCE, "create_division", holds=caller.agency_id == data.parent_id
        )
    else:
        permissions.require(caller, RESOURCE, "create")
    values = data.model_dump()
    _check_dates(values)
    await _check_codes(conn, data.code, data.former_codes)
    await hierarchy.check_parent(conn, AGENCIES, "agency", data.parent_id)
    now = utcnow()
    fixed = {} if agency_id is None else {"id": agency_id}
    record = Agency.model_validate(values, update={"created_at": now, "updated_at": now, **fixed})
    row_values = record.model_dump(exclude={"search"})
    stmt = (
        insert(AGENCIES)
        .values(**row_values)
        .on_conflict_do_nothing(index_elements=[t.code])
        .returning(*COLUMNS)
    )
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise Conflict(f"An agency with code '{data.code}' already exists.", field="code")
    changes = history.diff({}, {k: v for k, v in row_values.items() if v is not None})
    await history.record(conn, caller, RESOURCE, row.id, "created", changes)
    await agency_versions.record(conn, [row.id], None)
    return to_body(caller, row)


async def get(
    conn: Reader, caller: Caller, agency_id: uuid.UUID, include_deleted: bool = False
) -> dict[str, Any]:
    return to_body(caller, await _load(conn, agency_id, include_deleted=include_deleted))


async def update_(
    conn: AsyncConnection,
    caller: Caller,
    agency_id: uuid.UUID,
    patch: AgencyUpdate,
    if_match: Precondition,
    today: date,
) -> dict[str, Any]:
    """Apply an RFC 7396 merge patch: absent fields stay, `null` clears. A division's own
    agency's staff may rename it and set its dates, not move it or change its kind. A new name,
    short name or parent takes effect on `effective_on` (default today): reports as of an
    earlier day keep the agency as it was."""
    if "parent_id" in patch.model_fields_set:
        await hierarchy.lock_tree(conn, AGENCIES)
    fields = patch.model_dump(exclude_unset=True, exclude={"effective_on"})
    effective_on = patch.effective_on or today
    row = await _load(conn, agency_id, lock=True, include_deleted=False)
    if not permissions.allows(caller, RESOURCE, "update"):
        own_division = row.kind == AgencyKind.division and caller.agency_id == row.parent_id
        permissions.require(caller, RESOURCE, "update_division", holds=own_division)
        if fields.keys() & {"kind", "parent_id"}:
            permissions.require(caller, RESOURCE, "update")
    change = versioned.admit(AGENCIES, row, if_match)
    if effective_on > today:
        raise field_error("effective_on", "must not be after today")
    if fields.get("kind") == AgencyKind.division and (
        fields.get("parent_id", row.parent_id) is None
    ):
        raise field_error("parent_id", "a division belongs to an agency: give its parent_id")
    if "former_codes" in fields:
        fields["former_codes"] = list(dict.fromkeys(fields["former_codes"] or []))
        await _check_codes(conn, None, fields["former_codes"], agency_id)
    current = dict(row._mapping)
    merged = {**current, **fields}
    _check_dates(merged)
    if "parent_id" in fields and fields["parent_id"] != current["parent_id"]:
        await hierarchy.check_parent(conn, AGENCIES, "agency", fields["parent_id"], agency_id)
    changes = history.diff(current, fields)
    if not changes:
        return to_body(caller, row)
    over_time = bool(changes.keys() & set(OVER_TIME))
    if over_time:
        await agency_versions.check_day(conn, agency_id, effective_on)
    updated = await versioned.write(conn, change, {k: fields[k] for k in changes}, COLUMNS)
    comment = f"Effective {effective_on}" if over_time else None
    await history.record(conn, caller, RESOURCE, agency_id, "updated", changes, comment)
    if over_time:
        await agency_versions.record(conn, [agency_id], effective_on)
    return to_body(caller, updated)


async def delete(
    conn: AsyncConnection, caller: Caller, agency_id: uuid.UUID, if_match: Precondition
) -> None:
    permissions.require(caller, RESOURCE, "delete")
    row = await _load(conn, agency_id, lock=True, include_deleted=False)
    await soft_delete.delete(conn, caller, RESOURCE, AGENCIES, row, if_match)


async def restore(
    conn: AsyncConnection, caller: Caller, agency_id: uuid.UUID, if_match: Precondition
) -> dict[str, Any]:
    permissions.require(caller, RESOURCE, "restore")
    row = await _load(conn, agency_id, lock=True)
    restored = await soft_delete.restore(
        conn, caller, RESOURCE, AGENCIES, row, if_match, COLUMNS, allowed_actions(caller, row)
    )
    return to_body(caller, restored)


async def list_(
    conn: Reader,
    caller: Caller,
    params: ListParams,
    *,
    status: Sequence[str] | None = None,
    kind: Sequence[str] | None = None,
    parent_id: list[uuid.UUID] | None = None,
    q: str | None = None,
) -> tuple[Page, list[dict[str, Any]]]:
    page = await shaped_page(
        conn,
        caller,
        AGENCIES,
        COLUMNS,
        params,
        sort_keys=SORT_KEYS,
        default_sort="code",
        any_of=(
            ("status", status, t.status),
            ("kind", kind, t.kind),
            ("parent_id", parent_id, t.parent_id),
        ),
        q=q,
    )
    return page, [to_body(caller, r) for r in page.rows]


async def history_of(
    conn: Reader, caller: Caller, agency_id: uuid.UUID, params: ListParams
) -> Page:
    await _load(conn, agency_id)
    return await history.list_for(conn, RESOURCE, agency_id, params)


async def exists_active(conn: AsyncConnection, agency_id: uuid.UUID) -> bool:
    """The agency exists and is active, and stays so until this transaction ends (FOR SHARE:
    a succession, which locks it FOR UPDATE, waits, and one already under way is waited for
    and then seen)."""
    stmt = (
        select(literal(True))
        .where(t.id == agency_id, t.status == AgencyStatus.active, t.deleted_at.is_(None))
        .with_for_update(read=True)
    )
    return (await conn.execute(stmt)).first() is not None


async def count(conn: AsyncConnection) -> int:
    return (await conn.execute(select(func.count()).select_from(AGENCIES))).scalar_one()


# Built once: the ids are one array parameter, so the statement is the same for any number.
_ACTIVE_AMONG = (
    select(t.id)
    .where(
        t.id == any_(bindparam("ids", type_=ARRAY(Uuid()))),
        t.status == AgencyStatus.active,
        t.deleted_at.is_(None),
    )
    .order_by(t.id)
    .with_for_update(read=True)
)


async def require_active(conn: AsyncConnection, named: dict[str, list[uuid.UUID]]) -> None:
    """Every agency named (field → ids) exists and is active; 422 naming the field otherwise.
    One query for all of them. The rows stay locked FOR SHARE until the transaction ends, so
    work given to an agency and that agency's succession serialise: either the succession
    waits and then moves this work too, or this waits and then sees the agency inactive."""
    wanted = {a for ids in named.values() for a in ids}
    if not wanted:
        return
    rows = (await conn.execute(_ACTIVE_AMONG, {"ids": sorted(wanted)})).all()
    active = {r.id for r in rows}
    for name, ids in named.items():
        missing = [str(i) for i in ids if i not in active]
        if missing:
            raise field_error(name, f"no active agency with id {', '.join(missing)}")
