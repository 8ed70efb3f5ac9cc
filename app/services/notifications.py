"""E-mail notices to officials: rendered in Vietnamese and sent from the outbox.

The notices are written with the change that causes them (`app/kernel/notices.py`). The worker
sends them here, one notice per transaction: the notice's row stays locked (FOR UPDATE SKIP
LOCKED) while its mail is handed to the SMTP server, and is marked sent in the same
transaction. Two workers never take the same notice; a worker that dies before the server took
the whole message leaves the notice pending (its transaction rolls back) and it is sent again
later, once. The one window left — the server took the message and the process died before
its COMMIT — resends with the same Message-ID (`<notice-id@host>`), which mail systems use to
drop the copy. Failures are retried with back-off (DONDOC_MAIL_RETRY_BASE_SECONDS, doubling, at
most MAX_ATTEMPTS); an official without an address gets nothing and the notice says why.

Officials whose `notify` is `digest` get one mail a day, at DONDOC_DIGEST_HOUR in the
province's time zone, with every notice written before that moment, grouped by resource.
"""

from __future__ import annotations

import email.errors
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import aiosmtplib
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.auth import printable
from app.config import Settings
from app.db import single_statements
from app.models.common import utcnow

log = logging.getLogger("dondoc.mail")
MAX_ATTEMPTS = 10
MAX_BACKOFF_SECONDS = 6 * 3600
SMTP_TIMEOUT_SECONDS = 30

SUBJECTS = {
    "assigned": "Giao nhiệm vụ",
    "due_soon": "Nhiệm vụ sắp đến hạn",
    "overdue": "Nhiệm vụ quá hạn",
    "reminded": "Đôn đốc thực hiện nhiệm vụ",
    "returned": "Nhiệm vụ bị trả lại để hoàn thiện",
    "extension_decided": "Ý kiến về đề nghị gia hạn",
    "proposal_answered": "Kiến nghị đã được trả lời",
    "mentioned": "Ý kiến trao đổi nhắc đến đồng chí",
}
SEGMENTS = {"task": "tasks", "proposal": "proposals", "budget_request": "budget-requests"}
NOUNS = {"task": "Nhiệm vụ", "proposal": "Kiến nghị", "budget_request": "Đề nghị kinh phí"}


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool


def parse_smtp_url(url: str) -> SmtpTarget:
    """`smtp://user:pass@host:587?starttls=1` or `smtps://…` (TLS from the start)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("DONDOC_SMTP_URL must look like smtp://user:pass@host:587?starttls=1")
    query = parse_qs(parts.query)
    start_tls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
    use_tls = parts.scheme == "smtps"
    port = parts.port or (465 if use_tls else 587 if start_tls else 25)
    return SmtpTarget(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=use_tls,
        start_tls=start_tls,
    )


class Mailer:
    """Hands one message at a time to the SMTP server of DONDOC_SMTP_URL."""

    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_url
        self.target = parse_smtp_url(settings.smtp_url)
        self.sender = settings.mail_from

    async def send(self, message: EmailMessage) -> None:
        t = self.target
        await aiosmtplib.send(
            message,
            hostname=t.host,
            port=t.port,
            username=t.username,
            password=t.password,
            use_tls=t.use_tls,
            start_tls=t.start_tls if t.start_tls else False,
            timeout=SMTP_TIMEOUT_SECONDS,
        )


def header_text(value: str, limit: int = 200) -> str:
    """User-written text bound for a header: one line, no invisible or bidi characters."""
    flat = " ".join(printable(value.replace("\r", " ").replace("\n", " ")).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def message_id(key: uuid.UUID | str, settings: Settings) -> str:
    host = urlsplit(settings.public_url).hostname or "dondoc.localhost"
    return f"<{key}@{host}>"


def _link(settings: Settings, resource_type: str, resource_id: uuid.UUID) -> str:
    base = settings.public_url.rstrip("/")
    return f"{base}/api/v1/{SEGMENTS[resource_type]}/{resource_id}"


def _vn_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "không có thời hạn"


def _item_lines(item: dict[str, Any], settings: Settings) -> list[str]:
    """What one notice says: the resource, its deadline, what happened, the link."""
    rt = item["resource_type"]
    lines = [
        f"{NOUNS[rt]}: {item['code']} — {item['title']}",
        f"Thời hạn: {_vn_date(item['deadline'])}",
        f"Nội dung: {SUBJECTS[item['kind']]}",
    ]
    if item.get("actor_name"):
        lines.append(f"Người thực hiện: {item['actor_name']}")
    if item.get("comment"):
        lines.append("Ý kiến: " + item["comment"])
    lines.append(f"Xem chi tiết: {_link(settings, rt, item['resource_id'])}")
    return lines


def _message(
    settings: Settings, official: Any, subject: str, body: str, key: uuid.UUID | str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    # username and domain apart: a Vietnamese local part (RFC 6531) is not parsed as ASCII
    local, _, domain = official.email.rpartition("@")
    message["To"] = Address(
        display_name=header_text(official.name, 100), username=local, domain=domain
    )
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id(key, settings)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, cte="8bit" if body.isascii() else "quoted-printable")
    return message


def render_one(settings: Settings, official: Any, item: dict[str, Any]) -> EmailMessage:
    subject = header_text(f"[{item['code']}] {SUBJECTS[item['kind']]}: {item['title']}")
    body = "\n".join(
        [
            f"Kính gửi đồng chí {official.name},",
            "",
            *_item_lines(item, settings),
            "",
            "Thư này được gửi tự động từ hệ thống Đôn đốc; vui lòng không trả lời thư.",
        ]
    )
    return _message(settings, official, subject, body, item["id"])


def render_digest(
    settings: Settings, official: Any, day: date, items: list[dict[str, Any]]
) -> EmailMessage:
    """One mail with every notice of the day, grouped by the resource it is about."""
    groups: dict[tuple[str, uuid.UUID], list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault((item["resource_type"], item["resource_id"]), []).append(item)
    subject = f"Tổng hợp thông báo ngày {_vn_date(day)}: {len(items)} thông báo"
    lines = [f"Kính gửi đồng chí {official.name},", ""]
    lines.append(f"Có {len(items)} thông báo về {len(groups)} việc:")
    for number, ((rt, rid), group) in enumerate(groups.items(), 1):
        first = group[0]
        lines += [
            "",
            f"{number}. {NOUNS[rt]} {first['code']} — {first['title']}",
            f"   Thời hạn: {_vn_date(first['deadline'])}",
        ]
        for item in group:
            actor = f" ({item['actor_name']})" if item.get("actor_name") else ""
            lines.append(f"   - {SUBJECTS[item['kind']]}{actor}")
        lines.append(f"   Xem chi tiết: {_link(settings, rt, rid)}")
    lines += ["", "Thư này được gửi tự động từ hệ thống Đôn đốc; vui lòng không trả lời thư."]
    key = f"digest-{min(i['id'] for i in items)}"
    return _message(settings, official, subject, "\n".join(lines), key)


# --- the outbox ----------------------------------------------------------------------------

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
_CLAIM_ONE = """
SELECT id FROM notifications
WHERE status = 'pending' AND NOT digest AND next_attempt_at <= :now
ORDER BY next_attempt_at, id
LIMIT 1
FOR UPDATE SKIP LOCKED
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
_DIGEST_ROWS = """
SELECT id FROM notifications
WHERE official_id = CAST(:official_id AS uuid) AND status = 'pending' AND digest
  AND created_at < :cutoff AND next_attempt_at <= :now
ORDER BY created_at, id
FOR UPDATE
"""
_OFFICIAL = "SELECT id, name, email FROM officials WHERE id = :id"
_SENT = """
UPDATE notifications SET status = 'sent', sent_at = :now, message_id = :message_id,
       attempts = attempts + 1, last_error = NULL
WHERE id = ANY(:ids)
"""
_FAILED = """
UPDATE notifications SET attempts = attempts + 1, last_error = :error,
       next_attempt_at = :retry_at,
       status = CASE WHEN attempts + 1 >= :max_attempts OR :final THEN 'failed' ELSE 'pending' END
WHERE id = ANY(:ids)
"""


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


async def _deliver(
    conn: AsyncConnection,
    mailer: Mailer,
    settings: Settings,
    official_id: uuid.UUID,
    ids: list[uuid.UUID],
    render: Any,
    now: datetime,
) -> bool:
    """Send one mail for the notices `ids` (locked by the caller) and record the outcome."""
    official = (await conn.execute(text(_OFFICIAL), {"id": official_id})).one()
    items = await _items(conn, ids)
    attempts = max(i["attempts"] for i in items)
    failure: dict[str, Any] = {"ids": ids, "max_attempts": MAX_ATTEMPTS}
    if not official.email:
        await conn.execute(
            text(_FAILED),
            {
                **failure,
                "error": "the official has no e-mail address",
                "final": True,
                "retry_at": now,
            },
        )
        return False
    try:
        message = render(official, items)
    except (ValueError, TypeError, email.errors.MessageError) as exc:
        log.error("notice mail to official %s cannot be written: %r", official_id, exc)
        await conn.execute(
            text(_FAILED),
            {**failure, "error": header_text(repr(exc), 500), "final": True, "retry_at": now},
        )
        return False
    try:
        await mailer.send(message)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        log.warning("notice mail to official %s failed: %r", official_id, exc)
        await conn.execute(
            text(_FAILED),
            {
                **failure,
                "error": header_text(repr(exc), 500),
                "final": False,
                "retry_at": now + backoff(settings.mail_retry_base_seconds, attempts + 1),
            },
        )
        return False
    await conn.execute(text(_SENT), {"ids": ids, "now": now, "message_id": message["Message-ID"]})
    return True


async def send_due(
    engine: AsyncEngine, mailer: Mailer, settings: Settings, now: datetime | None = None
) -> int:
    """Send every immediate notice due now, one per transaction; how many went out."""
    sent = 0
    while True:
        moment = now or utcnow()
        async with engine.begin() as conn:
            notice_id = (await conn.execute(text(_CLAIM_ONE), {"now": moment})).scalar()
            if notice_id is None:
                return sent
            official_id = (
                await conn.execute(
                    text("SELECT official_id FROM notifications WHERE id = :id"), {"id": notice_id}
                )
            ).scalar_one()
            ok = await _deliver(
                conn,
                mailer,
                settings,
                official_id,
                [notice_id],
                lambda official, items: render_one(settings, official, items[0]),
                moment,
            )
            sent += ok


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
        async with engine.begin() as conn:
            mine = {"official_id": str(official_id)}
            if not (await conn.execute(text(_DIGEST_LOCK), mine)).scalar():
                continue  # another worker is sending this official's digest
            ids = list((await conn.execute(text(_DIGEST_ROWS), {**window, **mine})).scalars())
            if not ids:
                continue
            ok = await _deliver(
                conn,
                mailer,
                settings,
                official_id,
                ids,
                lambda official, items: render_digest(settings, official, day, items),
                moment,
            )
            sent += ok
    return sent
