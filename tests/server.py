"""A real `dondoc serve` process for the tests of what only a server shows (signals,
keep-alive connections, slow clients), a raw HTTP/1.1 connection to talk to it, and bulk rows."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from datetime import date
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

KEY = "ddk_crash_test_admin_key_0123456789abcdef"
AUTH = {"Authorization": f"Bearer {KEY}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_command(
    *args: str, env: dict[str, str], log: Any = None
) -> asyncio.subprocess.Process:
    """`dondoc <args>` in its own process, with exactly the environment `env`."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        *args,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log if log is not None else asyncio.subprocess.DEVNULL,
    )


async def wait_ready(process: asyncio.subprocess.Process, base: str, seconds: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert process.returncode is None, "the service exited"
            assert asyncio.get_running_loop().time() < deadline, "the service did not start"
            await asyncio.sleep(0.1)


async def serve(
    database_url: str,
    log: Any = None,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    worker: bool = False,
) -> tuple[asyncio.subprocess.Process, str]:
    """`dondoc serve` on `database_url` in its own process; its log goes to the file `log`;
    with `worker`, the background work (scheduler, deliveries, mail) runs in it too."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DONDOC_BOOTSTRAP_ADMIN_KEY": KEY,
        "DONDOC_RATE_LIMIT_PER_MINUTE": "0",
        **(env or {}),
    }
    options = ("--no-migrate", *(() if worker else ("--no-worker",)))
    process = await run_command(
        "serve", *options, "--port", str(port), *args, env=environment, log=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(process, base, 30)
    except BaseException:
        # A server that did not come up is not left behind (it would outlive the run).
        if process.returncode is None:
            process.terminate()  # SIGTERM: the server stops its worker processes too
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()
        raise
    return process, base


class Connection:
    """One kept-alive HTTP/1.1 connection: every request goes over the same socket, so a
    server that closes it after an answer is seen (the next read ends early)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, base: str, receive_buffer: int | None = None) -> Connection:
        host, port = base.removeprefix("http://").split(":")
        sock = socket.socket()
        if receive_buffer is not None:  # a small window, so that an unread answer stalls
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
        reader, writer = await asyncio.open_connection(sock=sock)
        return cls(reader, writer)

    async def send(self, method: str, path: str, headers: dict[str, str] | None = None) -> None:
        fields = {**AUTH, **(headers or {})}
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{k}: {v}" for k, v in fields.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self.writer.drain()

    async def head(self) -> tuple[int, dict[str, str]]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        return int(status_line.split()[1]), headers

    async def response(self) -> tuple[int, dict[str, str], bytes]:
        status, headers = await self.head()
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers, body

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        await self.send(method, path, headers)
        return await self.response()

    def close(self) -> None:
        self.writer.close()


async def insert_tasks(
    conn: AsyncConnection, agency_code: str, count: int, due_date: date | None = None
) -> None:
    """An agency and `count` tasks it leads (due on `due_date`), written straight into the
    tables (a bulk load: no statement timeout, which a busy machine could pass)."""
    await conn.execute(text("SET LOCAL statement_timeout = 0"))
    await conn.execute(
        text(
            "INSERT INTO agencies (id, code, name, kind, status, version, created_at, updated_at)"
            " VALUES (gen_random_uuid(), :code, 'Sở Chậm', 'department', 'active', 1, now(), now())"
        ),
        {"code": agency_code},
    )
    await conn.execute(
        text(
            "INSERT INTO tasks (id, code, title, year, lead_agency_id, cooperating_agency_ids,"
            " assigned_on, due_date, status, progress_percent, priority, recurrence,"
            " requires_confirmation, is_key_task, version, created_at, updated_at)"
            " SELECT gen_random_uuid(), :code || '-' || i, 'Nhiệm vụ số ' || i, 2023,"
            " (SELECT id FROM agencies WHERE code = :code), '{}', DATE '2023-01-01', :due,"
            " 'new', 0, 'normal', 'none', true, false, 1, now(), now()"
            " FROM generate_series(1, :n) AS i"
        ),
        {"code": agency_code, "n": count, "due": due_date},
    )
