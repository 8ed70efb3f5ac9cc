"""Officials: who works in an agency (and which of its divisions), how they are told of work,
and the notices they have been sent."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access import permissions
from app.access.auth import Caller, forget_subjects
from app.agencies import service as agencies
from app.agencies.models import AGENCIES
from app.core.enums import AgencyKind, AgencyStatus
from app.db import Reader
from app.errors.domain import Conflict, field_error
from app.kernel import history, records, versioned
from app.kernel.fields import public_columns
from app.kernel.filters import shaped_page
from app.kernel.listing import ListParams, Page
from app.kernel.precondition import Precondition
from app.kernel.schemas import utcnow
from app.people.models import (
    NOTIFICATIONS,
    OFFICIALS,
    Official,
    OfficialCreate,
    OfficialRead,
    OfficialUpdate,
)
from app.people.spec import OFFICIAL_VISIBILITY

RESOURCE = "official"
t = OFFICIALS.c
COLUMNS = public_columns(OFFICIALS, OfficialRead)
SORT_KEYS = {"name": t.name, "created_at": t.created_at, "updated_at": t.updated_at}


def to_body(caller: Caller, row: Any) -> dict[str, Any]:
    body = dict(row._mapping)
    body["allowed_actions"] = [
        a for a in ("update", "choose_notify") if permissions.allows(caller, RESOURCE, a, row)
    ]
    return body


async def load(
    conn: Reader, caller: Caller | None, official_id: uuid.UUID, *, lock: bool = False
) -> Row[*tuple[Any, ...]]:
    return await records.load_one(
        conn,
        OFFICIALS,
        tuple(COLUMNS),
        official_id,
        f"No official with id {official_id}.",
        caller=caller,
        visibility=OFFICIAL_VISIBILITY,
        include_deleted=True,
        lock=lock,
    )


async def check_division(
    conn: AsyncConnection, agency_id: uuid.UUID, division_id: uuid.UUID, field: str
) -> None:
    """A division named for `agency_id` is an active agency of kind `division` under it."""
    a = AGENCIES.c
    row = (
        await conn.execute(
            select(a.kind, a.parent_id, a.status, a.deleted_at).where(a.id == division_id)
        )
    ).first()
    if row is None or row.deleted_at is not None or row.status != AgencyStatus.active:
        raise field_error(field, f"no active division with id {division_id}")
    if row.kind != AgencyKind.division or row.parent_id != agency_id:
        raise field_error(field, f"{division_id} is not a division of agency {agency_id}")


async def _check(conn: AsyncConnection, values: dict[str, Any], changed: set[str]) -> None:
    if "agency_id" in changed and not await agencies.exists_active(conn, values["agency_id"]):
        raise field_error("agency_id", f"no active agency with id {values['agency_id']}")
    if values.get("division_id") is not None and changed & {"agency_id", "division_id"}:
        await check_division(conn, values["agency_id"], values["division_id"], "division_id")
    if "portfolio_agency_ids" in changed and values["portfolio_agency_ids"]:
        await agencies.require_active(
            conn, {"portfolio_agency_ids": values["portfolio_agency_ids"]}
        )


async def create(conn: AsyncConnection, caller: Caller, data: OfficialCreate) -> dict[str, Any]:
    permissions.require(caller, RESOURCE, "create", holds=caller.agency_id == data.agency_id)
    values = data.model_dump()
    await _check(conn, values, set(values))
    now = utcnow()
    record = Official.model_validate(values, update={"created_at": now, "updated_at": now})
    row_values = record.model_dump()
    try:
        async with conn.begin_nested():
            row = (
                await conn.execute(insert(OFFICIALS).values(**row_values).returning(*COLUMNS))
            ).one()
    except IntegrityError as exc:
        raise Conflict(
            "Another official already signs in with this OIDC subject.", field="oidc_subject"
        ) from exc
    shown = {k: v for k, v in row_values.items() if v not in (None, [], False)}
    await history.record(conn, caller, RESOURCE, row.id, "created", history.diff({}, shown))
    forget_subjects()
    return to_body(caller, row)


async def get(conn: Reader, caller: Caller, official_id: uuid.UUID) -> dict[str, Any]:
    return to_body(caller, await load(conn, caller, official_id))


async def update_(
    conn: AsyncConnection,
    caller: Caller,
    official_id: uuid.UUID,
    patch: OfficialUpdate,
    if_match: Precondition,
) -> dict[str, Any]:
    row = await load(conn, caller, official_id, lock=True)
    fields = patch.model_dump(exclude_unset=True)
    if fields.keys() <= {"notify"} and permissions.allows(caller, RESOURCE, "choose_notify", row):
        pass  # an official chooses how they are told
    else:
        permissions.require(caller, RESOURCE, "update", row)
    change = versioned.admit(OFFICIALS, row, if_match)
    current = dict(row._mapping)
    changes = history.diff(current, fields)
    if not changes:
        return to_body(caller, row)
    await _check(conn, {**current, **fields}, set(changes))
    try:
        async with conn.begin_nested():
            updated = await versioned.write(conn, change, {k: fields[k] for k in changes}, COLUMNS)
    except IntegrityError as exc:
        raise Conflict(
            "Another official already signs in with this OIDC subject.", field="oidc_subject"
        ) from exc
    await history.record(conn, caller, RESOURCE, official_id, "updated", changes)
    forget_subjects()
    return to_body(caller, updated)


async def list_(
    conn: Reader,
    caller: Caller,
    params: ListParams,
    *,
    agency_id: Sequence[uuid.UUID] | None = None,
    division_id: Sequence[uuid.UUID] | None = None,
    active: bool | None = None,
) -> tuple[Page, list[dict[str, Any]]]:
    page = await shaped_page(
        conn,
        caller,
        OFFICIALS,
        COLUMNS,
        params,
        sort_keys=SORT_KEYS,
        default_sort="name",
        any_of=(
            ("agency_id", agency_id, t.agency_id),
            ("division_id", division_id, t.division_id),
            ("active", None if active is None else [active], t.active),
        ),
        q=None,
        visibility=OFFICIAL_VISIBILITY,
    )
    return page, [to_body(caller, r) for r in page.rows]


async def history_of(
    conn: Reader, caller: Caller, official_id: uuid.UUID, params: ListParams
) -> Page:
    await load(conn, caller, official_id)
    return await history.list_for(conn, RESOURCE, official_id, params)


async def notifications_of(
    conn: Reader, caller: Caller, official_id: uuid.UUID, params: ListParams
) -> Page:
    """The notices an official was sent (or will be): theirs to read, and the office's."""
    row = await load(conn, caller, official_id)
    permissions.require(caller, RESOURCE, "read_notifications", row)
    n = NOTIFICATIONS.c
    page = await shaped_page(
        conn,
        caller,
        NOTIFICATIONS,
        tuple(n[c] for c in _NOTICE_FIELDS),
        params,
        sort_keys={"created_at": n.created_at},
        default_sort="-created_at",
        any_of=(("official_id", [official_id], n.official_id),),
    )
    return page


_NOTICE_FIELDS = (
    "id",
    "official_id",
    "event_id",
    "kind",
    "resource_type",
    "resource_id",
    "digest",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "message_id",
    "created_at",
    "sent_at",
)


async def active_in(
    conn: AsyncConnection, official_ids: Sequence[uuid.UUID], field: str
) -> list[Row[*tuple[Any, ...]]]:
    """The officials named, each existing and active (422 naming `field` otherwise)."""
    if not official_ids:
        return []
    rows = (
        await conn.execute(
            select(t.id, t.agency_id, t.division_id).where(t.id.in_(list(official_ids)), t.active)
        )
    ).all()
    missing = set(official_ids) - {r.id for r in rows}
    if missing:
        raise field_error(field, f"no active official with id {sorted(map(str, missing))[0]}")
    return list(rows)
