"""History records: who changed what, written inside the change's own transaction."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth import Caller
from app.context import request_id_var
from app.ids import uuid7
from app.models.common import utcnow
from app.models.history import HISTORY
from app.services.listing import ListParams, Page, fetch_page, parse_sort

_t = HISTORY.c


INSERT = insert(HISTORY)  # compiled once; the values come with each execution


def jsonable(value: Any) -> Any:
    if isinstance(value, (uuid.UUID,)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields whose value differs, as {field: {old, new}}."""
    changes = {}
    for name, value in new.items():
        before = jsonable(old.get(name))
        after = jsonable(value)
        if before != after:
            changes[name] = {"old": before, "new": after}
    return changes


async def record(
    conn: AsyncConnection,
    caller: Caller,
    resource_type: str,
    resource_id: uuid.UUID,
    action: str,
    changes: dict[str, dict[str, Any]] | None = None,
    comment: str | None = None,
) -> None:
    await conn.execute(
        INSERT,
        {
            "id": uuid7(),
            "resource_type": resource_type,
            "resource_id": resource_id,
            "action": action,
            "actor_id": caller.key_id,
            "actor_name": caller.name,
            "actor_role": caller.role.value,
            "request_id": request_id_var.get(),
            "comment": comment,
            "changes": changes or {},
            "occurred_at": utcnow(),
        },
    )


async def list_for(
    conn: AsyncConnection, resource_type: str, resource_id: uuid.UUID, params: ListParams
) -> Page:
    keys = parse_sort(params.sort, {"occurred_at": _t.occurred_at}, "occurred_at")
    stmt = select(
        _t.id,
        _t.resource_type,
        _t.resource_id,
        _t.action,
        _t.actor_id,
        _t.actor_name,
        _t.actor_role,
        _t.request_id,
        _t.comment,
        _t.changes,
        _t.occurred_at,
    ).where(_t.resource_type == resource_type, _t.resource_id == resource_id)
    return await fetch_page(conn, stmt, keys, _t.id, params)
