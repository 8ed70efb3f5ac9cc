"""API keys: creation (the key is shown once), listing, revocation, the bootstrap key."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access import permissions
from app.access.auth import KEY_PREFIX, Caller, hash_key, new_key
from app.admin.models import API_KEYS, ApiKeyCreate, ApiKeyRead
from app.agencies import service as agencies
from app.core.enums import Role
from app.core.ids import uuid7
from app.db import Reader
from app.errors.domain import Conflict, NotFound, field_error
from app.kernel import history
from app.kernel.fields import public_columns
from app.kernel.listing import ListParams, Page, fetch_page, parse_sort
from app.kernel.schemas import utcnow

RESOURCE = "api_key"
t = API_KEYS.c
COLUMNS = public_columns(API_KEYS, ApiKeyRead)


async def _insert(
    conn: AsyncConnection,
    name: str,
    role: Role,
    agency_id: uuid.UUID | None,
    key: str,
    official_id: uuid.UUID | None = None,
) -> Any:
    stmt = (
        insert(API_KEYS)
        .values(
            id=uuid7(),
            name=name,
            role=role.value,
            agency_id=agency_id,
            official_id=official_id,
            key_hash=hash_key(key),
            key_prefix=key[: len(KEY_PREFIX) + 4],
            created_at=utcnow(),
        )
        .returning(*COLUMNS)
    )
    return (await conn.execute(stmt)).one()


async def create(conn: AsyncConnection, caller: Caller, data: ApiKeyCreate) -> dict[str, Any]:
    permissions.require(caller, "api_key", "create")
    if data.role == Role.agency and data.agency_id is None:
        raise field_error("agency_id", "required for role 'agency'")
    if data.role != Role.agency and data.agency_id is not None:
        raise field_error("agency_id", "only keys of role 'agency' are bound to an agency")
    if data.agency_id is not None and not await agencies.exists_active(conn, data.agency_id):
        raise field_error("agency_id", f"no active agency with id {data.agency_id}")
    if data.official_id is not None:
        await check_official(conn, data.role, data.agency_id, data.official_id)
    key = new_key()
    row = await _insert(conn, data.name, data.role, data.agency_id, key, data.official_id)
    shown = {"name": data.name, "role": data.role, "agency_id": data.agency_id}
    if data.official_id is not None:
        shown["official_id"] = data.official_id
    await history.record(conn, caller, RESOURCE, row.id, "created", history.diff({}, shown))
    return {**row._mapping, "key": key}


async def check_official(
    conn: AsyncConnection, role: Role, agency_id: uuid.UUID | None, official_id: uuid.UUID
) -> None:
    """The official exists and is active; an agency key's official works for that agency."""
    from app.people import service as officials

    (found,) = await officials.active_in(conn, [official_id], "official_id")
    if role == Role.agency and found.agency_id != agency_id:
        raise field_error("official_id", "must be an official of the key's agency")


async def get(conn: Reader, caller: Caller, key_id: uuid.UUID) -> dict[str, Any]:
    """One key's record (revoked ones too); never the key itself."""
    permissions.require(caller, "api_key", "read")
    row = (await conn.execute(select(*COLUMNS).where(t.id == key_id))).first()
    if row is None:
        raise NotFound(f"No API key with id {key_id}.")
    return dict(row._mapping)


async def list_(conn: Reader, caller: Caller, params: ListParams) -> Page:
    permissions.require(caller, "api_key", "read")
    keys = parse_sort(params.sort, {"created_at": t.created_at, "name": t.name}, "created_at")
    stmt = select(*COLUMNS)
    if not params.include_deleted:
        stmt = stmt.where(t.revoked_at.is_(None))
    return await fetch_page(conn, stmt, keys, t.id, params)


async def revoke(conn: AsyncConnection, caller: Caller, key_id: uuid.UUID) -> None:
    permissions.require(caller, "api_key", "revoke")
    row = (
        await conn.execute(select(t.id, t.revoked_at).where(t.id == key_id).with_for_update())
    ).first()
    if row is None:
        raise NotFound(f"No API key with id {key_id}.")
    if row.revoked_at is not None:
        raise Conflict("The key is already revoked.")
    now = utcnow()
    await conn.execute(update(API_KEYS).where(t.id == key_id).values(revoked_at=now))
    await history.record(
        conn,
        caller,
        RESOURCE,
        key_id,
        "revoked",
        {"revoked_at": {"old": None, "new": now.isoformat()}},
    )


async def issue_key(
    conn: AsyncConnection,
    name: str,
    role: Role,
    agency_id: uuid.UUID | None = None,
    official_id: uuid.UUID | None = None,
) -> str:
    """Create a key outside any request (CLI, demo); returns the key itself."""
    if official_id is not None:
        await check_official(conn, role, agency_id, official_id)
    key = new_key()
    await _insert(conn, name, role, agency_id, key, official_id)
    return key


class RevokedBootstrapKey(RuntimeError):
    pass


async def ensure_bootstrap_key(conn: AsyncConnection, key: str) -> None:
    """An admin key with exactly this value exists afterwards (idempotent) — unless it was
    revoked: a revoked key stays revoked, and start-up stops here instead."""
    key_hash = hash_key(key)
    stmt = insert(API_KEYS).values(
        id=uuid7(),
        name="bootstrap admin",
        role=Role.admin.value,
        key_hash=key_hash,
        key_prefix=key[: len(KEY_PREFIX) + 4],
        created_at=utcnow(),
    )
    await conn.execute(stmt.on_conflict_do_nothing(index_elements=[t.key_hash]))
    row = (await conn.execute(select(t.role, t.revoked_at).where(t.key_hash == key_hash))).one()
    if row.revoked_at is not None:
        raise RevokedBootstrapKey(
            f"DONDOC_BOOTSTRAP_ADMIN_KEY names a key that was revoked on {row.revoked_at:%Y-%m-%d}."
            " A revoked key stays revoked: set DONDOC_BOOTSTRAP_ADMIN_KEY to a new value, or"
            " unset it."
        )
    if row.role != Role.admin.value:
        await conn.execute(
            update(API_KEYS).where(t.key_hash == key_hash).values(role=Role.admin.value)
        )


async def list_all(conn: AsyncConnection) -> list[Any]:
    return list((await conn.execute(select(*COLUMNS).order_by(t.created_at))).all())


async def revoke_by_id(conn: AsyncConnection, key_id: uuid.UUID) -> bool:
    result = await conn.execute(
        update(API_KEYS).where(t.id == key_id, t.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    return bool(result.rowcount)
