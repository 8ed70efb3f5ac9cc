"""Counting what a request sends to PostgreSQL: a TCP proxy that reads the frontend
messages of the wire protocol. Every simple query ('Q', e.g. BEGIN, COMMIT) and every
execution of a prepared statement ('E') counts as one statement."""

from __future__ import annotations

import asyncio
import contextlib


class CountingProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.counts = {"Q": 0, "E": 0, "P": 0}
        self.server: asyncio.Server | None = None
        self.port = 0

    @property
    def statements(self) -> int:
        return self.counts["Q"] + self.counts["E"]

    def reset(self) -> None:
        for key in self.counts:
            self.counts[key] = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        back = asyncio.create_task(self._pipe(upstream_reader, writer))
        try:
            # The startup message has no type byte: length, then the payload.
            first = await reader.readexactly(8)
            length = int.from_bytes(first[:4], "big")
            rest = await reader.readexactly(length - 8)
            code = int.from_bytes(first[4:8], "big")
            upstream_writer.write(first + rest)
            if code == 80877103:  # SSLRequest: the server answers 'N', then the real startup
                await upstream_writer.drain()
                first = await reader.readexactly(4)
                rest = await reader.readexactly(int.from_bytes(first, "big") - 4)
                upstream_writer.write(first + rest)
            while True:
                kind = await reader.readexactly(1)
                size = await reader.readexactly(4)
                body = await reader.readexactly(int.from_bytes(size, "big") - 4)
                letter = kind.decode()
                if letter in self.counts:
                    self.counts[letter] += 1
                upstream_writer.write(kind + size + body)
                await upstream_writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            upstream_writer.close()
            back.cancel()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
