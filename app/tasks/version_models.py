"""What each task was at every moment (written by a trigger, migration 0009): read by reports
as of a day."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, String, Table, Uuid, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import SQLModel

TASK_VERSIONS = Table(
    "task_versions",
    SQLModel.metadata,
    Column("task_id", Uuid(), ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("recorded_at", DateTime(timezone=True), primary_key=True),
    Column("is_first", Boolean(), nullable=False),
    Column("lead_agency_id", Uuid(), nullable=False),
    Column("cooperating_agency_ids", ARRAY(Uuid()), nullable=False),
    Column("due_date", Date(), nullable=True),
    Column("status", String(30), nullable=False),
    Column("completed_on", Date(), nullable=True),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    # The days a judgement needs (migration 0016).
    Column("paused_on", Date(), nullable=True),
    Column("cancelled_on", Date(), nullable=True),
    Column("missed_due_date", Date(), nullable=True),
    # When the next version replaced it (migration 0011); null for the version in force.
    Column("superseded_at", DateTime(timezone=True), nullable=True),
    Index(
        "ix_task_versions_changes", "recorded_at", "task_id", postgresql_where=text("NOT is_first")
    ),
    Index(
        "ix_task_versions_superseded",
        "superseded_at",
        postgresql_where=text("superseded_at IS NOT NULL"),
    ),
)
