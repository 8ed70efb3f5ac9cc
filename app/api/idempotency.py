"""Idempotency-Key: the stored response commits in the same transaction as the change."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.idempotency_models import IDEMPOTENCY
from app.errors.domain import BadRequest, InFlight, ValidationFailed
from app.kernel.schemas import utcnow

TTL = timedelta(hours=24)
REPLAYED_HEADERS = ("location", "etag", "content-type")
_t = IDEMPOTENCY.c


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    headers: dict[str, str]
    body: bytes


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _lock_id(caller_key: str, key: str) -> int:
    raw = hashlib.sha256(f"{caller_key}\x00{key}".encode()).digest()[:8]
    return int.from_bytes(raw, "big", signed=True)


def check_key(key: str) -> None:
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise BadRequest("Idempotency-Key must be 1–255 printable characters.")


async def claim(
    conn: AsyncConnection, caller_key: str, key: str, print_: str
) -> StoredResponse | None:
    """Lock the key for this transaction; return the stored response if there is one.

    A second request while the first is still running finds the lock taken (409); once the
    first has committed, a retry finds its stored response.
    """
    locked = (
        await conn.execute(select(func.pg_try_advisory_xact_lock(_lock_id(caller_key, key))))
    ).scalar_one()
    if not locked:
        raise InFlight(
            "A request with this Idempotency-Key is still being processed; retry shortly."
        )
    row = (
        await conn.execute(
            select(_t.fingerprint, _t.status_code, _t.headers, _t.body).where(
                _t.caller_key == caller_key, _t.key == key, _t.expires_at > func.now()
            )
        )
    ).first()
    if row is None:
        return None
    if row.fingerprint != print_:
        raise ValidationFailed(
            "This Idempotency-Key was already used with a different request body.",
            [{"field": "Idempotency-Key", "message": "reused with a different request"}],
        )
    return StoredResponse(row.status_code, dict(row.headers), bytes(row.body))


async def store(
    conn: AsyncConnection,
    caller_key: str,
    key: str,
    print_: str,
    status_code: int,
    headers: dict[str, Any],
    body: bytes,
) -> None:
    now = utcnow()
    kept = {k: v for k, v in headers.items() if k.lower() in REPLAYED_HEADERS}
    values = {
        "caller_key": caller_key,
        "key": key,
        "fingerprint": print_,
        "status_code": status_code,
        "headers": kept,
        "body": body,
        "created_at": now,
        "expires_at": now + TTL,
    }
    stmt = insert(IDEMPOTENCY).values(**values)
    # An expired record under the same key is replaced.
    stmt = stmt.on_conflict_do_update(
        index_elements=[_t.caller_key, _t.key],
        set_={k: stmt.excluded[k] for k in values if k not in ("caller_key", "key")},
    )
    await conn.execute(stmt)


async def purge_expired(conn: AsyncConnection) -> int:
    result = await conn.execute(delete(IDEMPOTENCY).where(_t.expires_at <= func.now()))
    return result.rowcount or 0
