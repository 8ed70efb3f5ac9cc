"""API keys: only a hash of each key is stored."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict
from sqlalchemy import CheckConstraint, Column, DateTime, Table
from sqlmodel import Field, SQLModel

from app.core.enums import Role
from app.core.ids import uuid7
from app.kernel.schemas import AgencyRef, InputModel, utcnow
from app.people.models import OfficialRead


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin','office','leader','finance','agency','viewer')", name="role"
        ),
        CheckConstraint("role <> 'agency' OR agency_id IS NOT NULL", name="agency_bound"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    agency_id: uuid.UUID | None = Field(default=None, foreign_key="agencies.id")
    # The official who uses the key (issue 17): notices and `assignee=me` follow it.
    official_id: uuid.UUID | None = Field(default=None, foreign_key="officials.id")
    key_hash: str = Field(max_length=64, unique=True)
    key_prefix: str = Field(max_length=12)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    last_used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


API_KEYS: Table = ApiKey.__table__  # type: ignore[attr-defined]


class ApiKeyCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Cổng dữ liệu tỉnh", "role": "viewer"}]},
    )

    name: str = Field(min_length=1, max_length=200)
    role: Role
    agency_id: AgencyRef | None = None
    official_id: uuid.UUID | None = Field(
        default=None, description="The official who uses this key (of the key's agency)."
    )


class ApiKeyRead(SQLModel):
    id: uuid.UUID
    name: str
    role: Role
    agency_id: uuid.UUID | None
    official_id: uuid.UUID | None
    key_prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key itself; shown only in this response.")


class ApiKeyList(SQLModel):
    items: list[ApiKeyRead]
    next_cursor: str | None = None
    total: int | None = None


class Me(SQLModel):
    role: Role
    agency_id: uuid.UUID | None
    key_name: str | None
    key_id: uuid.UUID | None
    official: OfficialRead | None = Field(
        default=None, description="The official the credential is linked to, if any."
    )
