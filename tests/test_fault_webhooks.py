"""Webhook receivers that misbehave, under a real `dondoc serve` on a PostgreSQL of the test's
own: one that trickles its answer a byte at a time, one whose answer breaks off. Each attempt
has a deadline for the whole of it (DONDOC_WEBHOOK_TIMEOUT_SECONDS), a slow receiver never
delays another's deliveries, no webhook-id is sent again while its first attempt runs, and an
answer that broke off is a failure, never `delivered`."""

from __future__ import annotations

import asyncio
import signal
import tempfile
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx

from tests.faults import own_cluster
from tests.server import AUTH, serve

DEADLINE_SECONDS = 2.0


class Receivers:
    """One HTTP server, three receivers by path: `/healthy` answers at once, `/trickle` sends
    its answer one byte every half second, `/broken` promises 100 bytes and closes after 5."""

    def __init__(self) -> None:
        self.arrivals: dict[str, list[tuple[str, float]]] = {}
        self.attempts: dict[str, list[tuple[str, float, float]]] = {}  # id, start, end
        self.server: asyncio.Server | None = None
        self.base = ""

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.base = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *lines = head.decode().split("\r\n")
        path = request_line.split()[1]
        headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines if x)}
        await reader.readexactly(int(headers.get("content-length", "0")))
        message_id = headers["webhook-id"]
        self.arrivals.setdefault(path, []).append((message_id, loop.time()))
        try:
            if path == "/trickle":
                for byte in b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n":
                    writer.write(bytes([byte]))
                    await writer.drain()
                    await asyncio.sleep(0.5)
            elif path == "/broken":
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n12345")
                await writer.drain()
            else:
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (ConnectionError, OSError):
            pass  # the client gave up
        finally:
            self.attempts.setdefault(path, []).append((message_id, started, loop.time()))
            writer.close()


async def test_misbehaving_receivers_are_bounded_and_never_hold_the_others(
    tmp_path: Path,
) -> None:
    url, _ = await own_cluster(tmp_path, "webhooks")
    receivers = Receivers()
    await receivers.start()
    process, base = await serve(
        url,
        tempfile.TemporaryFile(),
        {
            "DONDOC_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
            "DONDOC_WEBHOOK_TIMEOUT_SECONDS": str(DEADLINE_SECONDS),
            "DONDOC_WEBHOOK_RETRY_BASE_SECONDS": "1",
            "DONDOC_WEBHOOK_POLL_SECONDS": "0.2",
        },
        worker=True,
    )
    loop = asyncio.get_running_loop()
    try:
        async with httpx.AsyncClient(base_url=base, headers=AUTH) as client:
            hooks = {}
            for name in ("healthy", "trickle", "broken"):
                created = await client.post(
                    "/api/v1/webhooks",
                    json={"url": f"{receivers.base}/{name}", "event_types": ["agency.*"]},
                )
                assert created.status_code == 201, created.text
                hooks[name] = created.json()["id"]
            made: list[float] = []
            for n in range(10):
                response = await client.post(
                    "/api/v1/agencies",
                    json={"code": f"WH{n:03d}", "name": f"Sở {n}", "kind": "department"},
                )
                assert response.status_code == 201
                made.append(loop.time())
                await asyncio.sleep(0.3)
            await asyncio.sleep(10)

            async def deliveries(name: str) -> list[dict[str, Any]]:
                page = await client.get(f"/api/v1/webhooks/{hooks[name]}/deliveries?limit=100")
                return page.json()["items"]  # type: ignore[no-any-return]

            healthy = await deliveries("healthy")
            trickled = await deliveries("trickle")
            broken = await deliveries("broken")
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=60)
        assert receivers.server is not None
        receivers.server.close()

    # The healthy receiver got each of its ten deliveries once, each soon after its change,
    # whatever the other two receivers did meanwhile.
    arrived = receivers.arrivals["/healthy"]
    assert len(arrived) == 10 and len({m for m, _ in arrived}) == 10, arrived
    assert max(at - made[n] for n, (_, at) in enumerate(arrived)) < DEADLINE_SECONDS, [
        round(at - made[n], 2) for n, (_, at) in enumerate(arrived)
    ]
    assert {d["status"] for d in healthy} == {"delivered"}
    # The trickling receiver: each attempt cut at its deadline, failed with the reason, and
    # never two attempts of one webhook-id at once.
    for _, started, ended in receivers.attempts["/trickle"]:
        assert ended - started < DEADLINE_SECONDS + 1, ended - started
    by_id: dict[str, list[tuple[float, float]]] = {}
    for message_id, started, ended in receivers.attempts["/trickle"]:
        by_id.setdefault(message_id, []).append((started, ended))
    for spans in by_id.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in pairwise(spans)), spans
    assert all(d["status"] == "pending" for d in trickled)
    assert all(f"within {DEADLINE_SECONDS:g} s" in str(d["last_error"]) for d in trickled)
    # An answer that broke off is a failed attempt, never a delivery.
    assert broken and all(d["status"] != "delivered" for d in broken), broken
    assert Counter(d["status"] for d in broken) == {"pending": len(broken)}
