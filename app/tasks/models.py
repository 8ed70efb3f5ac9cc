"""Tasks (nhiệm vụ): table and schema family."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    Index,
    Table,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlmodel import Field, SQLModel

from app.core import examples
from app.core.enums import Pillar, Priority, Recurrence, TaskStatus, Timeliness, sql_in
from app.core.ids import uuid7
from app.directives.models import CODE_PATTERN
from app.kernel.schemas import (
    AgencyRef,
    InputModel,
    IsoDate,
    utcnow,
)

TASK_SEARCH_SQL = (
    "to_tsvector('simple'::regconfig, dondoc_fold(code || ' ' || translate(code, '-', ' ')"
    " || ' ' || title || ' ' || coalesce(description, '')))"
)
# Where tasks without a deadline sort: after every real date. Not 9999-12-31, which asyncpg
# sends as infinity (date.max).
NO_DEADLINE = "9999-01-01"


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(TaskStatus)}", name="status"),
        CheckConstraint(f"priority IN {sql_in(Priority)}", name="priority"),
        CheckConstraint(f"pillar IS NULL OR pillar IN {sql_in(Pillar)}", name="pillar"),
        CheckConstraint(f"recurrence IN {sql_in(Recurrence)}", name="recurrence"),
        CheckConstraint("progress_percent BETWEEN 0 AND 100", name="progress_range"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("due_date IS NULL OR due_date >= assigned_on", name="due_after_assigned"),
        CheckConstraint(
            "(status IN ('completed','awaiting_confirmation')) = (completed_on IS NOT NULL)",
            name="completed_on_set",
        ),
        CheckConstraint("(status = 'paused') = (paused_on IS NOT NULL)", name="paused_on_set"),
        CheckConstraint(
            "(status = 'cancelled') = (cancelled_on IS NOT NULL)", name="cancelled_on_set"
        ),
        CheckConstraint(
            "NOT (lead_agency_id = ANY(cooperating_agency_ids))", name="lead_not_cooperating"
        ),
        Index("ix_tasks_search", "search", postgresql_using="gin"),
        Index("ix_tasks_cooperating", "cooperating_agency_ids", postgresql_using="gin"),
        Index(
            "ix_tasks_lead_status_due",
            "lead_agency_id",
            "status",
            text(f"coalesce(due_date, DATE '{NO_DEADLINE}')"),
            "id",
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_tasks_due", text(f"coalesce(due_date, DATE '{NO_DEADLINE}')"), "id"),
        Index("ix_tasks_created_at_id", "created_at", "id"),
        Index("ix_tasks_updated_at_id", "updated_at", "id"),
        Index("ix_tasks_directive", "directive_id"),
        Index("ix_tasks_parent", "parent_id"),
        Index("ix_tasks_proposal", "proposal_id"),
        Index("ix_tasks_status_due", "status", "due_date"),
        Index(
            "ix_tasks_lead_official",
            "lead_official_id",
            postgresql_where=text("lead_official_id IS NOT NULL"),
        ),
        Index("ix_tasks_divisions", "division_ids", postgresql_using="gin"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    title: str
    description: str | None = None
    expected_output: str | None = None
    year: int
    directive_id: uuid.UUID | None = Field(default=None, foreign_key="directives.id")
    proposal_id: uuid.UUID | None = Field(default=None, foreign_key="proposals.id")
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="tasks.id")
    is_key_task: bool = False
    pillar: str | None = Field(default=None, max_length=30)
    field: str | None = Field(default=None, max_length=200)
    priority: str = Field(default="normal", max_length=10)
    lead_agency_id: uuid.UUID = Field(foreign_key="agencies.id")
    cooperating_agency_ids: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(Uuid()), nullable=False, server_default=text("'{}'")),
    )
    lead_official_id: uuid.UUID | None = Field(default=None, foreign_key="officials.id")
    division_ids: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(Uuid()), nullable=False, server_default=text("'{}'")),
    )
    assigned_by_agency_id: uuid.UUID | None = Field(default=None, foreign_key="agencies.id")
    assigned_by_name: str | None = Field(default=None, max_length=200)
    assigned_by_title: str | None = Field(default=None, max_length=200)
    assigned_on: IsoDate
    due_date: IsoDate | None = None
    original_due_date: IsoDate | None = None
    recurrence: str = Field(default="none", max_length=10)
    requires_confirmation: bool = True
    status: str = Field(default=TaskStatus.new, max_length=30)
    completed_on: IsoDate | None = None
    completed_on_reason: str | None = None
    # The days a judgement needs (app/tasks/timeliness.py): since when it is paused, when it
    # was cancelled, and the deadline it had missed when that deadline was moved.
    paused_on: IsoDate | None = None
    cancelled_on: IsoDate | None = None
    missed_due_date: IsoDate | None = None
    result: str | None = None
    progress_percent: int = 0
    # Progress reported, an extension asked for, or a completion submitted: from then on the
    # task leaves the books only by `cancel`, not by deletion.
    has_activity: bool = False
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
        default=None, sa_column=Column(TSVECTOR, Computed(TASK_SEARCH_SQL, persisted=True))
    )


TASKS: Table = Task.__table__  # type: ignore[attr-defined]


class TaskFields(InputModel):
    """What a caller sets when assigning a task."""

    code: str | None = Field(default=None, schema_extra={"pattern": CODE_PATTERN})
    title: str = Field(min_length=1, max_length=1000)
    description: str | None = Field(default=None, max_length=100_000)
    expected_output: str | None = Field(default=None, max_length=10_000)
    year: int | None = Field(default=None, ge=1990, le=2999)
    parent_id: uuid.UUID | None = None
    is_key_task: bool = False
    pillar: Pillar | None = None
    field: str | None = Field(default=None, max_length=200)
    priority: Priority = Priority.normal
    lead_agency_id: AgencyRef
    cooperating_agency_ids: list[AgencyRef] = Field(default_factory=list, max_length=200)
    lead_official_id: uuid.UUID | None = Field(
        default=None, description="The lead agency's focal official for this task."
    )
    division_ids: list[AgencyRef] = Field(
        default_factory=list,
        max_length=50,
        description="Divisions (agencies of kind `division`) of the lead agency that carry it.",
    )
    assigned_by_agency_id: AgencyRef | None = None
    assigned_by_name: str | None = Field(default=None, max_length=200)
    assigned_by_title: str | None = Field(default=None, max_length=200)
    assigned_on: IsoDate | None = None
    due_date: IsoDate | None = None
    recurrence: Recurrence = Recurrence.none
    requires_confirmation: bool = True


_EXAMPLE: dict[str, Any] = {
    "title": "Đẩy nhanh tiến độ triển khai nhiệm vụ chuyển đổi số",
    "lead_agency_id": examples.SCIENCE,
    "cooperating_agency_ids": [],
    "due_date": "2023-12-31",
    "pillar": "digital_government",
    "is_key_task": True,
}


class TaskCreate(TaskFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})  # type: ignore[assignment]

    directive_id: uuid.UUID | None = None


class DirectiveTaskItem(TaskFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})  # type: ignore[assignment]


class DirectiveTasksCreate(InputModel):
    tasks: list[DirectiveTaskItem] = Field(min_length=1, max_length=500)


class SubtaskCreate(InputModel):
    """A part of a task that its lead agency hands to one of its divisions or officials; the
    sub-task inherits the lead agency, directive, pillar and field of its parent."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Rà soát hạ tầng mạng của các cơ quan",
                    "division_ids": [],
                    "due_date": "2023-09-30",
                }
            ]
        },
    )

    title: str = Field(min_length=1, max_length=1000)
    description: str | None = Field(default=None, max_length=100_000)
    expected_output: str | None = Field(default=None, max_length=10_000)
    lead_official_id: uuid.UUID | None = None
    division_ids: list[AgencyRef] = Field(default_factory=list, max_length=50)
    priority: Priority = Priority.normal
    due_date: IsoDate | None = Field(
        default=None, description="Not after the parent's deadline; default the parent's."
    )
    requires_confirmation: bool = Field(
        default=False, description="Whether the sub-task's completion waits for confirmation."
    )


class TaskUpdate(InputModel):
    """Merge patch: absent fields stay, `null` clears an optional one."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"due_date": "2023-06-30"}]}
    )

    title: str = Field(default=None, min_length=1, max_length=1000)
    description: str | None = Field(default=None, max_length=100_000)
    expected_output: str | None = Field(default=None, max_length=10_000)
    directive_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    is_key_task: bool = Field(default=None)
    pillar: Pillar | None = None
    field: str | None = Field(default=None, max_length=200)
    priority: Priority = Field(default=None)
    lead_agency_id: AgencyRef = Field(default=None)
    cooperating_agency_ids: list[AgencyRef] = Field(default=None, max_length=200)
    lead_official_id: uuid.UUID | None = None
    division_ids: list[AgencyRef] = Field(default=None, max_length=50)
    assigned_by_agency_id: AgencyRef | None = None
    assigned_by_name: str | None = Field(default=None, max_length=200)
    assigned_by_title: str | None = Field(default=None, max_length=200)
    assigned_on: IsoDate = Field(default=None)
    due_date: IsoDate | None = None
    recurrence: Recurrence = Field(default=None)
    requires_confirmation: bool = Field(default=None)


class TaskDocument(SQLModel):
    id: uuid.UUID
    file_name: str
    media_type: str
    size_bytes: int
    record_id: uuid.UUID | None = PydanticField(description="The progress report it belongs to.")


class TaskRead(SQLModel):
    id: uuid.UUID
    code: str
    title: str
    description: str | None
    expected_output: str | None
    year: int
    directive_id: uuid.UUID | None
    proposal_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    is_key_task: bool
    pillar: Pillar | None
    field: str | None
    priority: Priority
    lead_agency_id: uuid.UUID
    cooperating_agency_ids: list[uuid.UUID]
    lead_official_id: uuid.UUID | None
    division_ids: list[uuid.UUID]
    assigned_by_agency_id: uuid.UUID | None
    assigned_by_name: str | None
    assigned_by_title: str | None
    assigned_on: IsoDate
    due_date: IsoDate | None
    original_due_date: IsoDate | None
    recurrence: Recurrence
    requires_confirmation: bool
    status: TaskStatus
    completed_on: IsoDate | None
    completed_on_reason: str | None = PydanticField(
        description="Why a completion date older than the backdating window was recorded."
    )
    paused_on: IsoDate | None = PydanticField(
        description="Paused (by decision) since this day: its days overdue stop growing."
    )
    cancelled_on: IsoDate | None
    missed_due_date: IsoDate | None = PydanticField(
        description="The deadline that had already passed when the deadline was moved (an "
        "extension asked late, an adjustment decided late): a completion is judged against it."
    )
    result: str | None
    progress_percent: int
    timeliness: Timeliness | None
    days_overdue: int | None
    allowed_actions: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    documents: list[TaskDocument] | None = PydanticField(
        default=None,
        description="The task's documents (GET /attachments/{id}/content): on a single read "
        "only, not in lists.",
    )


class TaskList(SQLModel):
    items: list[TaskRead]
    next_cursor: str | None = None
    total: int | None = None
