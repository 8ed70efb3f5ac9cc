"""Attachments: upload (multipart, streamed to the store), list, metadata, download (Range,
ETag, the Vietnamese file name), removal."""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from app.access.auth import Caller, CurrentCaller
from app.api import idempotency
from app.api.connections import Reading, Writing
from app.api.deps import (
    API_PREFIX,
    IDEMPOTENT,
    IdempotencyKey,
    IfMatch,
    Paging,
    ResourceRoute,
    json_response,
    problems,
    replayed,
    rows_page_response,
)
from app.db import stamp
from app.files import service as attachments
from app.files import uploads
from app.files.models import AttachedFileList, AttachedFileRead
from app.kernel.precondition import ABSENT
from app.registry import ATTACHABLE

Handler = Callable[..., Awaitable[Response]]
router = APIRouter(prefix=API_PREFIX, tags=["attachments"], route_class=ResourceRoute)

SEGMENTS = {r.segment: r.name for r in ATTACHABLE}  # path segment → resource type
BINARY = {"type": "string", "format": "binary"}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "array", "items": BINARY, "maxItems": uploads.MAX_FILES},
                        "description": {"type": "array", "items": {"type": "string"}},
                        "document_number": {"type": "array", "items": {"type": "string"}},
                        "document_date": {
                            "type": "array",
                            "items": {"type": "string", "format": "date"},
                        },
                    },
                },
                "encoding": {"file": {"contentType": ", ".join(uploads.ACCEPTED)}},
            }
        },
    }
}
DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The document's bytes (`Range` asks for a part: 206).",
        "content": {t: {"schema": BINARY} for t in uploads.ACCEPTED},
    },
    206: {"description": "The part asked for by `Range`."},
    416: {"description": "A `Range` beyond the document."},
}


def _print(request: Request, form: uploads.Form) -> str:
    """An upload's fingerprint for Idempotency-Key: its path, contents and descriptions."""
    digest = hashlib.sha256()
    for received in form.files:
        digest.update(f"{received.stored.sha256} {received.file_name}\n".encode())
    for name in sorted(form.fields):
        digest.update(f"{name}={form.fields[name]!r}\n".encode())
    return idempotency.fingerprint(request.method, request.url.path, digest.digest())


async def _upload(
    request: Request,
    caller: Caller,
    resource_type: str,
    resource_id: uuid.UUID,
    record: tuple[str, uuid.UUID] | None,
    key: str | None,
) -> Response:
    """Check the right first (no bytes are taken for a refused request), stream the files to
    the store holding no database connection, then write their rows in one transaction."""
    state = request.app.state
    engine: AsyncEngine = state.engine
    if key is not None:
        idempotency.check_key(key)
    async with engine.connect() as conn:
        await attachments.parent(conn, caller, resource_type, resource_id, record, attach=True)
    form = await uploads.read_form(request, state.file_store, state.settings.max_upload_bytes)
    described = attachments.describe(form)
    async with engine.begin() as conn:
        await stamp(conn, state.clock)
        print_ = _print(request, form) if key is not None else ""
        if key is not None:
            stored = await idempotency.claim(conn, caller.identity, key, print_)
            if stored is not None:
                return replayed(stored)
        items = await attachments.create(
            conn, caller, resource_type, resource_id, record, described
        )
        response = json_response({"items": items}, 201)
        if key is not None:
            await idempotency.store(
                conn,
                caller.identity,
                key,
                print_,
                201,
                dict(response.headers),
                bytes(response.body),
            )
    return response


def _resource_routes(segment: str, resource_type: str) -> None:
    noun = resource_type.replace("_", " ")
    op = resource_type.replace("_", "-")

    async def upload(
        request: Request,
        resource_id: uuid.UUID,
        caller: CurrentCaller,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        return await _upload(request, caller, resource_type, resource_id, None, idempotency_key)

    async def list_(
        request: Request,
        resource_id: uuid.UUID,
        ctx: Reading,
        params: Paging,
    ) -> Response:
        caller, conn = ctx.caller, ctx.conn
        page = await attachments.list_for(conn, caller, resource_type, resource_id, params)
        return rows_page_response(request, page)

    _name(upload, f"upload_{resource_type}", f"Attach documents to a {noun}.")
    _name(list_, f"list_{resource_type}", f"The documents of a {noun}, oldest first.")
    _register(f"/{segment}/{{resource_id}}/attachments", noun, op, upload, list_)


def _register(path: str, noun: str, op: str, upload: Handler, list_: Handler) -> None:
    """The upload and the list of one kind of owner, at `path`."""
    router.add_api_route(
        path,
        upload,
        methods=["POST"],
        name=f"upload-{op}",
        summary=f"Attach documents to a {noun}",
        status_code=201,
        response_model=AttachedFileList,
        responses=problems(404, 413, 415, 507),
        openapi_extra=UPLOAD_BODY,
    )
    router.add_api_route(
        path,
        list_,
        methods=["GET"],
        name=f"list-{op}",
        summary=f"Documents of a {noun}",
        response_model=AttachedFileList,
        responses=problems(404),
    )


def _name(handler: Handler, name: str, doc: str) -> None:
    handler.__name__ = name
    handler.__doc__ = doc
    setattr(handler, IDEMPOTENT, handler.__name__.startswith("upload"))


for _segment, _resource in SEGMENTS.items():
    _resource_routes(_segment, _resource)


# A resource's records that take documents: (path segment of the resource, of the record).
RECORD_PATHS = {
    "progress_report": ("tasks", "progress-reports"),
    "extension_request": ("tasks", "extension-requests"),
    "disbursement": ("budget-requests", "disbursements"),
    "deadline_extension": ("budget-requests", "deadline-extensions"),
}


def _record_routes(record_type: str) -> None:
    resource_type = attachments.RECORDS[record_type][0]
    segment, records = RECORD_PATHS[record_type]
    noun = record_type.replace("_", " ")
    op = record_type.replace("_", "-")

    async def upload(
        request: Request,
        resource_id: uuid.UUID,
        record_id: uuid.UUID,
        caller: CurrentCaller,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        record = (record_type, record_id)
        return await _upload(request, caller, resource_type, resource_id, record, idempotency_key)

    async def list_(
        request: Request,
        resource_id: uuid.UUID,
        record_id: uuid.UUID,
        ctx: Reading,
        params: Paging,
    ) -> Response:
        caller, conn = ctx.caller, ctx.conn
        record = (record_type, record_id)
        page = await attachments.list_for(conn, caller, resource_type, resource_id, params, record)
        return rows_page_response(request, page)

    _name(
        upload, f"upload_{record_type}", f"Attach documents to a {noun} (listed with its parent's)."
    )
    _name(list_, f"list_{record_type}", f"The documents of a {noun}.")
    _register(
        f"/{segment}/{{resource_id}}/{records}/{{record_id}}/attachments", noun, op, upload, list_
    )


for _record in RECORD_PATHS:
    _record_routes(_record)


@router.get(
    "/attachments/{attachment_id}",
    name="get",
    summary="A document's description",
    response_model=AttachedFileRead,
    responses=problems(404),
)
async def get_attachment(
    attachment_id: uuid.UUID, ctx: Reading, include_deleted: bool = False
) -> Response:
    """What the document is, where it belongs, who attached it; `ETag` its version."""
    caller, conn = ctx.caller, ctx.conn
    body = await attachments.get(conn, caller, attachment_id, include_deleted)
    return json_response(body, headers={"ETag": f'"{body["version"]}"'})


def content_disposition(file_name: str) -> str:
    """RFC 6266: an ASCII fallback (diacritics dropped) and the UTF-8 name (RFC 5987)."""
    ascii_name = (
        unicodedata.normalize("NFKD", file_name.replace("đ", "d").replace("Đ", "D"))
        .encode("ascii", "ignore")
        .decode()
    )
    ascii_name = "".join(ch for ch in ascii_name if ch.isprintable() and ch not in '"\\;') or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"


@router.get(
    "/attachments/{attachment_id}/content",
    name="download",
    summary="A document's bytes",
    responses={**problems(404), **DOWNLOAD},
    response_class=Response,
)
async def download_attachment(
    request: Request,
    attachment_id: uuid.UUID,
    ctx: Reading,
) -> Response:
    """The bytes, with `ETag` (the SHA-256), `Accept-Ranges` and the original file name; read
    from the store in a thread, no database connection held while they flow."""
    caller, conn = ctx.caller, ctx.conn
    body = await attachments.get(conn, caller, attachment_id)
    headers = {
        "ETag": f'"{body["sha256"]}"',
        "Content-Disposition": content_disposition(body["file_name"]),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=0, must-revalidate",
    }
    path = request.app.state.file_store.path(body["sha256"])
    return FileResponse(path, media_type=body["media_type"], headers=headers)


@router.delete(
    "/attachments/{attachment_id}",
    name="delete",
    summary="Remove a document (soft)",
    status_code=204,
    responses=problems(404, 412),
)
async def delete_attachment(
    attachment_id: uuid.UUID, ctx: Writing, if_match: IfMatch = ABSENT
) -> Response:
    """Hidden from the lists, kept in history (`detached`); `include_deleted=true` shows it."""
    caller, conn = ctx.caller, ctx.conn
    await attachments.delete(conn, caller, attachment_id, if_match)
    return Response(status_code=204)
