"""Notices by e-mail (issue 17), received by a real SMTP server on 127.0.0.1 (aiosmtpd) and
parsed as a mail client would."""

from __future__ import annotations

import asyncio
import email
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.core.enums import Role
from app.people import notifications, outbox
from app.tasks import scheduler
from tests.conftest import Keys, World, stand_at
from tests.people import People, official
from tests.server import free_port


class Inbox:
    """An SMTP server's handler: keeps what it accepted; can refuse or stall on purpose."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.refuse = 0  # answer 451 to this many DATA commands
        self.stall = 0.0  # wait this long at the first RCPT (a client may give up meanwhile)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.stall:
            delay, self.stall = self.stall, 0.0
            await asyncio.sleep(delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.raw.append(envelope.original_content)
        # read as UTF-8 text, as a client does for an SMTPUTF8 message (RFC 6532 headers)
        text = envelope.original_content.decode("utf-8")
        self.messages.append(email.message_from_string(text, policy=policy.default))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


@contextmanager
def _server(smtputf8: bool) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A server that does not offer SMTPUTF8 (so headers must travel as ASCII, RFC 2047)."""
    with _server(False) as server:
        yield server


@pytest.fixture
def smtputf8() -> Iterator[tuple[Inbox, int]]:
    """A server that offers SMTPUTF8 (RFC 6531/6532)."""
    with _server(True) as server:
        yield server


@pytest.fixture
async def mail(
    smtp: tuple[Inbox, int],
) -> AsyncIterator[tuple[Inbox, notifications.Mailer, Settings]]:
    inbox, port = smtp
    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{port}",
        public_url="https://dondoc.example.gov.vn",
        mail_retry_base_seconds=60,
    )
    yield inbox, notifications.Mailer(settings), settings


async def notices(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return list(
            (await conn.execute(text("SELECT * FROM notifications ORDER BY created_at, id"))).all()
        )


async def test_an_assignment_reaches_the_focal_official(
    world: World,
    people: People,
    engine: AsyncEngine,
    mail: Any,
    app: Any,
) -> None:
    inbox, mailer, settings = mail
    stand_at(app, datetime(2023, 4, 1, 3, 0, tzinfo=UTC))
    task = await world.task(
        title="Hoàn thiện Kho dữ liệu dùng chung của tỉnh",
        lead_official_id=people.specialist["id"],
    )
    [notice] = await notices(engine)
    assert (notice.kind, notice.status, notice.official_id) == (
        "assigned",
        "pending",
        __import__("uuid").UUID(people.specialist["id"]),
    )
    assert await outbox.send_due(engine, mailer, settings) == 1
    assert await outbox.send_due(engine, mailer, settings) == 0  # never twice
    [message] = inbox.messages
    raw_subject = inbox.raw[0].split(b"\r\nSubject: ", 1)[1].split(b"\r\n")[0]
    # RFC 2047 encoded words: the server offers no SMTPUTF8, so the header stays ASCII
    assert raw_subject.isascii() and b"=?utf-8?" in raw_subject
    subject = str(message["Subject"])
    assert subject.startswith(f"[{task['code']}] Giao nhiệm vụ: Hoàn thiện Kho dữ liệu")
    # a header carries one printable line whatever it is given
    assert notifications.header_text("a\r\nBcc: x@y\u202e\u200bz") == "a Bcc: x@yz"
    assert message["To"].addresses[0].addr_spec == "chuyenvien@sotttt.example.gov.vn"
    assert message["To"].addresses[0].display_name == "Lê Văn Chuyên Viên"
    body = message.get_content()
    assert "Thời hạn: 31/12/2023" in body
    assert f"https://dondoc.example.gov.vn/api/v1/tasks/{task['id']}" in body
    listed = (
        await world.client.get(
            f"/api/v1/officials/{people.specialist['id']}/notifications",
            headers=people.h["specialist"],
        )
    ).json()["items"]
    assert [(n["kind"], n["status"], n["message_id"]) for n in listed] == [
        ("assigned", "sent", message["Message-ID"])
    ]
    # an official's notices are theirs and the office's, not their colleagues'
    url = f"/api/v1/officials/{people.specialist['id']}/notifications"
    assert (await world.client.get(url, headers=people.h["focal"])).status_code == 403
    assert (await world.client.get(url, headers=world.h["office"])).status_code == 200
    assert (await world.client.get(url, headers=world.h["viewer"])).status_code == 403


async def test_who_is_told(
    world: World,
    people: People,
    engine: AsyncEngine,
    keys: Keys,
    app: Any,
) -> None:
    """No focal official on the task: the lead agency's focal points. Not the actor, not an
    official who chose no mail, not a retired one. Each kind of change its notice."""
    stand_at(app, datetime(2023, 4, 1, 3, 0, tzinfo=UTC))
    c = world.client
    quiet = await official(
        world, world.h["office"], name="Không nhận thư", focal=True, notify="off"
    )
    retired = await official(world, world.h["office"], name="Đã nghỉ", focal=True)
    r = await c.patch(
        f"/api/v1/officials/{retired['id']}",
        json={"active": False},
        headers={**world.h["office"], "If-Match": '"1"'},
    )
    assert r.status_code == 200
    task = await world.task()
    # the focal point itself returns nothing to itself: it starts the task
    assert (await world.act(task, "lead", "start")).status_code == 200
    assert (await world.act(task, "lead", "submit", result="Xong")).status_code == 200
    assert (await world.act(task, "office", "return", comment="Bổ sung")).status_code == 200
    r = await c.post(
        f"/api/v1/tasks/{task['id']}/reminders",
        json={"message": "Đề nghị khẩn trương"},
        headers=world.h["office"],
    )
    assert r.status_code == 201, r.text
    await c.post(
        f"/api/v1/tasks/{task['id']}/comments",
        json={"body": "Trao đổi", "mentions": [people.specialist["id"]]},
        headers=people.h["focal"],  # the focal point mentions a colleague: only they are told
    )
    asked = await c.post(
        f"/api/v1/tasks/{task['id']}/extension-requests",
        json={"proposed_due_date": "2024-03-31", "reason": "Chờ vốn"},
        headers=world.h["lead"],
    )
    assert asked.status_code == 201, asked.text
    decided = await c.post(
        f"/api/v1/tasks/{task['id']}/extension-requests/{asked.json()['id']}/decision",
        json={"approved": False},
        headers=world.h["leader"],
    )
    assert decided.status_code == 200, decided.text
    async with engine.begin() as conn:
        await scheduler.tick(conn, datetime(2024, 1, 2).date(), 3)
    # a new focal official is told of the assignment; the old one is not told again
    task = (await c.get(f"/api/v1/tasks/{task['id']}", headers=world.h["office"])).json()
    r = await c.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"lead_official_id": people.specialist["id"]},
        headers={**world.h["office"], "If-Match": f'"{task["version"]}"'},
    )
    assert r.status_code == 200, r.text
    # a proposal answered: the submitting agency's focal points
    proposal = (
        await c.post(
            "/api/v1/proposals",
            json={"title": "Kiến nghị", "category": "other"},
            headers=world.h["lead"],
        )
    ).json()
    for role, body in (
        ("lead", {"action": "submit"}),
        ("office", {"action": "review"}),
        (
            "leader",
            {"action": "resolve", "resolution": "referred", "response": {"text": "Giao Sở"}},
        ),
    ):
        r = await c.post(
            f"/api/v1/proposals/{proposal['id']}/transitions", json=body, headers=world.h[role]
        )
        assert r.status_code == 200, r.text
    rows = await notices(engine)
    told = sorted((r.kind, str(r.official_id)) for r in rows)
    focal, specialist = people.focal["id"], people.specialist["id"]
    assert told == sorted(
        [
            ("assigned", focal),
            ("returned", focal),
            ("reminded", focal),
            ("mentioned", specialist),
            ("extension_decided", focal),
            ("overdue", focal),
            ("assigned", specialist),
            ("proposal_answered", focal),
        ]
    )
    assert quiet["id"] not in {t[1] for t in told} and retired["id"] not in {t[1] for t in told}


async def test_a_refused_mail_is_retried_with_back_off(
    world: World,
    people: People,
    engine: AsyncEngine,
    mail: Any,
) -> None:
    inbox, mailer, settings = mail
    inbox.refuse = 1
    await world.task(lead_official_id=people.focal["id"])
    start = datetime.now(UTC)
    assert await outbox.send_due(engine, mailer, settings, start) == 0
    [notice] = await notices(engine)
    assert notice.status == "pending" and notice.attempts == 1
    assert "451" in notice.last_error
    assert notice.next_attempt_at >= start + timedelta(seconds=59)
    # not before its time; then once
    assert await outbox.send_due(engine, mailer, settings, start + timedelta(seconds=30)) == 0
    later = start + timedelta(seconds=61)
    assert await outbox.send_due(engine, mailer, settings, later) == 1
    [notice] = await notices(engine)
    assert (notice.status, notice.attempts, notice.last_error) == ("sent", 2, None)
    assert len(inbox.messages) == 1
    assert outbox.backoff(60, 3) == timedelta(seconds=240)
    assert outbox.backoff(60, 30) == timedelta(hours=6)


async def test_a_crash_mid_send_sends_once(
    world: World,
    people: People,
    engine: AsyncEngine,
    mail: Any,
) -> None:
    """The worker dies while the SMTP server still has the message half-way (here: it is
    stopped while the server holds its RCPT): the notice stays pending with its attempt
    counted, nobody takes it while that attempt's lease lasts, the next run after it sends
    it, and the server holds exactly one copy."""
    inbox, mailer, settings = mail
    inbox.stall = 3.0
    await world.task(lead_official_id=people.focal["id"])
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(outbox.send_due(engine, mailer, settings), timeout=0.5)
    [notice] = await notices(engine)
    assert (notice.status, notice.attempts) == ("pending", 1)
    assert await outbox.send_due(engine, mailer, settings) == 0  # still leased
    later = datetime.now(UTC) + timedelta(seconds=2 * settings.mail_attempt_seconds + 1)
    assert await outbox.send_due(engine, mailer, settings, now=later) == 1
    await asyncio.sleep(3.0)  # the stalled conversation ends: it never reached DATA
    assert len(inbox.messages) == 1


async def test_two_workers_never_send_a_notice_twice(
    world: World,
    people: People,
    engine: AsyncEngine,
    mail: Any,
) -> None:
    inbox, mailer, settings = mail
    for n in range(6):
        await world.task(title=f"Nhiệm vụ {n}", lead_official_id=people.focal["id"])
    sent = await asyncio.gather(
        outbox.send_due(engine, mailer, settings),
        outbox.send_due(engine, mailer, settings),
    )
    assert sum(sent) == 6
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert sorted(s.split(": ", 1)[1] for s in inbox.subjects()) == [
        f"Nhiệm vụ {n}" for n in range(6)
    ]


async def test_a_daily_digest_groups_the_day(
    world: World,
    people: People,
    engine: AsyncEngine,
    mail: Any,
) -> None:
    inbox, mailer, settings = mail
    c = world.client
    r = await c.patch(
        f"/api/v1/officials/{people.focal['id']}",
        json={"notify": "digest"},
        headers={**world.h["office"], "If-Match": '"1"'},
    )
    assert r.status_code == 200
    first = await world.task(title="Nhiệm vụ thứ nhất", lead_official_id=people.focal["id"])
    second = await world.task(title="Nhiệm vụ thứ hai", lead_official_id=people.focal["id"])
    await c.post(
        f"/api/v1/tasks/{first['id']}/comments",
        json={"body": "Lưu ý", "mentions": [people.focal["id"]]},
        headers=world.h["office"],
    )
    assert len(await notices(engine)) == 3
    assert await outbox.send_due(engine, mailer, settings) == 0  # not one by one
    now = datetime.now(UTC)
    cutoff, _ = outbox.digest_cutoff(now, settings.tz, settings.digest_hour)
    assert await outbox.send_digests(engine, mailer, settings, now) == 0  # after today's
    tomorrow = cutoff + timedelta(days=1, minutes=5)
    sent = await asyncio.gather(
        outbox.send_digests(engine, mailer, settings, tomorrow),
        outbox.send_digests(engine, mailer, settings, tomorrow),
    )
    assert sum(sent) == 1
    [message] = inbox.messages
    assert str(message["Subject"]).startswith("Tổng hợp thông báo ngày")
    assert str(message["Subject"]).endswith("3 thông báo")
    body = message.get_content()
    assert "Có 3 thông báo về 2 việc" in body
    one = body.index(f"1. Nhiệm vụ {first['code']}")
    two = body.index(f"2. Nhiệm vụ {second['code']}")
    # the mention is listed under the first task, beside its assignment
    assert one < body.index("Ý kiến trao đổi nhắc đến đồng chí") < two
    assert body.count("- Giao nhiệm vụ") == 2
    assert {n.status for n in await notices(engine)} == {"sent"}
    assert len({n.message_id for n in await notices(engine)}) == 1


async def test_no_address_no_mail_and_the_reason_kept(
    world: World,
    people: People,
    engine: AsyncEngine,
    mail: Any,
    keys: Keys,
) -> None:
    inbox, mailer, settings = mail
    nobody = await official(world, world.h["office"], name="Chưa có thư điện tử")
    await world.task(lead_official_id=nobody["id"])
    assert await outbox.send_due(engine, mailer, settings) == 0
    [notice] = await notices(engine)
    assert notice.status == "failed" and "no e-mail address" in notice.last_error
    assert inbox.messages == []
    headers = await keys.make(Role.office)
    listed = (
        await world.client.get(f"/api/v1/officials/{nobody['id']}/notifications", headers=headers)
    ).json()["items"]
    assert listed[0]["status"] == "failed"


def test_smtp_urls() -> None:
    t = notifications.parse_smtp_url("smtp://u%40x:p%3Aw@mail.example.gov.vn:587?starttls=1")
    assert (t.host, t.port, t.username, t.password, t.start_tls, t.use_tls) == (
        "mail.example.gov.vn",
        587,
        "u@x",
        "p:w",
        True,
        False,
    )
    assert notifications.parse_smtp_url("smtps://mail.example").port == 465
    assert notifications.parse_smtp_url("smtp://mail.example").port == 25
    with pytest.raises(ValueError):
        notifications.parse_smtp_url("http://mail.example")


def test_a_wrong_mail_url_fails_at_start_up() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Settings(smtp_url="mail.example.gov.vn:25")
    assert Settings(smtp_url="").smtp_url is None


async def test_a_serve_process_mails_what_it_is_told(
    database_url: str, smtp: tuple[Inbox, int]
) -> None:
    """The mail worker of a real `dondoc serve`: an assignment made over HTTP arrives at the
    SMTP server, once; SIGTERM stops the process cleanly."""
    import os
    import signal

    import httpx

    from tests.faults import an_assignment
    from tests.server import AUTH, KEY, run_command, wait_ready

    inbox, smtp_port = smtp
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DONDOC_BOOTSTRAP_ADMIN_KEY": KEY,
        "DONDOC_RATE_LIMIT_PER_MINUTE": "0",
        "DONDOC_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DONDOC_MAIL_POLL_SECONDS": "0.2",
        "DONDOC_PUBLIC_URL": "https://dondoc.example.gov.vn",
    }
    process = await run_command("serve", "--no-migrate", "--port", str(port), env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(process, base, 30)
        async with httpx.AsyncClient(base_url=base, headers=AUTH) as client:
            person, task = await an_assignment(client, "000.00.77.H99")
            deadline = asyncio.get_running_loop().time() + 20
            while not inbox.messages:
                assert asyncio.get_running_loop().time() < deadline, "no mail arrived"
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # a few more polls: nothing more may come
            assert len(inbox.messages) == 1
            assert task.json()["code"] in str(inbox.messages[0]["Subject"])
            listed = (await client.get(f"/api/v1/officials/{person['id']}/notifications")).json()
            assert listed["items"][0]["status"] == "sent"
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) in (0, -signal.SIGTERM)


async def test_an_address_in_vietnamese_goes_as_smtputf8(
    world: World, engine: AsyncEngine, smtputf8: tuple[Inbox, int], smtp: tuple[Inbox, int]
) -> None:
    """An address with Vietnamese letters needs SMTPUTF8: where the server offers it, the
    headers travel as UTF-8 (RFC 6532) and read the same; where it does not, the notice is
    not sent and says why."""
    person = await official(
        world, world.h["office"], name="Nguyễn Thị Lan", email="lan.nguyễn@syt.example.gov.vn"
    )
    task = await world.task(title="Kiểm tra an toàn thông tin", lead_official_id=person["id"])
    plain_inbox, plain_port = smtp
    plain = Settings(smtp_url=f"smtp://127.0.0.1:{plain_port}")
    assert await outbox.send_due(engine, notifications.Mailer(plain), plain) == 0
    [notice] = await notices(engine)
    assert notice.status == "pending" and "SMTPUTF8" in notice.last_error
    assert plain_inbox.messages == []
    inbox, port = smtputf8
    settings = Settings(smtp_url=f"smtp://127.0.0.1:{port}")
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert await outbox.send_due(engine, notifications.Mailer(settings), settings, later) == 1
    raw = inbox.raw[0]
    subject_line = raw.split(b"\r\nSubject: ", 1)[1].split(b"\r\n")[0]
    assert "Giao nhiệm vụ".encode() in subject_line  # raw UTF-8, no encoded words
    [message] = inbox.messages
    assert str(message["Subject"]) == f"[{task['code']}] Giao nhiệm vụ: Kiểm tra an toàn thông tin"
    assert message["To"].addresses[0].addr_spec == "lan.nguyễn@syt.example.gov.vn"
