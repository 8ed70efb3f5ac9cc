"""Comments: the thread of a task, a proposal or a budget request (append-only)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict
from sqlalchemy import CheckConstraint, Column, DateTime, Index, Table, Uuid, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from app.kernel.schemas import InputModel, utcnow


class Comment(SQLModel, table=True):
    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(
            "resource_type IN ('task','proposal','budget_request')", name="resource_type"
        ),
        Index("ix_comments_resource", "resource_type", "resource_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    resource_type: str = Field(max_length=30)
    resource_id: uuid.UUID
    body: str
    mentions: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(Uuid()), nullable=False, server_default=text("'{}'")),
    )
    author_id: uuid.UUID | None = None
    author_name: str | None = Field(default=None, max_length=300)
    author_role: str = Field(max_length=20)
    author_official_id: uuid.UUID | None = Field(default=None, foreign_key="officials.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


COMMENTS: Table = Comment.__table__  # type: ignore[attr-defined]


class CommentCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "body": "Đề nghị Sở báo cáo rõ khó khăn về kinh phí.",
                    "mentions": [],
                }
            ]
        },
    )

    body: str = Field(min_length=1, max_length=20_000)
    mentions: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=50,
        description="Officials to notify (each must be active and able to see the resource).",
    )


class CommentRead(SQLModel):
    id: uuid.UUID
    resource_type: str
    resource_id: uuid.UUID
    body: str
    mentions: list[uuid.UUID]
    author_id: uuid.UUID | None
    author_name: str | None
    author_role: str
    author_official_id: uuid.UUID | None
    created_at: datetime


class CommentList(SQLModel):
    items: list[CommentRead]
    next_cursor: str | None = None
    total: int | None = None
