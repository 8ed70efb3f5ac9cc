"""What each agency was called, where it sat and whether it was active, over time (migration
0015): read wherever something is shown as of a day."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlmodel import SQLModel

from app.core.enums import AgencyStatus

# One row per period: the agency as it stood from `valid_from` until the next row's day. The
# first row's `valid_from` is null: as it was first recorded, for any earlier day too.
AGENCY_VERSIONS = Table(
    "agency_versions",
    SQLModel.metadata,
    Column("id", BigInteger(), Identity(), primary_key=True),
    Column("agency_id", Uuid(), ForeignKey("agencies.id", ondelete="CASCADE"), nullable=False),
    Column("valid_from", Date(), nullable=True),
    Column("name", String(500), nullable=False),
    Column("short_name", String(100), nullable=True),
    Column("parent_id", Uuid(), nullable=True),
    Column("status", String(20), nullable=False),
    Column("successor_id", Uuid(), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("comment", Text(), nullable=True),
    UniqueConstraint("agency_id", "valid_from", name="uq_agency_versions_day"),
    Index(
        "uq_agency_versions_first",
        "agency_id",
        unique=True,
        postgresql_where=text("valid_from IS NULL"),
    ),
)


class AgencyVersionRead(BaseModel):
    valid_from: date | None = Field(
        description="First day in force; null: since the agency was first recorded."
    )
    valid_to: date | None = Field(description="Last day in force; null: still in force.")
    name: str
    short_name: str | None
    parent_id: uuid.UUID | None
    status: AgencyStatus
    successor_id: uuid.UUID | None
    recorded_at: datetime
    comment: str | None = None


class AgencyVersionList(BaseModel):
    items: list[AgencyVersionRead]
