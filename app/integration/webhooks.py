"""Webhooks: subscriptions (admin), the delivery outbox and its delivery with back-off.

Deliveries are queued in the same statement as the change's event (app/kernel/history.py),
so an acknowledged change always has its deliveries. A worker claims due deliveries with
`FOR UPDATE SKIP LOCKED` and a lease (the next attempt time moves ahead before the request is
sent): if the process dies mid-delivery the lease runs out and the delivery is tried again —
at least once; receivers dedupe on `webhook-id`.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import Integer, Row, bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from standardwebhooks.webhooks import Webhook as Signer

from app.access import permissions
from app.access.auth import Caller
from app.core.enums import DeliveryStatus
from app.core.ids import uuid7
from app.db import Reader
from app.errors.domain import field_error
from app.integration import webhook_targets
from app.integration.webhook_models import (
    DELIVERIES,
    EVENT_PATTERN,
    WEBHOOKS,
    DeliveryRead,
    WebhookCreate,
    WebhookRead,
    WebhookUpdate,
)
from app.kernel import history, records, soft_delete, versioned
from app.kernel.fields import public_columns
from app.kernel.listing import ListParams, Page, fetch_page, parse_sort
from app.kernel.precondition import Precondition
from app.kernel.schemas import utcnow

log = logging.getLogger("dondoc.webhooks")
RESOURCE = "webhook"
RETRY_FOR = timedelta(hours=24)
# A claim's lease is this many times an attempt's whole deadline (DONDOC_WEBHOOK_TIMEOUT_SECONDS):
# no other worker sends a delivery again while its first attempt may still be running.
LEASE_FACTOR = 6
w = WEBHOOKS.c
d = DELIVERIES.c
COLUMNS = public_columns(WEBHOOKS, WebhookRead)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _check_patterns(patterns: list[str]) -> None:
    import re

    bad = [p for p in patterns if not re.fullmatch(EVENT_PATTERN, p)]
    if bad:
        raise field_error("event_types", f"not an event type or pattern: {', '.join(bad)}")


async def _check_url(url: str, allowed: str) -> None:
    try:
        await webhook_targets.check(url, allowed)
    except webhook_targets.TargetRefused as exc:
        raise field_error("url", str(exc)) from exc


async def _load(
    conn: Reader, webhook_id: uuid.UUID, *, lock: bool = False
) -> Row[*tuple[Any, ...]]:
    stmt = select(*COLUMNS).where(w.id == webhook_id, w.deleted_at.is_(None))
    if lock:
        stmt = stmt.with_for_update()
    return await records.found(conn, stmt, f"No webhook with id {webhook_id}.")


async def create(
    conn: AsyncConnection, caller: Caller, data: WebhookCreate, allowed: str
) -> dict[str, Any]:
    permissions.require(caller, "webhook", "create")
    _check_patterns(data.event_types)
    await _check_url(data.url, allowed)
    secret = new_secret()
    now = utcnow()
    row = (
        await conn.execute(
            insert(WEBHOOKS)
            .values(
                id=uuid7(),
                url=data.url,
                event_types=data.event_types,
                active=data.active,
                description=data.description,
                secret=secret,
                version=1,
                created_at=now,
                updated_at=now,
            )
            .returning(*COLUMNS)
        )
    ).one()
    await history.record(
        conn,
        caller,
        RESOURCE,
        row.id,
        "created",
        history.diff({}, {"url": data.url, "event_types": data.event_types, "active": data.active}),
    )
    return {**row._mapping, "secret": secret}


async def get(conn: Reader, caller: Caller, webhook_id: uuid.UUID) -> dict[str, Any]:
    permissions.require(caller, "webhook", "read")
    return dict((await _load(conn, webhook_id))._mapping)


async def list_(conn: Reader, caller: Caller, params: ListParams) -> Page:
    permissions.require(caller, "webhook", "read")
    keys = parse_sort(params.sort, {"created_at": w.created_at}, "created_at")
    stmt = select(*COLUMNS)
    if not params.include_deleted:
        stmt = stmt.where(w.deleted_at.is_(None))
    return await fetch_page(conn, stmt, keys, w.id, params)


async def update_(
    conn: AsyncConnection,
    caller: Caller,
    webhook_id: uuid.UUID,
    patch: WebhookUpdate,
    if_match: Precondition,
    allowed: str,
) -> dict[str, Any]:
    permissions.require(caller, "webhook", "update")
    row = await _load(conn, webhook_id, lock=True)
    change = versioned.admit(WEBHOOKS, row, if_match)
    fields = patch.model_dump(exclude_unset=True)
    if "event_types" in fields:
        _check_patterns(fields["event_types"])
    if "url" in fields:
        await _check_url(fields["url"], allowed)
    changes = history.diff(dict(row._mapping), fields)
    if not changes:
        return dict(row._mapping)
    values = {k: fields[k] for k in changes}
    if values.get("active") is True:
        values["failing_since"] = None
    updated = await versioned.write(conn, change, values, COLUMNS)
    await history.record(conn, caller, RESOURCE, webhook_id, "updated", changes)
    return dict(updated._mapping)


async def delete(
    conn: AsyncConnection, caller: Caller, webhook_id: uuid.UUID, if_match: Precondition
) -> None:
    permissions.require(caller, "webhook", "delete")
    row = await _load(conn, webhook_id, lock=True)
    await soft_delete.delete(conn, caller, RESOURCE, WEBHOOKS, row, if_match, active=False)


async def ping(conn: AsyncConnection, caller: Caller, webhook_id: uuid.UUID) -> dict[str, Any]:
    """Queue a `webhook.test` delivery to this webhook alone."""
    permissions.require(caller, "webhook", "test")
    await _load(conn, webhook_id)
    now = utcnow()
    delivery_id = uuid7()
    payload = {
        "type": "webhook.test",
        "timestamp": now.isoformat(),
        "data": {"webhook_id": str(webhook_id)},
    }
    row = (
        await conn.execute(
            insert(DELIVERIES)
            .values(
                id=delivery_id,
                webhook_id=webhook_id,
                event_id=None,
                message_id=f"test_{delivery_id}",
                event_type="webhook.test",
                payload=payload,
                status=DeliveryStatus.pending,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            .returning(*DELIVERIES.c)
        )
    ).one()
    return _delivery_body(row)


def _delivery_body(row: Any) -> dict[str, Any]:
    body = dict(row._mapping)
    body.pop("payload", None)
    return body


async def deliveries(
    conn: Reader, caller: Caller, webhook_id: uuid.UUID, params: ListParams
) -> Page:
    permissions.require(caller, "webhook", "read")
    await _load(conn, webhook_id)
    keys = parse_sort(params.sort, {"created_at": d.created_at}, "-created_at")
    columns = public_columns(DELIVERIES, DeliveryRead)
    return await fetch_page(
        conn, select(*columns).where(d.webhook_id == webhook_id), keys, d.id, params
    )


# --- delivery --------------------------------------------------------------------------------

# Deliveries still queued for a webhook deleted or deactivated since are not sent: they end.
_SKIP = text(
    """
    UPDATE webhook_deliveries AS d
    SET status = 'failed', last_error = 'skipped: the webhook was deleted or deactivated'
    FROM webhooks AS w
    WHERE d.webhook_id = w.id AND d.status = 'pending'
      AND (NOT w.active OR w.deleted_at IS NOT NULL)
    """
)
_CLAIM = text(
    """
    UPDATE webhook_deliveries AS d
    SET next_attempt_at = now() + make_interval(secs => :lease), attempts = d.attempts + 1
    FROM webhooks AS w
    WHERE d.webhook_id = w.id AND w.active AND w.deleted_at IS NULL AND d.id IN (
        SELECT id FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at, id
        LIMIT :batch
        FOR UPDATE SKIP LOCKED)
    RETURNING d.id, d.webhook_id, d.message_id, d.payload, d.attempts, d.created_at, w.url, w.secret
    """
).bindparams(bindparam("batch", type_=Integer()), bindparam("lease", type_=Integer()))


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """Exponential: base, 2×base, 4×base … capped at six hours."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), 6 * 3600))


def sign(secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers for one message."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Signer(secret).sign(message_id, at, body),
        "content-type": "application/json",
    }


def lease_seconds(timeout: float) -> int:
    return max(1, int(LEASE_FACTOR * timeout + 0.999))


async def claim(engine: AsyncEngine, batch: int = 20, deadline: float = 10.0) -> list[Any]:
    async with engine.begin() as conn:
        await conn.execute(_SKIP)
        return list(
            (await conn.execute(_CLAIM, {"batch": batch, "lease": lease_seconds(deadline)})).all()
        )


async def attempt(
    client: httpx.AsyncClient, claimed: Any, allowed: str, deadline: float = 10.0
) -> tuple[int | None, str | None]:
    """Send one delivery within `deadline` seconds for the whole attempt (resolving the
    target, connecting, sending, the complete answer); returns (status code, error)."""
    try:
        async with asyncio.timeout(deadline):
            return await _post(client, claimed, allowed)
    except TimeoutError:
        return None, f"no complete answer within {deadline:g} s"


async def _post(
    client: httpx.AsyncClient, claimed: Any, allowed: str
) -> tuple[int | None, str | None]:
    try:
        addresses = await webhook_targets.check(claimed.url, allowed)
    except webhook_targets.TargetRefused as exc:
        return None, f"refused: {exc}"
    url, host, extensions = webhook_targets.pin(claimed.url, addresses[0])
    body = orjson.dumps(claimed.payload).decode()
    headers = sign(claimed.secret, claimed.message_id, datetime.now(UTC), body)
    try:
        # The whole answer is read (a body that breaks off is an error, never a delivery).
        response = await client.post(
            url, content=body.encode(), headers={**headers, **host}, extensions=extensions
        )
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return (
        response.status_code,
        None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}",
    )


async def record_attempt(
    engine: AsyncEngine,
    claimed: Any,
    status_code: int | None,
    error: str | None,
    base_seconds: float,
) -> None:
    now = utcnow()
    values: dict[str, Any] = {"last_status_code": status_code, "last_error": error}
    if error is None:
        values.update(status=DeliveryStatus.delivered, delivered_at=now)
    elif now - claimed.created_at >= RETRY_FOR:
        values.update(status=DeliveryStatus.failed)
    else:
        values.update(next_attempt_at=now + backoff(claimed.attempts, base_seconds))
    async with engine.begin() as conn:
        await conn.execute(update(DELIVERIES).where(d.id == claimed.id).values(**values))
        if error is None:
            await conn.execute(
                update(WEBHOOKS)
                .where(w.id == claimed.webhook_id, w.failing_since.is_not(None))
                .values(failing_since=None)
            )
        else:
            await conn.execute(
                update(WEBHOOKS)
                .where(w.id == claimed.webhook_id, w.failing_since.is_(None))
                .values(failing_since=now)
            )
    if error is not None:
        log.info(
            "delivery %s to %s failed (attempt %s): %s",
            claimed.id,
            claimed.url,
            claimed.attempts,
            error,
        )


async def deliver_one(
    engine: AsyncEngine,
    client: httpx.AsyncClient,
    claimed: Any,
    allowed: str,
    base_seconds: float,
    deadline: float = 10.0,
) -> None:
    """One claimed delivery: sent, and its outcome recorded as soon as it is known — never
    after another receiver's."""
    status_code, error = await attempt(client, claimed, allowed, deadline)
    await record_attempt(engine, claimed, status_code, error, base_seconds)


async def deliver_due(
    engine: AsyncEngine,
    client: httpx.AsyncClient,
    allowed: str,
    base_seconds: float,
    deadline: float = 10.0,
    batch: int = 20,
) -> int:
    """Claim and send the deliveries that are due, side by side; returns how many were
    attempted."""
    claimed = await claim(engine, batch, deadline)
    await asyncio.gather(
        *(deliver_one(engine, client, c, allowed, base_seconds, deadline) for c in claimed)
    )
    return len(claimed)
