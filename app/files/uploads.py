"""Uploads: a multipart/form-data body read as it streams in, each file part written to the
store while it arrives (never held whole in memory), its type recognised from its content.

Parts named `file` are the documents (at most MAX_FILES); parts named `description`,
`document_number` and `document_date` describe them, the n-th value the n-th file. A file past
DONDOC_MAX_UPLOAD_BYTES is refused with 413 as soon as it passes the limit; an empty one with
422; one whose content is not an accepted type with 415, whatever its declared type.
"""

from __future__ import annotations

import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from app.errors.domain import BadRequest, DomainError, UnsupportedMediaType, field_error
from app.files.storage import FileStore, Stored, StoreError, TooLarge, Writer

MAX_FILES = 10
MAX_FIELD_BYTES = 10_000
FIELDS = ("description", "document_number", "document_date")

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
DOC, XLS = "application/msword", "application/vnd.ms-excel"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT, ODS = (
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
)
ZIP = "application/zip"
ACCEPTED = (PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, PNG, JPEG, ZIP)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_ZIP_MEMBERS = 1000


class PayloadTooLarge(DomainError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class NotAccepted(UnsupportedMediaType):
    pass


class StorageFull(DomainError):
    status, slug, title = 507, "storage-full", "The attachments' store is full"


class StorageUnavailable(DomainError):
    status, slug, title = 503, "storage-unavailable", "The attachments' store cannot take files"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": "60"}


def store_problem(exc: StoreError) -> DomainError:
    """The answer for a store that could not keep a file: nothing of the request is kept."""
    if exc.full:
        free = "" if exc.free is None else f" ({exc.free} bytes free)"
        return StorageFull(
            f"The attachments' store has no room for this upload{free}; nothing was kept. "
            "Retry once the operator has made room."
        )
    return StorageUnavailable(f"The attachments' store cannot take files now ({exc}).")


def _zip_type(archive: zipfile.ZipFile, name: str, nested: bool) -> str:
    names = archive.namelist()
    if len(names) > MAX_ZIP_MEMBERS:
        raise NotAccepted(f"{name}: a ZIP of more than {MAX_ZIP_MEMBERS} files")
    if "mimetype" in names:
        kind = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
        if kind in (ODT, ODS):
            return kind
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("xl/") for n in names):
            return XLSX
    if nested:
        raise NotAccepted(f"{name}: a ZIP inside a ZIP is not accepted")
    for info in archive.infolist():
        if info.is_dir():
            continue
        with archive.open(info) as member:
            head = member.read(16)
            if head.startswith(b"PK\x03\x04"):
                with archive.open(info) as again, zipfile.ZipFile(again) as inner:
                    _zip_type(inner, info.filename, nested=True)
            else:
                _plain_type(head, info.filename)
    return ZIP


def _plain_type(head: bytes, name: str) -> str:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(OLE2):
        return XLS if name.lower().endswith((".xls", ".xlt")) else DOC
    raise NotAccepted(
        f"{name}: not a PDF, Word, Excel, OpenDocument, PNG or JPEG file, nor a ZIP of them "
        "(recognised from its content, not its name or declared type)"
    )


def recognise(path: Path, head: bytes, name: str) -> str:
    """The content's type, from its bytes (415 when it is not one the service keeps)."""
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                return _zip_type(archive, name, nested=False)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
            raise NotAccepted(f"{name}: a damaged ZIP file") from exc
    return _plain_type(head, name)


def clean_file_name(raw: str) -> str:
    """NFC, the last path part only, no control, invisible or direction-changing characters."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch for ch in name if ch.isprintable() and unicodedata.category(ch) not in ("Cf", "Cc")
    )
    name = " ".join(name.split()).strip(". ")
    return name[:255] or "tep-dinh-kem"


@dataclass
class Received:
    stored: Stored
    media_type: str
    file_name: str
    writer: Writer | None = None  # until the request's files are placed together


@dataclass
class Form:
    files: list[Received] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)

    def value(self, name: str, index: int) -> str | None:
        values = self.fields.get(name, [])
        return values[index] if index < len(values) else None


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    file_name: str | None = None
    writer: Writer | None = None
    size: int = 0
    value: bytearray = field(default_factory=bytearray)


class _Reader:
    """Drives python-multipart's parser and acts on its events between chunks (the parser
    calls back synchronously; writing to the store is asynchronous)."""

    def __init__(self, store: FileStore, limit: int, boundary: bytes) -> None:
        self.store, self.limit = store, limit
        self.events: list[tuple[str, Any]] = []
        self.form = Form()
        self.part: _Part | None = None
        self.field_name = b""
        self.field_value = b""
        add = self.events.append
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": lambda: add(("begin", None)),
                "on_header_field": lambda d, s, e: add(("field", bytes(d[s:e]))),
                "on_header_value": lambda d, s, e: add(("value", bytes(d[s:e]))),
                "on_header_end": lambda: add(("header", None)),
                "on_headers_finished": lambda: add(("headers", None)),
                "on_part_data": lambda d, s, e: add(("data", bytes(d[s:e]))),
                "on_part_end": lambda: add(("end", None)),
            },
        )

    async def feed(self, chunk: bytes) -> None:
        self.parser.write(chunk)
        events, self.events[:] = list(self.events), []
        for kind, value in events:
            await self._on(kind, value)

    async def _on(self, kind: str, value: Any) -> None:
        if kind == "begin":
            self.part = _Part()
        elif kind == "field":
            self.field_name += value
        elif kind == "value":
            self.field_value += value
        elif kind == "header":
            assert self.part is not None
            self.part.headers[self.field_name.lower()] = self.field_value
            self.field_name = self.field_value = b""
        elif kind == "headers":
            await self._start()
        elif kind == "data":
            await self._data(value)
        elif kind == "end":
            await self._end()

    async def _start(self) -> None:
        part = self.part
        assert part is not None
        _, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        part.name = options.get(b"name", b"").decode("utf-8", "replace")
        raw_name = options.get(b"filename")
        if part.name == "file":
            if len(self.form.files) >= MAX_FILES:
                raise field_error("file", f"at most {MAX_FILES} files in one request")
            part.file_name = clean_file_name(
                raw_name.decode("utf-8", "replace") if raw_name else ""
            )
            part.writer = await self.store.writer(self.limit)
        elif part.name not in FIELDS:
            raise field_error(part.name or "?", f"unknown part; send file, {', '.join(FIELDS)}")

    async def _data(self, data: bytes) -> None:
        part = self.part
        assert part is not None
        if part.writer is not None:
            try:
                await part.writer.write(data)
            except TooLarge:
                raise PayloadTooLarge(
                    f"{part.file_name}: larger than DONDOC_MAX_UPLOAD_BYTES ({self.limit} bytes)"
                ) from None
            part.size += len(data)
        else:
            part.value += data
            if len(part.value) > MAX_FIELD_BYTES:
                raise field_error(part.name, f"at most {MAX_FIELD_BYTES} bytes")

    async def _end(self) -> None:
        part, self.part = self.part, None
        assert part is not None
        if part.writer is None:
            text = part.value.decode("utf-8", "replace")
            self.form.fields.setdefault(part.name, []).append(text)
            return
        writer, part.writer = part.writer, None
        if part.size == 0:
            await writer.abort()
            raise field_error("file", f"{part.file_name}: the file is empty")
        name = part.file_name or "tep-dinh-kem"
        stored, media_type = await writer.finish(
            lambda path, head: recognise(path, head, name), keep=False
        )
        self.form.files.append(Received(stored, media_type, name, writer))

    async def keep(self) -> None:
        """Every file of the request under its hash, once all of them arrived."""
        for received in self.form.files:
            assert received.writer is not None
            received.stored = await received.writer.keep(received.stored)
            received.writer = None

    async def abort(self) -> None:
        """Nothing of a request that failed part-way stays: its files not yet placed are
        removed (a content placed is another upload's too, or the sweep's)."""
        if self.part is not None and self.part.writer is not None:
            await self.part.writer.abort()
        for received in self.form.files:
            if received.writer is not None:
                await received.writer.abort()


async def read_form(request: Request, store: FileStore, limit: int) -> Form:
    """The files (stored, durable) and fields of a multipart/form-data request."""
    content_type = request.headers.get("content-type", "")
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise UnsupportedMediaType("Send multipart/form-data with one or more parts named 'file'.")
    reader = _Reader(store, limit, options[b"boundary"])
    try:
        async for chunk in request.stream():
            await reader.feed(chunk)
        reader.parser.finalize()
        for kind_, value in reader.events:
            await reader._on(kind_, value)
        if reader.part is not None:
            raise BadRequest("The multipart body ended inside a part.")
        if not reader.form.files:
            raise field_error("file", "send one or more parts named 'file'")
        await reader.keep()
    except StoreError as exc:
        await reader.abort()
        raise store_problem(exc) from exc
    except BaseException:
        await reader.abort()
        raise
    return reader.form
