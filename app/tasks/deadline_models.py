"""Changes of a task's deadline: each one a row, made by a decision — an approved extension
request, or an adjustment decided by the office or a leader. A deadline never moves otherwise."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict
from sqlalchemy import CheckConstraint, Column, DateTime, Index, Table
from sqlmodel import Field, SQLModel

from app.core.enums import DeadlineChangeKind, sql_in
from app.core.ids import uuid7
from app.kernel.schemas import InputModel, IsoDate, utcnow


class TaskDeadlineChange(SQLModel, table=True):
    __tablename__ = "task_deadline_changes"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in(DeadlineChangeKind)}", name="kind"),
        Index("ix_task_deadline_changes_task", "task_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    task_id: uuid.UUID = Field(foreign_key="tasks.id")
    kind: str = Field(max_length=20)
    old_due_date: IsoDate | None = None
    new_due_date: IsoDate
    extension_request_id: uuid.UUID | None = Field(
        default=None, foreign_key="task_extension_requests.id"
    )
    after_deadline: bool = False
    reason: str | None = None
    decision_number: str | None = Field(default=None, max_length=60)
    decision_date: IsoDate | None = None
    decided_by_name: str | None = Field(default=None, max_length=300)
    recorded_by_id: uuid.UUID | None = None
    recorded_by_name: str | None = Field(default=None, max_length=300)
    decided_on: IsoDate
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


TASK_DEADLINE_CHANGES: Table = TaskDeadlineChange.__table__  # type: ignore[attr-defined]


class DeadlineAdjustmentCreate(InputModel):
    """A deadline moved by the office or a leader, on the strength of a decision."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "new_due_date": "2023-12-31",
                    "reason": "Điều chỉnh theo Kế hoạch số 12/KH-UBND",
                    "decision_number": "1205/UBND-KT",
                    "decision_date": "2023-09-20",
                    "decided_by": "Phó Chủ tịch UBND tỉnh",
                }
            ]
        },
    )

    new_due_date: IsoDate
    reason: str = Field(min_length=1, max_length=10_000)
    decision_number: str = Field(min_length=1, max_length=60)
    decision_date: IsoDate
    decided_by: str = Field(min_length=1, max_length=300, description="Who decided (name, title).")


class DeadlineChangeRead(SQLModel):
    id: uuid.UUID
    task_id: uuid.UUID
    kind: DeadlineChangeKind
    old_due_date: IsoDate | None
    new_due_date: IsoDate
    extension_request_id: uuid.UUID | None
    after_deadline: bool = Field(
        description="Asked for (an extension) or decided (an adjustment) after the deadline it "
        "replaces had passed: the task was overdue until `decided_on`."
    )
    reason: str | None
    decision_number: str | None
    decision_date: IsoDate | None
    decided_by_name: str | None
    recorded_by_id: uuid.UUID | None
    recorded_by_name: str | None
    decided_on: IsoDate
    created_at: datetime


class DeadlineChangeList(SQLModel):
    items: list[DeadlineChangeRead]
    next_cursor: str | None = None
    total: int | None = None
