"""Deadline notices the scheduler has sent: one per task, kind, deadline and round (an overdue
notice repeats every DONDOC_OVERDUE_REPEAT_DAYS while the task stays overdue)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, DateTime, Table
from sqlmodel import Field, SQLModel

from app.kernel.schemas import IsoDate, utcnow


class DeadlineNotice(SQLModel, table=True):
    __tablename__ = "task_deadline_notices"
    __table_args__ = (CheckConstraint("kind IN ('due_soon','overdue')", name="kind"),)

    # The primary key is the once-only guarantee: whichever scheduler inserts it sends it.
    task_id: uuid.UUID = Field(primary_key=True, foreign_key="tasks.id")
    kind: str = Field(primary_key=True, max_length=10)
    due_date: IsoDate = Field(primary_key=True)
    round: int = Field(default=0, primary_key=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


NOTICES: Table = DeadlineNotice.__table__  # type: ignore[attr-defined]
