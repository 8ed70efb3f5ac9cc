"""Directives (chỉ đạo, kết luận): table and schema family."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict
from sqlalchemy import CheckConstraint, Column, Computed, DateTime, Index, Table, text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlmodel import Field, SQLModel

from app.core import examples
from app.core.enums import DirectiveKind, DirectiveStatus, sql_in
from app.core.ids import uuid7
from app.kernel.schemas import ActionBody, AgencyRef, InputModel, IsoDate, action_union, utcnow

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9./-]{0,29}$"
DIRECTIVE_SEARCH_SQL = (
    "to_tsvector('simple'::regconfig, dondoc_fold(code || ' ' || translate(code, '-', ' ')"
    " || ' ' || coalesce(document_number || ' ' || translate(document_number, '/-.', '   '), '')"
    " || ' ' || title || ' ' || coalesce(content, '')))"
)


class Directive(SQLModel, table=True):
    __tablename__ = "directives"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in(DirectiveKind)}", name="kind"),
        CheckConstraint(f"status IN {sql_in(DirectiveStatus)}", name="status"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index(
            "uq_directives_document_number",
            "issuer_agency_id",
            "year",
            "document_number",
            unique=True,
            postgresql_where=text("document_number IS NOT NULL AND deleted_at IS NULL"),
        ),
        Index("ix_directives_search", "search", postgresql_using="gin"),
        Index("ix_directives_created_at_id", "created_at", "id"),
        Index("ix_directives_issued_on_id", "issued_on", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    year: int
    kind: str = Field(max_length=30)
    title: str
    content: str | None = None
    issued_on: IsoDate | None = None
    issuer_agency_id: uuid.UUID = Field(foreign_key="agencies.id", index=True)
    signer_name: str | None = Field(default=None, max_length=200)
    signer_title: str | None = Field(default=None, max_length=200)
    document_number: str | None = Field(default=None, max_length=60)
    meeting: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    status: str = Field(default=DirectiveStatus.draft, max_length=20, index=True)
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    deleted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    search: str | None = Field(
        default=None, sa_column=Column(TSVECTOR, Computed(DIRECTIVE_SEARCH_SQL, persisted=True))
    )


DIRECTIVES: Table = Directive.__table__  # type: ignore[attr-defined]


class Meeting(InputModel):
    held_on: IsoDate | None = None
    chair_name: str | None = Field(default=None, max_length=200)
    chair_title: str | None = Field(default=None, max_length=200)
    host_agency_id: AgencyRef | None = None
    location: str | None = Field(default=None, max_length=500)
    participant_agency_ids: list[AgencyRef] = Field(default_factory=list, max_length=200)


class DirectiveCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "meeting_conclusion",
                    "title": "Kết luận buổi làm việc với Sở Thông tin và Truyền thông",
                    "issuer_agency_id": examples.PROVINCE,
                    "issued_on": "2023-03-01",
                    "document_number": "45/TB-UBND",
                    "meeting": {"held_on": "2023-02-28", "chair_title": "Phó Chủ tịch UBND tỉnh"},
                }
            ]
        },
    )

    code: str | None = Field(default=None, schema_extra={"pattern": CODE_PATTERN})
    kind: DirectiveKind
    title: str = Field(min_length=1, max_length=1000)
    content: str | None = Field(default=None, max_length=100_000)
    issued_on: IsoDate | None = None
    issuer_agency_id: AgencyRef
    signer_name: str | None = Field(default=None, max_length=200)
    signer_title: str | None = Field(default=None, max_length=200)
    document_number: str | None = Field(default=None, min_length=1, max_length=60)
    meeting: Meeting | None = None
    year: int | None = Field(default=None, ge=1990, le=2999)


class MeetingPatch(InputModel):
    """The meeting's fields to change (RFC 7396): a field given replaces it, null clears it."""

    held_on: IsoDate | None = None
    chair_name: str | None = Field(default=None, max_length=200)
    chair_title: str | None = Field(default=None, max_length=200)
    host_agency_id: AgencyRef | None = None
    location: str | None = Field(default=None, max_length=500)
    participant_agency_ids: list[AgencyRef] | None = Field(default=None, max_length=200)


class DirectiveUpdate(InputModel):
    """Merge patch; `meeting` is merged field by field (RFC 7396)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"signer_name": "Nguyễn Văn A"}]}
    )

    kind: DirectiveKind = Field(default=None)
    title: str = Field(default=None, min_length=1, max_length=1000)
    content: str | None = Field(default=None, max_length=100_000)
    issued_on: IsoDate | None = None
    issuer_agency_id: AgencyRef = Field(default=None)
    signer_name: str | None = Field(default=None, max_length=200)
    signer_title: str | None = Field(default=None, max_length=200)
    document_number: str | None = Field(default=None, min_length=1, max_length=60)
    meeting: MeetingPatch | None = None


class TaskSummary(SQLModel):
    assigned: int
    completed_on_time: int
    completed_late: int
    completed_no_deadline: int
    open_on_track: int
    open_due_soon: int
    open_overdue: int
    open_no_deadline: int
    open_awaiting_confirmation: int = Field(
        description="Submitted, waiting for the office to confirm it: not overdue while it waits."
    )
    open_paused: int = Field(description="Paused by decision: not overdue while paused.")
    cancelled: int


class MeetingRead(SQLModel):
    held_on: IsoDate | None = None
    chair_name: str | None = None
    chair_title: str | None = None
    host_agency_id: uuid.UUID | None = None
    location: str | None = None
    participant_agency_ids: list[uuid.UUID] = []


class DirectiveRead(SQLModel):
    id: uuid.UUID
    code: str
    year: int
    kind: DirectiveKind
    title: str
    content: str | None
    issued_on: IsoDate | None
    issuer_agency_id: uuid.UUID
    signer_name: str | None
    signer_title: str | None
    document_number: str | None
    meeting: MeetingRead | None
    status: DirectiveStatus
    task_summary: TaskSummary
    allowed_actions: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class DirectiveList(SQLModel):
    items: list[DirectiveRead]
    next_cursor: str | None = None
    total: int | None = None


class IssueDirective(ActionBody):
    action: Literal["issue"]
    issued_on: IsoDate | None = Field(
        default=None, description="Default the directive's own date, else today."
    )


class CloseDirective(ActionBody):
    action: Literal["close"]


class WithdrawDirective(ActionBody):
    action: Literal["withdraw"]


class ReopenDirective(ActionBody):
    action: Literal["reopen"]


DIRECTIVE_ACTIONS: tuple[type[ActionBody], ...] = (
    IssueDirective,
    CloseDirective,
    WithdrawDirective,
    ReopenDirective,
)
if TYPE_CHECKING:
    DirectiveTransition = ActionBody
else:
    DirectiveTransition = action_union(*DIRECTIVE_ACTIONS)
