"""Webhooks against a receiver on 127.0.0.1: signatures, retries after failures, targets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from app.integration import webhook_targets, webhooks
from tests.conftest import World

API = "/api/v1/webhooks"


class Receiver:
    """A tiny HTTP server that records requests and answers with the next planned status."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.plan: list[int] = []
        self.server: asyncio.Server | None = None
        self.url = ""

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hook"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")[1:]
        headers = {
            k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)
        }
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.requests.append((headers, body))
        status = self.plan.pop(0) if self.plan else 204
        writer.write(
            f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    assert r.server is not None
    r.server.close()


@pytest.fixture
def allow_loopback(app) -> Iterator[None]:
    settings = app.state.settings
    before = settings.webhook_allowed_hosts
    settings.webhook_allowed_hosts = "127.0.0.1"
    yield
    settings.webhook_allowed_hosts = before


async def deliver(engine: AsyncEngine, allowed: str = "127.0.0.1", base: float = 60) -> int:
    async with httpx.AsyncClient(timeout=10.0, follow_redirects=False, trust_env=False) as client:
        return await webhooks.deliver_due(engine, client, allowed, base)


async def test_signed_delivery_of_matching_events(
    world: World, receiver: Receiver, engine: AsyncEngine, allow_loopback: None
) -> None:
    created = await world.client.post(
        API, json={"url": receiver.url, "event_types": ["task.*"]}, headers=world.h["admin"]
    )
    assert created.status_code == 201, created.text
    hook = created.json()
    secret = hook["secret"]
    assert secret.startswith("whsec_")
    shown = (await world.client.get(f"{API}/{hook['id']}", headers=world.h["admin"])).json()
    assert "secret" not in shown
    task = await world.task()
    await world.client.post(
        "/api/v1/agencies",
        json={"code": "W1", "name": "x", "kind": "other"},
        headers=world.h["office"],
    )
    assert await deliver(engine) == 1  # the task event only, not the agency one
    headers, body = receiver.requests[0]
    payload = Verifier(secret).verify(
        body, {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    )
    assert payload["type"] == "task.created" and payload["data"]["resource_id"] == task["id"]
    assert headers["webhook-id"].startswith("evt_")
    with pytest.raises(WebhookVerificationError):
        Verifier(webhooks.new_secret()).verify(
            body, {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
        )
    log = (
        await world.client.get(f"{API}/{hook['id']}/deliveries", headers=world.h["admin"])
    ).json()["items"]
    assert [(e["status"], e["attempts"], e["last_status_code"]) for e in log] == [
        ("delivered", 1, 204)
    ]


async def test_a_failing_receiver_is_retried_with_backoff(
    world: World, receiver: Receiver, engine: AsyncEngine, allow_loopback: None
) -> None:
    hook = (
        await world.client.post(
            API,
            json={"url": receiver.url, "event_types": ["task.created"]},
            headers=world.h["admin"],
        )
    ).json()
    receiver.plan = [500, 503]
    await world.task()
    assert await deliver(engine, base=60) == 1
    log = (
        await world.client.get(f"{API}/{hook['id']}/deliveries", headers=world.h["admin"])
    ).json()["items"]
    assert (log[0]["status"], log[0]["attempts"], log[0]["last_status_code"]) == ("pending", 1, 500)
    assert (await world.client.get(f"{API}/{hook['id']}", headers=world.h["admin"])).json()[
        "failing_since"
    ] is not None
    assert await deliver(engine) == 0  # not due yet: the back-off holds it
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE webhook_deliveries SET next_attempt_at = now()"))
    assert await deliver(engine) == 1
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE webhook_deliveries SET next_attempt_at = now()"))
    assert await deliver(engine) == 1
    log = (
        await world.client.get(f"{API}/{hook['id']}/deliveries", headers=world.h["admin"])
    ).json()["items"]
    assert (log[0]["status"], log[0]["attempts"], log[0]["last_status_code"]) == (
        "delivered",
        3,
        204,
    )
    assert len({h["webhook-id"] for h, _ in receiver.requests}) == 1  # the same message each time
    assert (await world.client.get(f"{API}/{hook['id']}", headers=world.h["admin"])).json()[
        "failing_since"
    ] is None


async def test_after_24_hours_a_delivery_is_given_up(
    world: World, receiver: Receiver, engine: AsyncEngine, allow_loopback: None
) -> None:
    hook = (
        await world.client.post(
            API, json={"url": receiver.url, "event_types": ["*"]}, headers=world.h["admin"]
        )
    ).json()
    receiver.plan = [500]
    await world.task()
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE webhook_deliveries SET created_at = now() - interval '25 hours'")
        )
    await deliver(engine)
    log = (
        await world.client.get(f"{API}/{hook['id']}/deliveries", headers=world.h["admin"])
    ).json()["items"]
    assert log[0]["status"] == "failed"


def test_backoff_doubles() -> None:
    assert [webhooks.backoff(n, 60) for n in (1, 2, 3)] == [
        timedelta(seconds=60),
        timedelta(seconds=120),
        timedelta(seconds=240),
    ]
    assert webhooks.backoff(30, 60) == timedelta(hours=6)


async def test_targets_are_checked(world: World) -> None:
    for url, why in (
        ("ftp://example.com/x", "http"),
        ("http://127.0.0.1:9/x", "internal"),
        ("http://localhost/x", "internal"),
        ("http://10.1.2.3/x", "internal"),
        ("http://169.254.169.254/latest", "internal"),
        ("http://user:pw@example.com/", "credentials"),
    ):
        response = await world.client.post(
            API, json={"url": url, "event_types": ["task.*"]}, headers=world.h["admin"]
        )
        assert response.status_code == 422, url
        assert why in response.json()["errors"][0]["message"], (url, response.text)
    bad_pattern = await world.client.post(
        API,
        json={"url": "http://127.0.0.1/x", "event_types": ["task.**"]},
        headers=world.h["admin"],
    )
    assert bad_pattern.status_code == 422
    assert (
        await world.client.post(
            API, json={"url": "http://127.0.0.1/x", "event_types": ["*"]}, headers=world.h["office"]
        )
    ).status_code == 403


async def test_allowed_hosts_limit_targets() -> None:
    with pytest.raises(webhook_targets.TargetRefused):
        await webhook_targets.check("http://127.0.0.1/x", "lgsp.example.vn")
    await webhook_targets.check("http://127.0.0.1/x", "127.0.0.1")
    with pytest.raises(webhook_targets.TargetRefused):
        await webhook_targets.check("http://127.0.0.1/x", "")


async def test_delivery_rechecks_the_target(
    world: World, receiver: Receiver, engine: AsyncEngine, allow_loopback: None
) -> None:
    hook = (
        await world.client.post(
            API, json={"url": receiver.url, "event_types": ["*"]}, headers=world.h["admin"]
        )
    ).json()
    await world.task()
    await deliver(engine, allowed="")  # the setting no longer lists 127.0.0.1
    log = (
        await world.client.get(f"{API}/{hook['id']}/deliveries", headers=world.h["admin"])
    ).json()["items"]
    assert log[0]["status"] == "pending" and "refused" in log[0]["last_error"]
    assert receiver.requests == []


async def test_test_ping_and_the_background_worker(
    world: World, receiver: Receiver, database_url: str, allow_loopback: None
) -> None:
    from app.core.config import Settings
    from app.main import create_app

    hook = (
        await world.client.post(
            API, json={"url": receiver.url, "event_types": ["agency.*"]}, headers=world.h["admin"]
        )
    ).json()
    ping = await world.client.post(f"{API}/{hook['id']}/test", headers=world.h["admin"])
    assert ping.status_code == 202
    background = create_app(
        Settings(
            worker=True,
            webhook_allowed_hosts="127.0.0.1",
            webhook_poll_seconds=0.05,
            scheduler_interval_seconds=60,
        ),
        database_url=database_url,
    )
    async with background.router.lifespan_context(background):
        deadline = asyncio.get_running_loop().time() + 10
        while not receiver.requests:
            assert asyncio.get_running_loop().time() < deadline, "nothing was delivered"
            await asyncio.sleep(0.05)
    headers, body = receiver.requests[0]
    assert (
        Verifier(hook["secret"]).verify(
            body, {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
        )["type"]
        == "webhook.test"
    )


async def test_two_workers_deliver_each_message_once(
    world: World, receiver: Receiver, database_url: str, engine: AsyncEngine, allow_loopback: None
) -> None:
    from app.core.config import Settings
    from app.db import create_engine

    await world.client.post(
        API, json={"url": receiver.url, "event_types": ["task.created"]}, headers=world.h["admin"]
    )
    for _ in range(12):
        await world.task()
    first, second = create_engine(database_url, Settings()), create_engine(database_url, Settings())
    try:
        await asyncio.gather(deliver(first), deliver(second), deliver(first), deliver(second))
    finally:
        await first.dispose()
        await second.dispose()
    ids = [h["webhook-id"] for h, _ in receiver.requests]
    assert len(ids) == len(set(ids)) == 12


async def test_inactive_webhooks_get_nothing_and_redirects_are_not_followed(
    world: World, receiver: Receiver, engine: AsyncEngine, allow_loopback: None
) -> None:
    hook = (
        await world.client.post(
            API,
            json={"url": receiver.url, "event_types": ["task.*"], "active": False},
            headers=world.h["admin"],
        )
    ).json()
    await world.task()
    assert await deliver(engine) == 0
    await world.client.patch(
        f"{API}/{hook['id']}",
        json={"active": True},
        headers={**world.h["admin"], "If-Match": '"1"'},
    )
    receiver.plan = [302]
    await world.task()
    assert await deliver(engine) == 1
    log = (
        await world.client.get(f"{API}/{hook['id']}/deliveries", headers=world.h["admin"])
    ).json()["items"]
    assert (log[0]["status"], log[0]["last_status_code"]) == ("pending", 302)
    assert len(receiver.requests) == 1  # the Location was not followed


async def test_a_delivery_interrupted_by_a_crash_is_sent_again(
    world: World, receiver: Receiver, engine: AsyncEngine, allow_loopback: None
) -> None:
    await world.client.post(
        API, json={"url": receiver.url, "event_types": ["task.created"]}, headers=world.h["admin"]
    )
    await world.task()
    claimed = await webhooks.claim(
        engine
    )  # the worker took it … and died before recording anything
    assert len(claimed) == 1
    assert await deliver(engine) == 0  # leased: nobody else takes it meanwhile
    async with engine.begin() as conn:  # the lease runs out
        await conn.execute(text("UPDATE webhook_deliveries SET next_attempt_at = now()"))
    assert await deliver(engine) == 1
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    "address",
    [
        "100.64.0.1",  # shared address space (a cloud metadata service lives there)
        "192.88.99.1",  # 6to4 relay anycast
        "fec0::1",  # site-local
        "2002:a9fe:a9fe::1",  # 6to4 wrapping 169.254.169.254
        "64:ff9b::a9fe:a9fe",  # NAT64 wrapping 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 wrapping 127.0.0.1
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "169.254.169.254",
        "0.0.0.0",
        "::",
    ],
)
async def test_only_globally_routable_addresses_are_targets(
    address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert webhook_targets.internal(address)

    async def resolve(host: str, port: int) -> list[tuple[object, ...]]:
        return [(0, 0, 0, "", (address, port))]

    monkeypatch.setattr(webhook_targets, "resolve", resolve)
    with pytest.raises(webhook_targets.TargetRefused, match="internal"):
        await webhook_targets.check("https://hooks.example.vn/x", "")
    # Listed by name, an operator may still point a webhook at its own network.
    assert await webhook_targets.check("https://hooks.example.vn/x", "hooks.example.vn") == [
        address
    ]


def test_public_addresses_stay_targets() -> None:
    for address in ("8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8", "2002:808:808::1"):
        assert not webhook_targets.internal(address), address


async def test_a_port_beyond_65535_is_refused(world: World) -> None:
    response = await world.client.post(
        API,
        json={"url": "http://hooks.example.vn:99999/x", "event_types": ["*"]},
        headers=world.h["admin"],
    )
    assert response.status_code == 422
    assert "port" in response.json()["errors"][0]["message"]


async def test_delivery_goes_to_the_address_that_was_checked(
    world: World,
    receiver: Receiver,
    engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
    app: Any,
) -> None:
    # DNS rebinding: the name is checked, then resolved again by the HTTP client to connect.
    # Here the name resolves for the check to the receiver on 127.0.0.1, and for anyone else
    # (the system's resolver) to nothing at all: the delivery arrives, so it connected to the
    # checked address, and it still names the host it was given.
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])

    async def resolve(host: str, p: int) -> object:
        assert host == "hooks.rebind.test"
        return [(0, 0, 0, "", ("127.0.0.1", p))]

    allowed = "hooks.rebind.test"
    monkeypatch.setattr(app.state.settings, "webhook_allowed_hosts", allowed)
    with monkeypatch.context() as patched:
        patched.setattr(webhook_targets, "resolve", resolve)
        created = await world.client.post(
            API,
            json={"url": f"http://hooks.rebind.test:{port}/hook", "event_types": ["task.*"]},
            headers=world.h["admin"],
        )
        assert created.status_code == 201, created.text
        await world.task()
        assert await deliver(engine, allowed=allowed) == 1
    assert len(receiver.requests) == 1
    headers, _ = receiver.requests[0]
    assert headers["host"] == f"hooks.rebind.test:{port}"


async def test_queued_deliveries_of_a_deleted_or_inactive_webhook_are_not_sent(
    world: World, receiver: Receiver, engine: AsyncEngine, allow_loopback: None
) -> None:
    hooks = [
        (
            await world.client.post(
                API, json={"url": receiver.url, "event_types": ["task.*"]}, headers=world.h["admin"]
            )
        ).json()
        for _ in range(2)
    ]
    await world.task()  # queued for both
    await world.client.delete(f"{API}/{hooks[0]['id']}", headers=world.h["admin"])
    await world.client.patch(
        f"{API}/{hooks[1]['id']}",
        json={"active": False},
        headers={**world.h["admin"], "If-Match": '"1"'},
    )
    assert await deliver(engine) == 0
    assert receiver.requests == []
    async with engine.connect() as conn:
        statuses = (
            await conn.execute(text("SELECT status, last_error FROM webhook_deliveries"))
        ).all()
    assert len(statuses) == 2
    assert all(s == "failed" and "skipped" in e for s, e in statuses)


async def test_a_retried_test_ping_queues_one_delivery(
    world: World, engine: AsyncEngine, allow_loopback: None
) -> None:
    hook = (
        await world.client.post(
            API,
            json={"url": "http://127.0.0.1:9/x", "event_types": ["*"]},
            headers=world.h["admin"],
        )
    ).json()
    headers = {**world.h["admin"], "Idempotency-Key": "ping-1"}
    first = await world.client.post(f"{API}/{hook['id']}/test", headers=headers)
    again = await world.client.post(f"{API}/{hook['id']}/test", headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    async with engine.connect() as conn:
        pings = (
            await conn.execute(
                text("SELECT count(*) FROM webhook_deliveries WHERE event_type = 'webhook.test'")
            )
        ).scalar()
    assert pings == 1
