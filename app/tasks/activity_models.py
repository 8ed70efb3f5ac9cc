"""What happens to a task after it is assigned: progress reports, extension requests,
reminders (đôn đốc). Each is append-only and belongs to one task."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import CheckConstraint, Column, DateTime, Index, Table, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.core.enums import ExtensionStatus, ReminderChannel, ReminderKind, sql_in
from app.core.ids import uuid7
from app.kernel.schemas import AgencyRef, InputModel, IsoDate, utcnow


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class ProgressReport(SQLModel, table=True):
    __tablename__ = "task_progress_reports"
    __table_args__ = (
        CheckConstraint("progress_percent BETWEEN 0 AND 100", name="progress_range"),
        Index("ix_task_progress_reports_task", "task_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    task_id: uuid.UUID = Field(foreign_key="tasks.id")
    reported_on: IsoDate
    progress_percent: int
    results: str | None = None
    difficulties: str | None = None
    recommendations: str | None = None
    attachments: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False, server_default=text("'[]'"))
    )
    reporting_agency_id: uuid.UUID = Field(foreign_key="agencies.id")
    actor_id: uuid.UUID | None = None
    actor_name: str | None = Field(default=None, max_length=300)
    created_at: datetime = _created()


PROGRESS_REPORTS: Table = ProgressReport.__table__  # type: ignore[attr-defined]


class Attachment(InputModel):
    name: str = Field(min_length=1, max_length=500)
    url: str = Field(min_length=1, max_length=2000, schema_extra={"pattern": r"^https?://"})


class ProgressReportCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "progress_percent": 40,
                    "results": "Đã hoàn thành khảo sát",
                    "difficulties": "Thiếu kinh phí",
                }
            ]
        },
    )

    reported_on: IsoDate | None = Field(default=None, description="Default today.")
    progress_percent: int = Field(ge=0, le=100)
    results: str | None = Field(default=None, max_length=100_000)
    difficulties: str | None = Field(default=None, max_length=100_000)
    recommendations: str | None = Field(default=None, max_length=100_000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
    reporting_agency_id: AgencyRef | None = Field(
        default=None, description="Default: the caller's agency, or the lead agency for the office."
    )


class AttachmentRead(SQLModel):
    name: str
    url: str


class ProgressReportRead(SQLModel):
    id: uuid.UUID
    task_id: uuid.UUID
    reported_on: IsoDate
    progress_percent: int
    results: str | None
    difficulties: str | None
    recommendations: str | None
    attachments: list[AttachmentRead]
    reporting_agency_id: uuid.UUID
    actor_id: uuid.UUID | None
    actor_name: str | None
    created_at: datetime


class ProgressReportList(SQLModel):
    items: list[ProgressReportRead]
    next_cursor: str | None = None
    total: int | None = None


class ExtensionRequest(SQLModel, table=True):
    __tablename__ = "task_extension_requests"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(ExtensionStatus)}", name="status"),
        Index("ix_task_extension_requests_task", "task_id", "created_at", "id"),
        Index(
            "uq_task_extension_requests_pending",
            "task_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    task_id: uuid.UUID = Field(foreign_key="tasks.id")
    current_due_date: IsoDate
    proposed_due_date: IsoDate
    reason: str
    requested_after_deadline: bool = False
    status: str = Field(default=ExtensionStatus.pending, max_length=10)
    requested_by_id: uuid.UUID | None = None
    requested_by_name: str | None = Field(default=None, max_length=300)
    approved_due_date: IsoDate | None = None
    decision_comment: str | None = None
    decided_by_id: uuid.UUID | None = None
    decided_by_name: str | None = Field(default=None, max_length=300)
    decided_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: datetime = _created()


EXTENSION_REQUESTS: Table = ExtensionRequest.__table__  # type: ignore[attr-defined]


class ExtensionRequestCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"proposed_due_date": "2023-09-30", "reason": "Chờ bố trí vốn"}]
        },
    )

    proposed_due_date: IsoDate
    reason: str = Field(min_length=1, max_length=10_000)


class ExtensionDecision(InputModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"approved": True, "comment": "Đồng ý"}]}
    )

    approved: bool
    approved_due_date: IsoDate | None = Field(
        default=None, description="Default: the proposed date."
    )
    comment: str | None = Field(default=None, max_length=10_000)


class ExtensionRequestRead(SQLModel):
    id: uuid.UUID
    task_id: uuid.UUID
    current_due_date: IsoDate
    proposed_due_date: IsoDate
    reason: str
    requested_after_deadline: bool = Field(
        description="Asked for after the deadline had passed: the task stays overdue until the "
        "decision."
    )
    status: str
    requested_by_id: uuid.UUID | None
    requested_by_name: str | None
    approved_due_date: IsoDate | None
    decision_comment: str | None
    decided_by_id: uuid.UUID | None
    decided_by_name: str | None
    decided_at: datetime | None
    created_at: datetime


class ExtensionRequestList(SQLModel):
    items: list[ExtensionRequestRead]
    next_cursor: str | None = None
    total: int | None = None


class Reminder(SQLModel, table=True):
    __tablename__ = "task_reminders"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in(ReminderKind)}", name="kind"),
        CheckConstraint(f"channel IN {sql_in(ReminderChannel)}", name="channel"),
        Index("ix_task_reminders_task", "task_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    task_id: uuid.UUID = Field(foreign_key="tasks.id")
    kind: str = Field(max_length=10)
    channel: str = Field(max_length=10)
    message: str
    document_number: str | None = Field(default=None, max_length=60)
    due_date: IsoDate | None = None
    actor_id: uuid.UUID | None = None
    actor_name: str | None = Field(default=None, max_length=300)
    created_at: datetime = _created()


REMINDERS: Table = Reminder.__table__  # type: ignore[attr-defined]


class ReminderCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "channel": "document",
                    "message": "Đề nghị báo cáo tiến độ",
                    "document_number": "120/VP-TH",
                }
            ]
        },
    )

    kind: ReminderKind = Field(default=ReminderKind.manual, description="Only `manual` here.")
    channel: ReminderChannel = ReminderChannel.system
    message: str = Field(min_length=1, max_length=10_000)
    document_number: str | None = Field(default=None, max_length=60)


class ReminderRead(SQLModel):
    id: uuid.UUID
    task_id: uuid.UUID
    kind: ReminderKind
    channel: ReminderChannel
    message: str
    document_number: str | None
    due_date: IsoDate | None
    actor_id: uuid.UUID | None
    actor_name: str | None
    created_at: datetime


class ReminderList(SQLModel):
    items: list[ReminderRead]
    next_cursor: str | None = None
    total: int | None = None
