"""Where attachments' bytes live: a content-addressed store behind a small interface.

`LocalFileStore` (the default) keeps each content once, named by its SHA-256, under
DONDOC_FILES_DIR: `<root>/objects/ab/abcdef…`. A content is streamed to a temporary file in
`<root>/tmp` while its hash is computed, written durably (fsync of the file, then of the
directories after the rename), and only then may the database row that names it commit. So a
crash before the commit leaves at most a content no row names (or a temporary file), never a
row without its content; `sweep` removes both once they are older than a grace period (an
upload under way is never swept). Deleting an attachment hides its row; the content stays as
long as any row, deleted or not, names it (history may still point at it).

Another backend (an S3-compatible object store) implements the same four methods: `put` as a
multipart upload to a temporary key then a copy to `objects/<sha256>` (or a conditional put on
that key), `path`/`open` as a presigned GET or a streamed GET, `sweep` as a listing of
`objects/` and `tmp/` compared with the names in the table. docs/attachments.md says more.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

import anyio

HEAD_BYTES = 16


class TooLarge(Exception):
    """The content passed the size limit while it was streaming in."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    head: bytes  # the first bytes, for recognising the type
    path: Path


class Writer(Protocol):
    async def write(self, chunk: bytes) -> None: ...

    async def finish(self, check: Callable[[Path, bytes], str]) -> tuple[Stored, str]: ...

    async def abort(self) -> None: ...


class FileStore(Protocol):
    async def writer(self, limit: int) -> Writer: ...

    def path(self, sha256: str) -> Path: ...

    async def sweep(self, referenced: Iterable[str], grace_seconds: float) -> int: ...


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.objects = root / "objects"

    def ensure(self) -> None:
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.objects.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.objects / sha256[:2] / sha256

    async def writer(self, limit: int) -> LocalWriter:
        """A new content, streamed in by `write` (TooLarge past `limit` bytes)."""
        await anyio.to_thread.run_sync(self.ensure)
        temp = self.tmp / f"{uuid.uuid4().hex}.part"
        handle: IO[bytes] = await anyio.to_thread.run_sync(open, temp, "wb")
        return LocalWriter(self, temp, handle, limit)

    @staticmethod
    def _flush(handle: IO[bytes]) -> None:
        handle.flush()
        os.fsync(handle.fileno())

    def _place(self, temp: Path, final: Path) -> None:
        """The content under its hash: kept once (a second upload of it is dropped)."""
        if final.exists():
            temp.unlink(missing_ok=True)
            # fresh again: the sweep spares it for its grace period, so a row about to name it
            # never finds it gone (even if no row named it before)
            os.utime(final)
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, final)
        _fsync_dir(final.parent)
        _fsync_dir(self.objects)

    async def sweep(self, referenced: Iterable[str], grace_seconds: float) -> int:
        """Remove contents no row names and leftover temporary files, older than the grace."""
        keep = set(referenced)
        return await anyio.to_thread.run_sync(self._sweep, keep, grace_seconds)

    def _sweep(self, keep: set[str], grace_seconds: float) -> int:
        cutoff = time.time() - grace_seconds
        removed = 0
        for folder in (self.tmp, self.objects):
            if not folder.exists():
                continue
            for path in folder.rglob("*"):
                if not path.is_file() or path.stat().st_mtime > cutoff:
                    continue
                if folder is self.objects and path.name in keep:
                    continue
                path.unlink(missing_ok=True)
                removed += 1
        return removed


class LocalWriter:
    def __init__(self, store: LocalFileStore, temp: Path, handle: IO[bytes], limit: int) -> None:
        self.store, self.temp, self.handle, self.limit = store, temp, handle, limit
        self.hasher = hashlib.sha256()
        self.size = 0
        self.head = b""

    async def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge()
        if len(self.head) < HEAD_BYTES:
            self.head = (self.head + chunk)[:HEAD_BYTES]
        self.hasher.update(chunk)
        await anyio.to_thread.run_sync(self.handle.write, chunk)

    async def finish(self, check: Callable[[Path, bytes], str]) -> tuple[Stored, str]:
        """Durable under its hash once `check` (given the temporary file and its first bytes,
        in a thread) accepts it and names its type; nothing kept if `check` raises."""
        try:
            await anyio.to_thread.run_sync(self.store._flush, self.handle)
            self.handle.close()
            media_type = await anyio.to_thread.run_sync(check, self.temp, self.head)
        except BaseException:
            await self.abort()
            raise
        digest = self.hasher.hexdigest()
        final = self.store.path(digest)
        await anyio.to_thread.run_sync(self.store._place, self.temp, final)
        return Stored(digest, self.size, self.head, final), media_type

    async def abort(self) -> None:
        self.handle.close()
        self.temp.unlink(missing_ok=True)
