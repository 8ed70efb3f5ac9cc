"""A slow mail server under a real `dondoc serve` on a PostgreSQL of the test's own: no
database transaction stays open while the service talks to it, each attempt is counted before
it is sent and bounded as a whole (DONDOC_MAIL_ATTEMPT_SECONDS), a server slower than that is a
failed attempt with its reason, and a notice goes out once."""

from __future__ import annotations

import asyncio
import signal
import tempfile
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiosmtpd.controller import Controller

from tests.faults import an_assignment, own_cluster
from tests.server import AUTH, free_port, serve
from tests.test_fault_hang import _asyncpg_url

ATTEMPT_SECONDS = 3.0


class SlowServer:
    """An SMTP server that waits `delay` seconds before answering MAIL and RCPT (RFC 5321 lets
    a server take minutes), and keeps the messages it took."""

    def __init__(self) -> None:
        self.delay = 2.0
        self.busy = 0  # commands being held right now
        self.message_ids: list[str] = []

    async def _hold(self) -> None:
        self.busy += 1
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.busy -= 1

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        await self._hold()
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        await self._hold()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for line in envelope.original_content.decode("utf-8").splitlines():
            if line.lower().startswith("message-id:"):
                self.message_ids.append(line.split(":", 1)[1].strip())
        return "250 OK"


async def test_a_slow_mail_server_never_holds_a_transaction_nor_gets_a_notice_twice(
    tmp_path: Path,
) -> None:
    url, _ = await own_cluster(tmp_path, "mail")
    smtp = SlowServer()
    smtp_port = free_port()
    controller = Controller(smtp, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    process, base = await serve(
        url,
        tempfile.TemporaryFile(),
        {
            "DONDOC_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "DONDOC_MAIL_POLL_SECONDS": "0.2",
            "DONDOC_MAIL_ATTEMPT_SECONDS": str(ATTEMPT_SECONDS),
            "DONDOC_MAIL_RETRY_BASE_SECONDS": "1",
        },
        worker=True,
    )
    db = await asyncpg.connect(**_asyncpg_url(url))
    try:
        async with httpx.AsyncClient(base_url=base, headers=AUTH) as client:
            person, _ = await an_assignment(client, "000.00.78.H99")
            notices = f"/api/v1/officials/{person['id']}/notifications"

            async def notice() -> dict[str, Any]:
                [item] = (await client.get(notices)).json()["items"]
                return item  # type: ignore[no-any-return]

            # While the server holds a command: the attempt is counted, and no session of the
            # service keeps a transaction open (idle in it for more than a second).
            held_transactions: list[Any] = []
            counted: list[int] = []
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 12
            while loop.time() < deadline:
                if smtp.busy:
                    counted.append((await notice())["attempts"])
                    held_transactions += await db.fetch(
                        "SELECT pid, state, now() - xact_start AS open_for, query"
                        " FROM pg_stat_activity WHERE datname = current_database()"
                        " AND application_name LIKE 'dondoc%' AND pid <> pg_backend_pid()"
                        " AND state LIKE 'idle in transaction%'"
                        " AND xact_start < now() - interval '1 second'"
                    )
                await asyncio.sleep(0.1)
            assert counted and min(counted) >= 1, counted
            assert not held_transactions, held_transactions
            # Slower than the bound: each attempt failed, with its reason, none reached DATA.
            failing = await notice()
            assert failing["status"] == "pending" and failing["attempts"] >= 2, failing
            assert f"within {ATTEMPT_SECONDS:g} s" in failing["last_error"], failing
            assert smtp.message_ids == []

            smtp.delay = 0.2  # the server is quick again: the notice goes out, once
            deadline = loop.time() + 30
            while (await notice())["status"] != "sent":
                assert loop.time() < deadline, await notice()
                await asyncio.sleep(0.2)
            await asyncio.sleep(3)  # more polls: nothing more may come
            sent = await notice()
            assert sent["last_error"] is None
            assert len(smtp.message_ids) == 1, smtp.message_ids
    finally:
        await db.close()
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=60)
        controller.stop()
