"""Frozen figures (chốt số liệu): a task report as it stood when the office or a leader froze
it, with who and when, and the tasks it was made of. Never edited; a later snapshot may
supersede it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict
from sqlalchemy import Column, DateTime, Index, Table, Uuid, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.core.enums import PeriodMode, TaskGroupBy, Timeliness
from app.core.ids import uuid7
from app.kernel.history_models import FieldChange
from app.kernel.schemas import InputModel, IsoDate, utcnow
from app.reports.models import TaskReport


class ReportSnapshot(SQLModel, table=True):
    __tablename__ = "report_snapshots"
    __table_args__ = (
        Index("ix_report_snapshots_created", "created_at", "id"),
        Index("uq_report_snapshots_supersedes", "supersedes_id", unique=True),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    kind: str = Field(max_length=20)
    params: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    report: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    figures: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    note: str | None = None
    supersedes_id: uuid.UUID | None = Field(default=None, foreign_key="report_snapshots.id")
    attachment_ids: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(Uuid()), nullable=False, server_default=text("'{}'")),
    )
    created_by_id: uuid.UUID | None = None
    created_by_name: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


REPORT_SNAPSHOTS: Table = ReportSnapshot.__table__  # type: ignore[attr-defined]


class SnapshotParams(InputModel):
    """What a frozen report was asked for (kept with it, every field)."""

    kind: Literal["tasks"] = "tasks"
    group_by: TaskGroupBy = TaskGroupBy.lead_agency
    period: str | None = Field(default=None, max_length=10, description="2023, 2023-Q4, …")
    period_mode: PeriodMode = PeriodMode.decree_09
    from_: IsoDate | None = Field(default=None, alias="from")
    to: IsoDate | None = None
    as_of: IsoDate | None = Field(
        default=None, description="Default: the period's last day, or today."
    )
    year: list[int] | None = None
    is_key_task: bool | None = None
    agency_id: list[uuid.UUID] | None = None


class SnapshotCreate(SnapshotParams):
    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid",
        json_schema_extra={
            "examples": [{"kind": "tasks", "group_by": "lead_agency", "period": "2023-Q4"}]
        },
    )

    note: str | None = Field(default=None, max_length=10_000)
    supersedes_id: uuid.UUID | None = Field(
        default=None, description="The snapshot this one replaces."
    )
    attachment_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=20,
        description="Documents the frozen report cites (the signed report, the minutes), "
        "attached to any resource the caller sees.",
    )


class SnapshotRead(SQLModel):
    id: uuid.UUID
    kind: str
    params: SnapshotParams
    report: TaskReport
    note: str | None
    supersedes_id: uuid.UUID | None
    superseded_by_id: uuid.UUID | None
    attachment_ids: list[uuid.UUID]
    created_by_id: uuid.UUID | None
    created_by_name: str | None
    created_at: datetime


class SnapshotSummary(SQLModel):
    id: uuid.UUID
    kind: str
    params: SnapshotParams
    note: str | None
    supersedes_id: uuid.UUID | None
    created_by_name: str | None
    created_at: datetime


class SnapshotList(SQLModel):
    items: list[SnapshotSummary]
    next_cursor: str | None


class TaskFigures(SQLModel):
    """One task as a report counted it: its group, its timeliness on `as_of` and, over a
    period, the marks of the period's columns."""

    task_id: uuid.UUID
    code: str
    key: str | None = Field(description="The group it was counted in.")
    timeliness: Timeliness | None
    cancelled: bool
    due_date: IsoDate | None
    completed_on: IsoDate | None
    days_overdue: int | None
    lead_agency_id: uuid.UUID
    cooperating_agency_ids: list[uuid.UUID]
    # Over a period only: the column(s) of the period the task was counted in.
    in_period: bool | None = Field(default=None, description="Over a period only.")
    carried_in: bool | None = None
    assigned_in_period: bool | None = None
    fell_due: bool | None = None
    fell_due_completed: bool | None = None
    completed_in_period_on_time: bool | None = None
    completed_in_period_late: bool | None = None
    completed_in_period_no_deadline: bool | None = None
    cancelled_in_period: bool | None = None
    open_at_end_on_track: bool | None = None
    open_at_end_due_soon: bool | None = None
    open_at_end_overdue: bool | None = None
    open_at_end_no_deadline: bool | None = None
    open_at_end_awaiting_confirmation: bool | None = None
    open_at_end_paused: bool | None = None


class DriftChange(SQLModel):
    action: str
    actor_name: str | None
    actor_role: str | None
    occurred_at: datetime
    changes: dict[str, FieldChange]


class DriftItem(SQLModel):
    task_id: uuid.UUID
    code: str
    frozen: TaskFigures | None = Field(
        description="The task's figures when frozen (null: not counted then)."
    )
    now: TaskFigures | None = Field(
        description="Its figures recomputed now (null: not counted now)."
    )
    changes: list[DriftChange] = Field(
        description="History entries of the task since the snapshot: action, who, when, what changed."
    )


class Drift(SQLModel):
    snapshot_id: uuid.UUID
    items: list[DriftItem]
