"""Officials (cán bộ, công chức) and the notices they receive: tables and schema family."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from app.core import examples
from app.core.enums import NoticeKind, NoticeStatus, NotifyMode, sql_in
from app.core.ids import uuid7
from app.kernel.schemas import AgencyRef, InputModel, utcnow

EMAIL_PATTERN = r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$"
PHONE_PATTERN = r"^\+?[0-9 .-]{6,30}$"


class Official(SQLModel, table=True):
    __tablename__ = "officials"
    __table_args__ = (
        CheckConstraint(f"notify IN {sql_in(NotifyMode)}", name="notify"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_officials_agency", "agency_id", "name", "id"),
        Index("ix_officials_created_at_id", "created_at", "id"),
        Index(
            "ix_officials_division",
            "division_id",
            postgresql_where=text("division_id IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    name: str = Field(max_length=200)
    title: str | None = Field(default=None, max_length=200)
    agency_id: uuid.UUID = Field(foreign_key="agencies.id")
    division_id: uuid.UUID | None = Field(default=None, foreign_key="agencies.id")
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=30)
    active: bool = True
    focal: bool = False
    notify: str = Field(default=NotifyMode.immediate, max_length=10)
    oidc_subject: str | None = Field(default=None, max_length=255, unique=True)
    portfolio_fields: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(Text()), nullable=False, server_default=text("'{}'")),
    )
    portfolio_agency_ids: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(Uuid()), nullable=False, server_default=text("'{}'")),
    )
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


OFFICIALS: Table = Official.__table__  # type: ignore[attr-defined]

_FIELDS_DOC = {
    "focal": "The agency's focal point (đầu mối): receives the notices of tasks that name no "
    "focal official.",
    "notify": "immediate: one mail per notice; digest: one mail a day; off: none.",
    "oidc_subject": "The `sub` of this official's OIDC tokens: a token with it acts as them.",
    "portfolio_fields": "For a leader: the fields (lĩnh vực) in their charge (`portfolio=me`).",
    "portfolio_agency_ids": "For a leader: the agencies in their charge (`portfolio=me`).",
}


class OfficialCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Nguyễn Văn A (minh hoạ)",
                    "title": "Trưởng phòng",
                    "agency_id": examples.SCIENCE,
                    "email": "nva@stttt.example.gov.vn",
                    "focal": True,
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    agency_id: AgencyRef
    division_id: AgencyRef | None = None
    email: str | None = Field(default=None, max_length=320, schema_extra={"pattern": EMAIL_PATTERN})
    phone: str | None = Field(default=None, max_length=30, schema_extra={"pattern": PHONE_PATTERN})
    active: bool = True
    focal: bool = Field(default=False, description=_FIELDS_DOC["focal"])
    notify: NotifyMode = Field(default=NotifyMode.immediate, description=_FIELDS_DOC["notify"])
    oidc_subject: str | None = Field(
        default=None, min_length=1, max_length=255, description=_FIELDS_DOC["oidc_subject"]
    )
    portfolio_fields: list[str] = Field(
        default_factory=list, max_length=100, description=_FIELDS_DOC["portfolio_fields"]
    )
    portfolio_agency_ids: list[AgencyRef] = Field(
        default_factory=list, max_length=200, description=_FIELDS_DOC["portfolio_agency_ids"]
    )


class OfficialUpdate(InputModel):
    """Merge patch: absent fields stay, `null` clears an optional one."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"notify": "digest"}]}
    )

    name: str = Field(default=None, min_length=1, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    division_id: AgencyRef | None = None
    email: str | None = Field(default=None, max_length=320, schema_extra={"pattern": EMAIL_PATTERN})
    phone: str | None = Field(default=None, max_length=30, schema_extra={"pattern": PHONE_PATTERN})
    active: bool = Field(default=None)
    focal: bool = Field(default=None, description=_FIELDS_DOC["focal"])
    notify: NotifyMode = Field(default=None, description=_FIELDS_DOC["notify"])
    oidc_subject: str | None = Field(
        default=None, min_length=1, max_length=255, description=_FIELDS_DOC["oidc_subject"]
    )
    portfolio_fields: list[str] = Field(default=None, max_length=100)
    portfolio_agency_ids: list[AgencyRef] = Field(default=None, max_length=200)


class OfficialRead(SQLModel):
    id: uuid.UUID
    name: str
    title: str | None
    agency_id: uuid.UUID
    division_id: uuid.UUID | None
    email: str | None
    phone: str | None
    active: bool
    focal: bool
    notify: NotifyMode
    oidc_subject: str | None
    portfolio_fields: list[str]
    portfolio_agency_ids: list[uuid.UUID]
    allowed_actions: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class OfficialList(SQLModel):
    items: list[OfficialRead]
    next_cursor: str | None = None
    total: int | None = None


class Notification(SQLModel, table=True):
    """The outbox of e-mail notices: written with the change (the history statement), one per
    event and official, sent by the worker."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(NoticeStatus)}", name="status"),
        UniqueConstraint("event_id", "official_id", name="uq_notifications_event_id"),
        Index(
            "ix_notifications_due",
            "digest",
            "next_attempt_at",
            "id",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_notifications_official", "official_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    official_id: uuid.UUID = Field(foreign_key="officials.id")
    event_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(max_length=30)
    resource_type: str = Field(max_length=30)
    resource_id: uuid.UUID
    digest: bool
    status: str = Field(default=NoticeStatus.pending, max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_error: str | None = None
    message_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    sent_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


NOTIFICATIONS: Table = Notification.__table__  # type: ignore[attr-defined]


class NotificationRead(SQLModel):
    id: uuid.UUID
    official_id: uuid.UUID
    event_id: int
    kind: NoticeKind
    resource_type: str
    resource_id: uuid.UUID
    digest: bool = Field(description="Sent in the official's daily digest.")
    status: NoticeStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    message_id: str | None = Field(description="The Message-ID of the mail that carried it.")
    created_at: datetime
    sent_at: datetime | None


class NotificationList(SQLModel):
    items: list[NotificationRead]
    next_cursor: str | None = None
    total: int | None = None
