"""Downloads (CSV and xlsx of lists and reports) kept from starving everything else.

A download reads every matching row and streams for as long as its client takes to read. So:
it reads through a pool of its own (never the write pool, which also authenticates, nor the read
pool of ordinary requests); at most `DONDOC_DOWNLOADS_MAX` run at once in a process and
`DONDOC_DOWNLOADS_PER_CREDENTIAL` per credential, a request beyond either answered at once with
503 `busy` or 429, never queued; and a client that stops reading is cut off after
`DONDOC_DOWNLOAD_SEND_TIMEOUT_SECONDS` (app/files/exports.py), which gives the slot back.
"""

from __future__ import annotations

import uuid
from collections import Counter

from app.errors.domain import DomainError, TooManyRequests


class DownloadsBusy(DomainError):
    status, slug, title = 503, "busy", "Service busy"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": "5"}


class Slot:
    """One running download; released exactly once, when its response has been sent."""

    __slots__ = ("gate", "owner", "released")

    def __init__(self, gate: DownloadGate, owner: uuid.UUID | None) -> None:
        self.gate, self.owner, self.released = gate, owner, False

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.gate.running -= 1
            self.gate.per_owner[self.owner] -= 1
            if not self.gate.per_owner[self.owner]:
                del self.gate.per_owner[self.owner]


class DownloadGate:
    """Counts of running downloads in this process (one event loop: no lock needed)."""

    def __init__(self, limit: int, per_credential: int) -> None:
        self.limit = limit
        self.per_credential = per_credential
        self.running = 0
        self.per_owner: Counter[uuid.UUID | None] = Counter()

    def acquire(self, owner: uuid.UUID | None) -> Slot:
        if self.per_owner[owner] >= self.per_credential:
            raise TooManyRequests(
                f"This credential already has {self.per_credential} downloads running; "
                "wait for one to finish.",
                5,
            )
        if self.running >= self.limit:
            raise DownloadsBusy(
                f"{self.limit} downloads are already running on this server; retry shortly."
            )
        self.running += 1
        self.per_owner[owner] += 1
        return Slot(self, owner)
