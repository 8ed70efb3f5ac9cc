"""The outbox of notices to officials (rendered by `app/people/notifications.py`).

The notices are written with the change that causes them (`app/kernel/notices.py`). The worker
sends them here, and no database transaction stays open while it talks to the mail server: a
short transaction claims a notice (FOR UPDATE SKIP LOCKED; the attempt is counted and a lease
taken: `next_attempt_at` moved past twice the attempt's bound) and writes its mail; the mail
goes out within DONDOC_MAIL_ATTEMPT_SECONDS for the whole exchange; another transaction records
the outcome, only while the lease is still this attempt's. Two workers never take the same
notice, and no notice is taken again while its first attempt may still be running. A worker
that dies mid-send leaves the notice pending; it is sent again once its lease ends, with the
same Message-ID (`<notice-id@host>`), which mail systems use to drop a copy. Failures (a slower
server than the bound among them) are retried with back-off (DONDOC_MAIL_RETRY_BASE_SECONDS,
doubling, at most MAX_ATTEMPTS); an official without an address gets nothing and the notice
says why.

Officials whose `notify` is `digest` get one mail a day, at DONDOC_DIGEST_HOUR in the
province's time zone, with every notice written before that moment, grouped by resource.
"""

from __future__ import annotations

import asyncio
import email.errors
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import aiosmtplib
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.config import Settings
from app.db import single_statements
from app.kernel.schemas import utcnow
from app.people.notifications import (
    MAX_ATTEMPTS,
    MAX_BACKOFF_SECONDS,
    Mailer,
    header_text,
    render_digest,
    render_one,
)

log = logging.getLogger("dondoc.mail")


_CONTEXT = """
SELECT n.id, n.official_id, n.kind, n.resource_type, n.resource_id, n.attempts, n.created_at,
       e.actor_name, e.data ->> 'comment' AS comment,
       coalesce(t.code, p.code, b.code) AS code,
       coalesce(t.title, p.title, b.title) AS title,
       coalesce(t.due_date, p.response_due_date, b.disbursement_deadline) AS deadline
FROM notifications AS n
JOIN events AS e ON e.id = n.event_id
LEFT JOIN tasks AS t ON n.resource_type = 'task' AND t.id = n.resource_id
LEFT JOIN proposals AS p ON n.resource_type = 'proposal' AND p.id = n.resource_id
LEFT JOIN budget_requests AS b ON n.resource_type = 'budget_request' AND b.id = n.resource_id
WHERE n.id = ANY(:ids)
ORDER BY n.created_at, n.id
"""
# A notice is claimed in a short transaction of its own (its attempt counted, a lease taken by
# moving next_attempt_at past the attempt's bound), the mail is sent with no transaction open,
# and the outcome is recorded in another — only while the lease is still the claimer's.
_CLAIM_ONE = """
UPDATE notifications SET attempts = attempts + 1, next_attempt_at = :lease
WHERE id = (
    SELECT id FROM notifications
    WHERE status = 'pending' AND NOT digest AND next_attempt_at <= :now
    ORDER BY next_attempt_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING id, official_id, attempts
"""
# Digests: one official at a time, under a transaction-scoped advisory lock of that official,
# so that two workers never split one official's day into two mails.
_DIGEST_OFFICIALS = """
SELECT DISTINCT official_id FROM notifications
WHERE status = 'pending' AND digest AND created_at < :cutoff AND next_attempt_at <= :now
ORDER BY official_id
LIMIT 50
"""
_DIGEST_LOCK = "SELECT pg_try_advisory_xact_lock(17, hashtext(CAST(:official_id AS text)))"
_DIGEST_CLAIM = """
UPDATE notifications SET attempts = attempts + 1, next_attempt_at = :lease
WHERE id IN (
    SELECT id FROM notifications
    WHERE official_id = CAST(:official_id AS uuid) AND status = 'pending' AND digest
      AND created_at < :cutoff AND next_attempt_at <= :now
    FOR UPDATE
)
RETURNING id
"""
_OFFICIAL = "SELECT id, name, email FROM officials WHERE id = :id"
_SENT = """
UPDATE notifications SET status = 'sent', sent_at = :now, message_id = :message_id,
       last_error = NULL
WHERE id = ANY(:ids) AND status = 'pending' AND next_attempt_at = :lease
"""
_FAILED = """
UPDATE notifications SET last_error = :error, next_attempt_at = :retry_at,
       status = CASE WHEN attempts >= :max_attempts OR :final THEN 'failed' ELSE 'pending' END
WHERE id = ANY(:ids) AND status = 'pending' AND next_attempt_at = :lease
"""


@dataclass(frozen=True)
class Claim:
    """Notices taken for one mail: their ids, the lease that makes them this attempt's, and
    the attempt number the back-off counts from."""

    ids: list[uuid.UUID]
    lease: datetime
    attempts: int


def lease_until(now: datetime, settings: Settings) -> datetime:
    """A claim outlives its attempt's whole bound twice over: no other worker takes the notice
    while the first attempt may still be talking to the mail server."""
    return now + timedelta(seconds=2 * settings.mail_attempt_seconds)


def backoff(base: float, attempts: int) -> timedelta:
    """The wait before attempt `attempts + 1`: base, 2·base, 4·base … at most six hours."""
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def digest_cutoff(now: datetime, tz: ZoneInfo, hour: int) -> tuple[datetime, date]:
    """The latest daily digest moment at or before `now` (and its local day)."""
    local = now.astimezone(tz)
    moment = datetime.combine(local.date(), time(hour), tzinfo=tz)
    if moment > local:
        moment -= timedelta(days=1)
    return moment, moment.date()


async def _items(conn: AsyncConnection, ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    rows = (await conn.execute(text(_CONTEXT), {"ids": ids})).all()
    return [dict(r._mapping) for r in rows]


async def _prepare(
    conn: AsyncConnection,
    official_id: uuid.UUID,
    claim: Claim,
    render: Any,
) -> EmailMessage | None:
    """The mail for the claimed notices, written inside the claim's transaction; None when
    it cannot go (no address, a notice that cannot be written), the reason recorded."""
    official = (await conn.execute(text(_OFFICIAL), {"id": official_id})).one()
    items = await _items(conn, claim.ids)
    if not official.email:
        await _record_failure(conn, claim, "the official has no e-mail address", final=True)
        return None
    try:
        message: EmailMessage = render(official, items)
    except (ValueError, TypeError, email.errors.MessageError) as exc:
        log.error("notice mail to official %s cannot be written: %r", official_id, exc)
        await _record_failure(conn, claim, header_text(repr(exc), 500), final=True)
        return None
    return message


async def _record_failure(
    conn: AsyncConnection,
    claim: Claim,
    error: str,
    *,
    final: bool,
    retry_at: datetime | None = None,
) -> None:
    await conn.execute(
        text(_FAILED),
        {
            "ids": claim.ids,
            "lease": claim.lease,
            "max_attempts": MAX_ATTEMPTS,
            "error": error,
            "final": final,
            "retry_at": retry_at or utcnow(),
        },
    )


async def _deliver(
    engine: AsyncEngine,
    mailer: Mailer,
    settings: Settings,
    claim: Claim,
    message: EmailMessage,
    now: datetime,
) -> bool:
    """Hand `message` to the mail server, no transaction open, within the attempt's whole
    bound (DONDOC_MAIL_ATTEMPT_SECONDS: every command of the exchange together), then record
    the outcome in a transaction of its own."""
    bound = settings.mail_attempt_seconds
    try:
        async with asyncio.timeout(bound):
            await mailer.send(message)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        reason = (
            f"the mail server did not take the message within {bound:g} s"
            if isinstance(exc, TimeoutError)
            else header_text(repr(exc), 500)
        )
        log.warning("notice mail %s failed: %s", message["Message-ID"], reason)
        async with engine.begin() as conn:
            retry_at = now + backoff(settings.mail_retry_base_seconds, claim.attempts)
            await _record_failure(conn, claim, reason, final=False, retry_at=retry_at)
        return False
    async with engine.begin() as conn:
        await conn.execute(
            text(_SENT),
            {
                "ids": claim.ids,
                "lease": claim.lease,
                "now": now,
                "message_id": message["Message-ID"],
            },
        )
    return True


async def send_due(
    engine: AsyncEngine, mailer: Mailer, settings: Settings, now: datetime | None = None
) -> int:
    """Send every immediate notice due now, one at a time; how many went out."""
    sent = 0
    while True:
        moment = now or utcnow()
        lease = lease_until(moment, settings)
        async with engine.begin() as conn:
            row = (await conn.execute(text(_CLAIM_ONE), {"now": moment, "lease": lease})).first()
            if row is None:
                return sent
            claim = Claim([row.id], lease, row.attempts)
            message = await _prepare(
                conn,
                row.official_id,
                claim,
                lambda official, items: render_one(settings, official, items[0]),
            )
        if message is not None:
            sent += await _deliver(engine, mailer, settings, claim, message, moment)


async def send_digests(
    engine: AsyncEngine, mailer: Mailer, settings: Settings, now: datetime | None = None
) -> int:
    """Send each official's daily digest of the notices written before today's digest moment
    (DONDOC_DIGEST_HOUR); how many mails went out."""
    sent = 0
    moment = now or utcnow()
    cutoff, day = digest_cutoff(moment, settings.tz, settings.digest_hour)
    window = {"now": moment, "cutoff": cutoff}
    async with engine.connect() as conn:
        await single_statements(conn)
        waiting = list((await conn.execute(text(_DIGEST_OFFICIALS), window)).scalars())
    for official_id in waiting:
        lease = lease_until(moment, settings)
        async with engine.begin() as conn:
            mine = {"official_id": str(official_id)}
            if not (await conn.execute(text(_DIGEST_LOCK), mine)).scalar():
                continue  # another worker is sending this official's digest
            ids = list(
                (
                    await conn.execute(text(_DIGEST_CLAIM), {**window, **mine, "lease": lease})
                ).scalars()
            )
            if not ids:
                continue
            items = await _items(conn, ids)
            claim = Claim(ids, lease, max(i["attempts"] for i in items))
            message = await _prepare(
                conn,
                official_id,
                claim,
                lambda official, items: render_digest(settings, official, day, items),
            )
        if message is not None:
            sent += await _deliver(engine, mailer, settings, claim, message, moment)
    return sent
