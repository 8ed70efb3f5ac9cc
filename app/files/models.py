"""Attachments (tệp đính kèm): the documents behind each step, stored by content outside the
database (`app/files/storage.py`); this table holds what each document is and where it belongs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, Index, Table, text
from sqlmodel import Field, SQLModel

from app.kernel.schemas import utcnow
from app.registry import ATTACHABLE, RECORDS


def _listed(names: Iterable[str]) -> str:
    """The resources (and records) the registry makes attachable, for the CHECK lists."""
    return ",".join(f"'{name}'" for name in names)


class AttachedFile(SQLModel, table=True):
    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(
            f"resource_type IN ({_listed(r.name for r in ATTACHABLE)})", name="resource_type"
        ),
        CheckConstraint(
            f"record_type IS NULL OR record_type IN ({_listed(RECORDS)})", name="record_type"
        ),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_attachments_resource", "resource_type", "resource_id", "created_at", "id"),
        Index("ix_attachments_record", "record_id", postgresql_where=text("record_id IS NOT NULL")),
        Index("ix_attachments_sha256", "sha256"),
    )

    id: uuid.UUID = Field(primary_key=True)
    resource_type: str = Field(max_length=30)
    resource_id: uuid.UUID
    record_type: str | None = Field(default=None, max_length=30)
    record_id: uuid.UUID | None = None
    sha256: str = Field(max_length=64)
    size_bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    media_type: str = Field(max_length=100)
    file_name: str = Field(max_length=255)
    description: str | None = None
    document_number: str | None = Field(default=None, max_length=100)
    document_date: date | None = None
    uploaded_by_id: uuid.UUID | None = None
    uploaded_by_name: str | None = Field(default=None, max_length=300)
    uploaded_by_role: str = Field(max_length=20)
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    deleted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


ATTACHMENTS: Table = AttachedFile.__table__  # type: ignore[attr-defined]


class AttachedFileRead(SQLModel):
    id: uuid.UUID
    resource_type: str
    resource_id: uuid.UUID
    record_type: str | None
    record_id: uuid.UUID | None
    sha256: str = Field(description="SHA-256 of the content, hex; the download's ETag.")
    size_bytes: int
    media_type: str = Field(description="As recognised from the content, not as declared.")
    file_name: str
    description: str | None
    document_number: str | None
    document_date: date | None
    uploaded_by_id: uuid.UUID | None
    uploaded_by_name: str | None
    uploaded_by_role: str
    version: int
    created_at: datetime
    deleted_at: datetime | None


class AttachedFileList(SQLModel):
    items: list[AttachedFileRead]
    next_cursor: str | None = None
    total: int | None = None
