"""How `dondoc serve` runs uvicorn: its logging in every process, a short drain on SIGTERM, and
N worker processes that each listen on a socket of their own.

With `--workers N` each worker process binds its own listening socket with `SO_REUSEPORT`, and
the kernel spreads new connections across them by their addresses. A single socket shared by
all workers (uvicorn's own `--workers`) lets whichever process wakes first accept a burst of
connections, so keep-alive clients that connect together all land on one process. The workers
are `uvicorn.Server` instances given their socket (its public `run(sockets=…)`); this module
only starts them, restarts one that dies, and passes SIGTERM on.

On SIGTERM a server first drains for DONDOC_SHUTDOWN_DRAIN_SECONDS: it keeps answering, every
answer carries `Connection: close` and `/readyz` answers 503, so a request already on its way
over a kept-alive connection is answered (never closed unanswered) and a load balancer stops
sending; then uvicorn's graceful shutdown runs (in-flight requests get
DONDOC_SHUTDOWN_TIMEOUT_SECONDS). The exit status names the signal.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from logging.handlers import QueueHandler, QueueListener
from queue import Queue
from types import FrameType
from typing import Any

import uvicorn

log = logging.getLogger("dondoc.serve")
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
# Set while the process drains before its shutdown (app/api/middleware.py, /readyz read it).
DRAINING = threading.Event()
_configured = False


def configure_logging() -> None:
    """The service's logging in this process (the parent and every worker): INFO and above on
    stderr as `LEVEL logger: message`, and the `dondoc.access` JSON lines through a queue to a
    thread of their own, so a request never waits for the log's I/O."""
    global _configured
    if _configured:
        return
    _configured = True
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    queue: Queue[logging.LogRecord] = Queue(-1)
    listener = QueueListener(queue, *logging.getLogger().handlers, respect_handler_level=True)
    access = logging.getLogger("dondoc.access")
    access.addHandler(QueueHandler(queue))
    access.propagate = False
    listener.start()
    atexit.register(listener.stop)


class DrainingServer(uvicorn.Server):
    """uvicorn's server, with a drain between the first SIGTERM (or SIGINT) and its shutdown."""

    def __init__(self, config: uvicorn.Config, drain_seconds: float) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds
        self.loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if DRAINING.is_set():
            # A SIGTERM again (a supervisor signalling the whole group, then the parent passing
            # it on) lets the drain run; a SIGINT again (Ctrl+C twice) shuts down now.
            if sig == signal.SIGINT:
                super().handle_exit(sig, frame)
            return
        if self.drain_seconds <= 0 or self.loop is None:
            super().handle_exit(sig, frame)
            return
        DRAINING.set()
        log.info("signal %s: draining for %.1f s before shutting down", sig, self.drain_seconds)
        exit_later = functools.partial(super().handle_exit, sig, frame)
        self.loop.call_soon_threadsafe(self.loop.call_later, self.drain_seconds, exit_later)


def _options(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "factory": True,
        "proxy_headers": True,
        "log_level": "info",
        "access_log": False,  # the service writes its own JSON line per request (dondoc.access)
        **options,
    }


def run_one(app: str, host: str, port: int, drain: float, options: dict[str, Any]) -> None:
    """One process serving on its own (uvicorn binds the socket)."""
    server = DrainingServer(uvicorn.Config(app, host=host, port=port, **_options(options)), drain)
    server.run()
    if not server.started:
        raise SystemExit(3)  # uvicorn's status for a failed start-up


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port that other processes may bind too (SO_REUSEPORT)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(2048)
    return sock


def _worker(app: str, host: str, port: int, drain: float, options: dict[str, Any]) -> None:
    """A worker process: its logging, its own socket, its server."""
    configure_logging()
    sock = listening_socket(host, port)
    config = uvicorn.Config(app, host=host, port=port, **_options(options))
    server = DrainingServer(config, drain)
    server.run(sockets=[sock])


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def run_workers(
    app: str,
    host: str,
    port: int,
    workers: int,
    drain: float,
    stop_seconds: float,
    options: dict[str, Any],
) -> None:
    """`workers` processes on host:port; one that dies is started again. SIGTERM (raised here
    as the caller's exception) and SIGINT are passed to every worker, which drain and shut
    down; the caller then ends as the signal would."""
    listening_socket(host, port).close()  # the port is free (or ours to share): fail here
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _stop_on_sigterm)  # the workers are stopped first
    context = multiprocessing.get_context("spawn")
    arguments = (app, host, port, drain, options)

    def start() -> multiprocessing.process.BaseProcess:
        process = context.Process(target=_worker, args=arguments, daemon=False)
        process.start()
        return process

    processes = [start() for _ in range(workers)]
    log.info("serving on %s:%s with %d worker processes (SO_REUSEPORT)", host, port, workers)
    try:
        while True:
            time.sleep(0.5)
            for index, process in enumerate(processes):
                if not process.is_alive():
                    log.warning(
                        "worker process %s ended (status %s); starting another",
                        process.pid,
                        process.exitcode,
                    )
                    processes[index] = start()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # stopping already: the workers finish
        for process in processes:
            if process.is_alive() and process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + drain + stop_seconds + 5
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
