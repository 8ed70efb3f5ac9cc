"""Reading the change feed: every event exactly once, in commit order, for a polling consumer.

A sequence number given at insert is not commit order: a transaction holding number 41 may
commit after 42 was read. Each event therefore carries its transaction's id, and a read returns
only events of transactions older than every transaction still running (the snapshot's xmin):
those are finished, so nothing can later appear before the cursor. An open transaction holds the
feed back for as long as it runs; it never makes a consumer miss an event.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Integer, TextClause, Uuid, bindparam, text

from app.access.auth import Caller
from app.core.enums import Role
from app.db import Reader
from app.errors.domain import BadRequest

MAX_LIMIT = 1000


def encode(txid: int, event_id: int) -> str:
    return base64.urlsafe_b64encode(f"{txid}:{event_id}".encode()).decode().rstrip("=")


def decode(cursor: str | None) -> tuple[int, int]:
    if not cursor:
        return 0, 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        txid, event_id = (int(part) for part in raw.split(":"))
        if not (0 <= txid < 2**63 and 0 <= event_id < 2**63):
            raise ValueError("out of range")
        return txid, event_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(
            "Invalid cursor: pass the `cursor` of the last event you received."
        ) from exc


def _type_clause(patterns: list[str], params: dict[str, Any]) -> str:
    parts = []
    for i, pattern in enumerate(patterns):
        if pattern.endswith(".*"):
            params[f"type_{i}"] = pattern[:-2].replace("%", r"\%").replace("_", r"\_") + ".%"
            parts.append(f"type LIKE :type_{i}")
        else:
            params[f"type_{i}"] = pattern
            parts.append(f"type = :type_{i}")
    return "(" + " OR ".join(parts) + ")"


@lru_cache(maxsize=256)
def _statement(where: str, agency: bool) -> TextClause:
    """The feed's statement for one set of conditions, built once (its values bound)."""
    statement = text(
        # The text form of the transaction id gets its own name: ordering by an output column
        # named `txid` would sort "1000" before "999".
        "SELECT id, txid::text AS txid_text, type, occurred_at, actor_id, actor_name,"
        " actor_role, request_id, resource_type, resource_id, data::text AS data_text FROM events"
        f" WHERE {where} ORDER BY events.txid, events.id LIMIT :limit"
    ).bindparams(bindparam("limit", type_=Integer()))
    if agency:
        statement = statement.bindparams(bindparam("agency", type_=Uuid()))
    return statement


async def read(
    conn: Reader, caller: Caller, after: str | None, types: list[str], limit: int
) -> tuple[list[dict[str, Any]], str]:
    txid, event_id = decode(after)
    params: dict[str, Any] = {
        "txid": txid,
        "event_id": event_id,
        "limit": min(limit, MAX_LIMIT),
    }
    where = [
        "(txid, id) > (CAST(:txid AS xid8), :event_id)",
        "txid < pg_snapshot_xmin(pg_current_snapshot())",
    ]
    if types:
        where.append(_type_clause(types, params))
    if caller.role != Role.admin:
        where.append("NOT admin_only")
    if caller.role == Role.agency:
        where.append("(audience IS NULL OR :agency = ANY(audience))")
        params["agency"] = caller.agency_id
    statement = _statement(" AND ".join(where), "agency" in params)
    rows = (await conn.execute(statement, params)).all()
    items = []
    for row in rows:
        cursor = encode(int(row.txid_text), row.id)
        items.append(
            {
                "id": row.id,
                "cursor": cursor,
                "type": row.type,
                "occurred_at": row.occurred_at,
                "actor": {"id": row.actor_id, "name": row.actor_name, "role": row.actor_role},
                "request_id": row.request_id,
                "resource_type": row.resource_type,
                "resource_id": row.resource_id,
                # The document as PostgreSQL wrote it, placed into the answer as it is.
                "data": orjson.Fragment(row.data_text),
            }
        )
    next_cursor = items[-1]["cursor"] if items else (after or encode(0, 0))
    return items, next_cursor
