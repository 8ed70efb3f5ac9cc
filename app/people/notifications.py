"""E-mail notices to officials: rendered in Vietnamese (one notice, or an official's daily
digest) and handed to the SMTP server of DONDOC_SMTP_URL. The outbox that sends them is
`app/people/outbox.py`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from app.access.auth import printable
from app.core.config import Settings
from app.kernel.schemas import utcnow
from app.registry import RESOURCES

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
SEGMENTS = {r.name: r.segment for r in RESOURCES}
NOUNS = {r.name: r.noun_vi for r in RESOURCES}


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
