"""History records: who changed what, written inside the change's own transaction."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import DateTime, String, TextClause, Uuid, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access.auth import Caller
from app.core.context import client_request_id_var, request_id_var
from app.core.ids import uuid7
from app.db import Reader
from app.kernel import notices
from app.kernel.history_models import HISTORY
from app.kernel.listing import ListParams, Page, Shapes, fetch_planned, page_plan, parse_sort
from app.kernel.schemas import utcnow
from app.registry import VISIBILITY

_t = HISTORY.c


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


# The history entry and its event, written by one statement in the change's transaction. The
# event's audience (the agencies whose staff may see it) is read from the resource as it stands
# after the change.
# Credentials and subscriptions are administrators' business: their events are neither shown
# to other callers nor delivered to webhooks.
ADMIN_ONLY = frozenset({"api_key", "webhook"})
# Resources that cover every agency (a frozen report): their events reach no agency's staff.
NO_AGENCY = frozenset({"report_snapshot"})
_RECORD = """
WITH entry AS (
    INSERT INTO history (id, resource_type, resource_id, action, actor_id, actor_name, actor_role,
                         request_id, client_request_id, comment, changes, occurred_at)
    VALUES (:id, :resource_type, :resource_id, :action, :actor_id, :actor_name, :actor_role,
            :request_id, :client_request_id, :comment, :changes, :occurred_at)
), event AS (
    INSERT INTO events (type, occurred_at, actor_id, actor_name, actor_role, request_id,
                        resource_type, resource_id, data, audience, admin_only)
    VALUES (:type, :occurred_at, :actor_id, :actor_name, :actor_role, :request_id,
            :resource_type, :resource_id, :data, {audience}, :admin_only)
    RETURNING id, type
){notices}
INSERT INTO webhook_deliveries (id, webhook_id, event_id, message_id, event_type, payload, status,
                                attempts, next_attempt_at, created_at)
SELECT gen_random_uuid(), w.id, event.id, 'evt_' || event.id, event.type,
       jsonb_build_object(
           'type', event.type,
           'timestamp', :occurred_at,
           'data', jsonb_build_object(
               'id', event.id, 'resource_type', :resource_type, 'resource_id', :resource_id,
               'actor', jsonb_build_object('id', :actor_id, 'name', :actor_name, 'role', :actor_role),
               'request_id', :request_id, 'changes', :changes, 'comment', :comment)),
       'pending', 0, :occurred_at, :occurred_at
FROM event JOIN webhooks AS w
  ON w.active AND w.deleted_at IS NULL AND NOT :admin_only
 AND EXISTS (SELECT 1 FROM unnest(w.event_types) AS p(pattern)
             WHERE event.type = p.pattern OR event.type LIKE replace(p.pattern, '*', '%'))
"""


@cache
def _record_statement(resource_type: str) -> TextClause:
    seen = VISIBILITY.get(resource_type)
    if seen is not None:
        audience = seen.audience_sql()
    else:
        audience = "CAST(ARRAY[] AS uuid[])" if resource_type in NO_AGENCY else "NULL"
    statement = text(_RECORD.format(audience=audience, notices=notices.notice_cte(resource_type)))
    if notices.recipients_sql(resource_type) is not None:
        statement = statement.bindparams(
            bindparam("notice_kind", type_=String()),
            bindparam("mentions", type_=ARRAY(Uuid())),
            bindparam("actor_official_id", type_=Uuid()),
        )
    return statement.bindparams(
        bindparam("id", type_=Uuid()),
        bindparam("resource_id", type_=Uuid()),
        bindparam("actor_id", type_=Uuid()),
        bindparam("changes", type_=JSONB()),
        bindparam("data", type_=JSONB()),
        bindparam("occurred_at", type_=DateTime(timezone=True)),
    )


def _params(
    caller: Caller,
    resource_type: str,
    resource_id: uuid.UUID,
    action: str,
    changes: dict[str, dict[str, Any]] | None,
    comment: str | None,
) -> dict[str, Any]:
    changes = changes or {}
    data: dict[str, Any] = {"action": action, "changes": changes}
    if comment:
        data["comment"] = comment
    mentioned = changes.get("mentions", {}).get("new") or []
    told = {}
    if notices.recipients_sql(resource_type) is not None:
        told = {
            "notice_kind": notices.kind_of(resource_type, action, changes, mentioned),
            "mentions": [uuid.UUID(m) for m in mentioned],
            "actor_official_id": caller.official_id,
        }
    return {
        **told,
        "id": uuid7(),
        "resource_type": resource_type,
        "resource_id": resource_id,
        "action": action,
        "actor_id": caller.key_id,
        "actor_name": caller.name,
        "actor_role": caller.role.value,
        "request_id": request_id_var.get(),
        "client_request_id": client_request_id_var.get(),
        "comment": comment,
        "changes": changes,
        "occurred_at": utcnow(),
        "type": f"{resource_type}.{action}",
        "data": data,
        "admin_only": resource_type in ADMIN_ONLY,
    }


async def record(
    conn: AsyncConnection,
    caller: Caller,
    resource_type: str,
    resource_id: uuid.UUID,
    action: str,
    changes: dict[str, dict[str, Any]] | None = None,
    comment: str | None = None,
) -> None:
    """Write the history entry and the event `<resource_type>.<action>` of a change."""
    await conn.execute(
        _record_statement(resource_type),
        _params(caller, resource_type, resource_id, action, changes, comment),
    )


async def record_many(
    conn: AsyncConnection,
    caller: Caller,
    resource_type: str,
    entries: list[tuple[uuid.UUID, str, dict[str, dict[str, Any]], str | None]],
) -> None:
    """The same for many resources at once (one round trip per batch)."""
    if entries:
        await conn.execute(
            _record_statement(resource_type),
            [
                _params(caller, resource_type, rid, action, changes, comment)
                for rid, action, changes, comment in entries
            ],
        )


_LISTS = Shapes()


async def list_for(
    conn: Reader, resource_type: str, resource_id: uuid.UUID, params: ListParams
) -> Page:
    """A resource's history, a page at a time: the statement built once per sort and cursor,
    the resource bound (`h_type`, `h_id`)."""
    cursor = bool(params.cursor)
    plan = _LISTS.get(
        (params.sort, cursor, params.count),
        lambda: page_plan(
            select(
                _t.id,
                _t.resource_type,
                _t.resource_id,
                _t.action,
                _t.actor_id,
                _t.actor_name,
                _t.actor_role,
                _t.request_id,
                _t.client_request_id,
                _t.comment,
                _t.changes,
                _t.occurred_at,
            ).where(
                _t.resource_type == bindparam("h_type", type_=String()),
                _t.resource_id == bindparam("h_id", type_=Uuid()),
            ),
            parse_sort(params.sort, {"occurred_at": _t.occurred_at}, "occurred_at"),
            _t.id,
            cursor,
            params.count,
        ),
    )
    return await fetch_planned(conn, plan, params, {"h_type": resource_type, "h_id": resource_id})
