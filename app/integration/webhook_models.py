"""Webhooks and their deliveries (the outbox)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, Index, Table, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.core.enums import DeliveryStatus, sql_in
from app.core.ids import uuid7
from app.kernel.schemas import InputModel, utcnow

EVENT_PATTERN = r"^(\*|[a-z_]+\.(\*|[a-z_]+))$"


class Webhook(SQLModel, table=True):
    __tablename__ = "webhooks"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(Text()), nullable=False)
    )
    active: bool = True
    description: str | None = None
    secret: str = Field(max_length=100)
    failing_since: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
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


WEBHOOKS: Table = Webhook.__table__  # type: ignore[attr-defined]


class Delivery(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(DeliveryStatus)}", name="status"),
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            "id",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_webhook_deliveries_webhook", "webhook_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    webhook_id: uuid.UUID = Field(foreign_key="webhooks.id")
    event_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    message_id: str = Field(max_length=100)
    event_type: str = Field(max_length=80)
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    status: str = Field(default=DeliveryStatus.pending, max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    delivered_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


DELIVERIES: Table = Delivery.__table__  # type: ignore[attr-defined]


class WebhookCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://lgsp.example.gov.vn/dondoc",
                    "event_types": ["task.*", "budget_request.approve"],
                }
            ]
        },
    )

    url: str = Field(min_length=1, max_length=2000)
    event_types: list[str] = Field(min_length=1, max_length=50)
    active: bool = True
    description: str | None = Field(default=None, max_length=2000)


class WebhookUpdate(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"active": False}]})

    url: str = Field(default=None, min_length=1, max_length=2000)
    event_types: list[str] = Field(default=None, min_length=1, max_length=50)
    active: bool = Field(default=None)
    description: str | None = Field(default=None, max_length=2000)


class WebhookRead(SQLModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    active: bool
    description: str | None
    failing_since: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class WebhookCreated(WebhookRead):
    secret: str = Field(description="The signing secret (`whsec_…`); shown only in this response.")


class WebhookList(SQLModel):
    items: list[WebhookRead]
    next_cursor: str | None = None
    total: int | None = None


class DeliveryRead(SQLModel):
    id: uuid.UUID
    webhook_id: uuid.UUID
    event_id: int | None
    message_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryList(SQLModel):
    items: list[DeliveryRead]
    next_cursor: str | None = None
    total: int | None = None
