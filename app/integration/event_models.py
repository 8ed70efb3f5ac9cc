"""The change feed: every change is also an event, ordered as transactions commit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Table, Uuid, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.types import UserDefinedType
from sqlmodel import Field, SQLModel

from app.kernel.history_models import FieldChange


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id (`xid8`)."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_order", "txid", "id"),)

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    # The writing transaction's id: a reader only returns events of transactions older than
    # every transaction still running, so an event can never appear behind a reader's cursor.
    txid: int | None = Field(
        default=None,
        sa_column=Column(Xid8(), nullable=False, server_default=text("pg_current_xact_id()")),
    )
    type: str = Field(max_length=80)
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor_id: uuid.UUID | None = None
    actor_name: str | None = Field(default=None, max_length=300)
    actor_role: str | None = Field(default=None, max_length=20)
    request_id: str | None = Field(default=None, max_length=100)
    resource_type: str = Field(max_length=40)
    resource_id: uuid.UUID
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    # Agencies whose staff may see the event (NULL: everyone who may read); API-key events are
    # for administrators only.
    audience: list[uuid.UUID] | None = Field(
        default=None, sa_column=Column(ARRAY(Uuid()), nullable=True)
    )
    admin_only: bool = False


EVENTS: Table = Event.__table__  # type: ignore[attr-defined]


class Actor(SQLModel):
    id: uuid.UUID | None
    name: str | None
    role: str | None


class EventData(SQLModel):
    """What happened: the history entry's action, field changes and comment."""

    action: str
    changes: dict[str, FieldChange]
    comment: str | None = Field(default=None, description="Sent when the change had one.")


class EventRead(SQLModel):
    id: int
    cursor: str
    type: str
    occurred_at: datetime
    actor: Actor
    request_id: str | None
    resource_type: str
    resource_id: uuid.UUID
    data: EventData


class EventList(SQLModel):
    items: list[EventRead]
    next_cursor: str
