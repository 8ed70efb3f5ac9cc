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

import errno
import hashlib
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

import anyio

HEAD_BYTES = 16
log = logging.getLogger("dondoc.files")
FULL = (errno.ENOSPC, errno.EDQUOT)


class TooLarge(Exception):
    """The content passed the size limit while it was streaming in."""


class StoreError(Exception):
    """The store could not keep a content: its disk is full (`full`), or another failure of
    its file system (read-only, an I/O error, no permission) — never the database's."""

    def __init__(self, root: Path, error: OSError) -> None:
        self.root = root
        self.full = error.errno in FULL
        self.free = free_bytes(root)
        super().__init__(f"the attachments' store at {root}: {error.strerror or error}")
        log.error(
            "attachments' store at %s cannot keep a file (%s): %s bytes free",
            root,
            error.strerror or repr(error),
            "?" if self.free is None else self.free,
        )


def free_bytes(root: Path) -> int | None:
    """Free bytes on the file system of `root` (or of its nearest existing parent)."""
    path = root
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    head: bytes  # the first bytes, for recognising the type
    path: Path


class Writer(Protocol):
    async def write(self, chunk: bytes) -> None: ...

    async def finish(
        self, check: Callable[[Path, bytes], str], *, keep: bool = True
    ) -> tuple[Stored, str]: ...

    async def keep(self, stored: Stored) -> Stored: ...

    async def abort(self) -> None: ...


class FileStore(Protocol):
    async def writer(self, limit: int) -> Writer: ...

    def can_take(self, size: int) -> str | None: ...

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

    def can_take(self, size: int) -> str | None:
        """Why the store cannot take a file of `size` bytes now (None: it can)."""
        free = free_bytes(self.root)
        if free is not None and free < size:
            return f"{free} bytes free at {self.root}, a file may need up to {size}"
        probe = self.root if self.root.exists() else self.root.parent
        if probe.exists() and not os.access(probe, os.W_OK):
            return f"{probe} is not writable"
        return None

    async def writer(self, limit: int) -> LocalWriter:
        """A new content, streamed in by `write` (TooLarge past `limit` bytes)."""
        temp = self.tmp / f"{uuid.uuid4().hex}.part"
        try:
            await anyio.to_thread.run_sync(self.ensure)
            handle: IO[bytes] = await anyio.to_thread.run_sync(open, temp, "wb")
        except OSError as exc:
            raise StoreError(self.root, exc) from exc
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
        try:
            await anyio.to_thread.run_sync(self.handle.write, chunk)
        except OSError as exc:
            raise StoreError(self.store.root, exc) from exc

    async def finish(
        self, check: Callable[[Path, bytes], str], *, keep: bool = True
    ) -> tuple[Stored, str]:
        """Durable once `check` (given the temporary file and its first bytes, in a thread)
        accepts it and names its type; nothing kept if `check` raises. With `keep`, it is
        then placed under its hash; otherwise it waits, durable, for `keep()` (or `abort()`):
        the files of one request are placed together, once all of them arrived."""
        try:
            try:
                await anyio.to_thread.run_sync(self.store._flush, self.handle)
                self.handle.close()
            except OSError as exc:
                raise StoreError(self.store.root, exc) from exc
            media_type = await anyio.to_thread.run_sync(check, self.temp, self.head)
        except BaseException:
            await self.abort()
            raise
        stored = Stored(self.hasher.hexdigest(), self.size, self.head, self.temp)
        if keep:
            stored = await self.keep(stored)
        return stored, media_type

    async def keep(self, stored: Stored) -> Stored:
        """The finished content under its hash."""
        final = self.store.path(stored.sha256)
        try:
            await anyio.to_thread.run_sync(self.store._place, self.temp, final)
        except OSError as exc:
            await self.abort()
            raise StoreError(self.store.root, exc) from exc
        return Stored(stored.sha256, stored.size, stored.head, final)

    async def abort(self) -> None:
        self.handle.close()
        self.temp.unlink(missing_ok=True)
