"""Stored responses of POSTs made with an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, LargeBinary, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.kernel.schemas import utcnow


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    caller_key: str = Field(primary_key=True, max_length=100)
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)
    status_code: int
    headers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    expires_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )


IDEMPOTENCY: Table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
