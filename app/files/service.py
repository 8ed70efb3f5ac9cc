"""Attachments: who may attach to what, the rows that describe each document, their history,
and the sweep of contents no row names.

A document belongs to a directive, a task, a proposal or a budget request (and may be one of a
task's progress report's): it is seen by whoever sees that resource (404 otherwise), attached
and removed by whoever the permission table lets `attach` to it (403 otherwise). Attaching and
removing are history entries of the resource (`attached`, `detached`) and events in the feed.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Row, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.access import permissions
from app.access.auth import Caller
from app.core.ids import uuid7
from app.core.text import TextError, check_single_line, clean_text
from app.db import Reader
from app.errors.domain import NotFound, field_error
from app.files.models import ATTACHMENTS
from app.files.storage import FileStore
from app.files.uploads import Form
from app.kernel import history, soft_delete
from app.kernel.filters import shaped_page
from app.kernel.listing import ListParams, Page
from app.kernel.precondition import Precondition
from app.kernel.resources import Loader, loader
from app.kernel.schemas import utcnow
from app.registry import ATTACHABLE
from app.registry import RECORDS as REGISTERED_RECORDS

a = ATTACHMENTS.c
COLUMNS = tuple(a)


# Each attachable resource as the caller sees it, by its service's `load` (its spec names it).
PARENTS: dict[str, Loader] = {r.name: loader(r) for r in ATTACHABLE}


# The records of a resource a document may belong to: record type → (resource type, table,
# the record's column naming the resource), as each resource's spec declares them.
RECORDS: dict[str, tuple[str, Table, str]] = {
    name: (spec.name, record.table, record.owner_column)
    for name, (spec, record) in REGISTERED_RECORDS.items()
}


async def parent(
    conn: Reader,
    caller: Caller,
    resource_type: str,
    resource_id: uuid.UUID,
    record: tuple[str, uuid.UUID] | None = None,
    *,
    attach: bool = False,
) -> Row[*tuple[Any, ...]]:
    """The resource as the caller sees it (404), and — to attach or remove — the right to (403);
    a record (a progress report, a disbursement …) must be the resource's."""
    row = await PARENTS[resource_type](conn, caller, resource_id)
    if attach:
        permissions.require(caller, resource_type, "attach", row)
    if record is not None:
        record_type, record_id = record
        _, table, column = RECORDS[record_type]
        found = (
            await conn.execute(
                select(table.c.id).where(table.c.id == record_id, table.c[column] == resource_id)
            )
        ).first()
        if found is None:
            noun, owner = record_type.replace("_", " "), resource_type.replace("_", " ")
            raise NotFound(f"No {noun} with id {record_id} on this {owner}.")
    return row


def _text(value: str | None, field: str, limit: int) -> str | None:
    if value is None:
        return None
    try:
        cleaned = clean_text(value)
        if field != "description":
            check_single_line(cleaned)
    except TextError as exc:
        raise field_error(field, str(exc)) from None
    if len(cleaned) > limit:
        raise field_error(field, f"at most {limit} characters")
    return cleaned or None


def _day(value: str | None) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise field_error("document_date", "must be a date written YYYY-MM-DD") from None
    if len(value.strip()) != 10:
        raise field_error("document_date", "must be a date written YYYY-MM-DD")
    return day


def describe(form: Form) -> list[dict[str, Any]]:
    """Each file's row values from the form (the n-th description for the n-th file); 422
    before anything is written when a value is malformed."""
    return [
        {
            "sha256": received.stored.sha256,
            "size_bytes": received.stored.size,
            "media_type": received.media_type,
            "file_name": received.file_name,
            "description": _text(form.value("description", i), "description", 2000),
            "document_number": _text(form.value("document_number", i), "document_number", 100),
            "document_date": _day(form.value("document_date", i)),
        }
        for i, received in enumerate(form.files)
    ]


async def create(
    conn: AsyncConnection,
    caller: Caller,
    resource_type: str,
    resource_id: uuid.UUID,
    record: tuple[str, uuid.UUID] | None,
    described: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The rows of the stored files, and one history entry each, in the caller's transaction
    (the contents are durable before this runs)."""
    await parent(conn, caller, resource_type, resource_id, record, attach=True)
    now = utcnow()
    rows = [
        {
            "id": uuid7(),
            "resource_type": resource_type,
            "resource_id": resource_id,
            "record_type": record[0] if record else None,
            "record_id": record[1] if record else None,
            **values,
            "uploaded_by_id": caller.key_id,
            "uploaded_by_name": caller.name,
            "uploaded_by_role": caller.role.value,
            "version": 1,
            # one microsecond apart: the list keeps the order the files were sent in
            "created_at": now + timedelta(microseconds=index),
        }
        for index, values in enumerate(described)
    ]
    made = (await conn.execute(ATTACHMENTS.insert().returning(*COLUMNS), rows)).all()
    entries: list[tuple[uuid.UUID, str, dict[str, dict[str, Any]], str | None]] = [
        (resource_id, "attached", _changes(r, "new"), None) for r in made
    ]
    await history.record_many(conn, caller, resource_type, entries)
    return [dict(r._mapping) for r in made]


def _changes(row: Any, side: str) -> dict[str, dict[str, Any]]:
    shown = {
        "attachment_id": str(row.id),
        "file_name": row.file_name,
        "sha256": row.sha256,
        "size_bytes": row.size_bytes,
    }
    if row.record_id is not None:
        shown[f"{row.record_type}_id"] = str(row.record_id)
    other = "old" if side == "new" else "new"
    return {k: {side: v, other: None} for k, v in shown.items()}


async def _load(
    conn: Reader, caller: Caller, attachment_id: uuid.UUID, **kw: Any
) -> Row[*tuple[Any, ...]]:
    stmt = select(*COLUMNS).where(a.id == attachment_id)
    if kw.get("lock"):
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    missing = NotFound(f"No attachment with id {attachment_id}.")
    if row is None or (row.deleted_at is not None and not kw.get("include_deleted")):
        raise missing
    try:
        await parent(conn, caller, row.resource_type, row.resource_id)
    except NotFound:
        raise missing from None
    return row  # type: ignore[no-any-return]


async def get(
    conn: Reader, caller: Caller, attachment_id: uuid.UUID, include_deleted: bool = False
) -> dict[str, Any]:
    return dict(
        (await _load(conn, caller, attachment_id, include_deleted=include_deleted))._mapping
    )


async def list_for(
    conn: Reader,
    caller: Caller,
    resource_type: str,
    resource_id: uuid.UUID,
    params: ListParams,
    record: tuple[str, uuid.UUID] | None = None,
) -> Page:
    await parent(conn, caller, resource_type, resource_id, record)
    record_id = None if record is None else record[1]
    return await shaped_page(
        conn,
        caller,
        ATTACHMENTS,
        COLUMNS,
        params,
        sort_keys={"created_at": a.created_at, "file_name": a.file_name},
        default_sort="created_at",
        any_of=(
            ("resource_type", [resource_type], a.resource_type),
            ("resource_id", [resource_id], a.resource_id),
            ("record_id", None if record_id is None else [record_id], a.record_id),
        ),
    )


async def delete(
    conn: AsyncConnection, caller: Caller, attachment_id: uuid.UUID, if_match: Precondition
) -> None:
    """Hidden, with its history entry; its content stays while a row names it."""
    row = await _load(conn, caller, attachment_id, lock=True)
    await parent(conn, caller, row.resource_type, row.resource_id, attach=True)
    await soft_delete.mark_deleted(conn, ATTACHMENTS, row, if_match)
    await history.record(
        conn, caller, row.resource_type, row.resource_id, "detached", _changes(row, "old")
    )


async def sweep(engine: AsyncEngine, store: FileStore, grace_seconds: float) -> int:
    """Remove stored contents no row names (deleted rows still name theirs) and leftover
    temporary files, once older than the grace period; how many files went."""
    async with engine.connect() as conn:
        referenced = set((await conn.execute(select(a.sha256).distinct())).scalars())
    return await store.sweep(referenced, grace_seconds)
