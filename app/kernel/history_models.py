"""History of every change, written in the same transaction as the change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.core.ids import uuid7
from app.kernel.schemas import utcnow


class HistoryEntry(SQLModel, table=True):
    __tablename__ = "history"
    __table_args__ = (
        Index("ix_history_resource", "resource_type", "resource_id", "occurred_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    resource_type: str = Field(max_length=40)
    resource_id: uuid.UUID
    action: str = Field(max_length=60)
    actor_id: uuid.UUID | None = None
    actor_name: str | None = Field(default=None, max_length=300)
    actor_role: str | None = Field(default=None, max_length=20)
    request_id: str | None = Field(default=None, max_length=100)
    client_request_id: str | None = Field(default=None, max_length=100)
    comment: str | None = None
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    occurred_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


HISTORY: Table = HistoryEntry.__table__  # type: ignore[attr-defined]


class FieldChange(SQLModel):
    old: Any = None
    new: Any = None


class HistoryRead(SQLModel):
    id: uuid.UUID
    resource_type: str
    resource_id: uuid.UUID
    action: str
    actor_id: uuid.UUID | None
    actor_name: str | None
    actor_role: str | None
    request_id: str | None = Field(description="The service's id of the request that did it.")
    client_request_id: str | None = Field(
        description="The X-Request-ID the client sent, when it was well-formed."
    )
    comment: str | None
    changes: dict[str, FieldChange]
    occurred_at: datetime
    agency_names: dict[str, str] | None = Field(
        default=None,
        description="A task's history: each agency its changes name (by id), with the agency's "
        "name on the day of the change.",
    )


class HistoryList(SQLModel):
    items: list[HistoryRead]
    next_cursor: str | None = None
    total: int | None = None
