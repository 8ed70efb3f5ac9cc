"""Proposals (đề xuất, kiến nghị): table and schema family."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict
from sqlalchemy import CheckConstraint, Column, Computed, DateTime, Index, Table, Uuid, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlmodel import Field, SQLModel

from app.core import examples
from app.core.enums import ProposalCategory, ProposalStatus, Resolution, sql_in
from app.core.ids import uuid7
from app.directives.models import CODE_PATTERN
from app.kernel.schemas import (
    ActionBody,
    AgencyRef,
    CommentedAction,
    InputModel,
    IsoDate,
    action_union,
    utcnow,
)

PROPOSAL_SEARCH_SQL = (
    "to_tsvector('simple'::regconfig, dondoc_fold(code || ' ' || translate(code, '-', ' ')"
    " || ' ' || title || ' ' || coalesce(content, '')))"
)


class Proposal(SQLModel, table=True):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(f"category IN {sql_in(ProposalCategory)}", name="category"),
        CheckConstraint(f"status IN {sql_in(ProposalStatus)}", name="status"),
        CheckConstraint(
            f"resolution IS NULL OR resolution IN {sql_in(Resolution)}", name="resolution"
        ),
        CheckConstraint(
            "(status = 'resolved') = (resolution IS NOT NULL)", name="resolved_has_resolution"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_proposals_search", "search", postgresql_using="gin"),
        Index("ix_proposals_created_at_id", "created_at", "id"),
        Index("ix_proposals_submitting", "submitting_agency_id"),
        Index("ix_proposals_directive", "directive_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    year: int
    title: str
    content: str | None = None
    category: str = Field(max_length=30)
    submitting_agency_id: uuid.UUID = Field(foreign_key="agencies.id")
    addressed_to_agency_id: uuid.UUID | None = Field(default=None, foreign_key="agencies.id")
    directive_id: uuid.UUID | None = Field(default=None, foreign_key="directives.id")
    submitted_on: IsoDate | None = None
    response_due_date: IsoDate | None = None
    status: str = Field(default=ProposalStatus.draft, max_length=20)
    resolution: str | None = Field(default=None, max_length=30)
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    handler_agency_ids: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(Uuid()), nullable=False, server_default=text("'{}'")),
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
    search: str | None = Field(
        default=None, sa_column=Column(TSVECTOR, Computed(PROPOSAL_SEARCH_SQL, persisted=True))
    )


PROPOSALS: Table = Proposal.__table__  # type: ignore[attr-defined]


class ProposalResponse(InputModel):
    text: str = Field(min_length=1, max_length=100_000)
    responded_on: IsoDate | None = Field(default=None, description="Default today.")
    responder_name: str | None = Field(default=None, max_length=200)
    responder_title: str | None = Field(default=None, max_length=200)


class ProposalCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Bố trí kinh phí thuê chuyên gia vận hành trung tâm dữ liệu tỉnh",
                    "category": "funding",
                    "submitting_agency_id": examples.SCIENCE,
                    "response_due_date": "2023-04-30",
                }
            ]
        },
    )

    code: str | None = Field(default=None, schema_extra={"pattern": CODE_PATTERN})
    title: str = Field(min_length=1, max_length=1000)
    content: str | None = Field(default=None, max_length=100_000)
    category: ProposalCategory
    submitting_agency_id: AgencyRef | None = Field(
        default=None, description="Default: the caller's agency (required for the office)."
    )
    addressed_to_agency_id: AgencyRef | None = None
    directive_id: uuid.UUID | None = None
    response_due_date: IsoDate | None = None
    handler_agency_ids: list[AgencyRef] = Field(default_factory=list, max_length=100)
    year: int | None = Field(default=None, ge=1990, le=2999)


class ProposalUpdate(InputModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"response_due_date": "2023-05-15"}]}
    )

    title: str = Field(default=None, min_length=1, max_length=1000)
    content: str | None = Field(default=None, max_length=100_000)
    category: ProposalCategory = Field(default=None)
    addressed_to_agency_id: AgencyRef | None = None
    directive_id: uuid.UUID | None = None
    response_due_date: IsoDate | None = None
    handler_agency_ids: list[AgencyRef] = Field(default=None, max_length=100)


class ProposalAnswer(SQLModel):
    text: str
    responded_on: IsoDate
    responder_name: str | None = None
    responder_title: str | None = None


class ProposalRead(SQLModel):
    id: uuid.UUID
    code: str
    year: int
    title: str
    content: str | None
    category: ProposalCategory
    submitting_agency_id: uuid.UUID
    addressed_to_agency_id: uuid.UUID | None
    directive_id: uuid.UUID | None
    submitted_on: IsoDate | None
    response_due_date: IsoDate | None
    response_overdue: bool
    status: ProposalStatus
    resolution: Resolution | None
    response: ProposalAnswer | None
    handler_agency_ids: list[uuid.UUID]
    task_ids: list[uuid.UUID]
    budget_request_ids: list[uuid.UUID]
    allowed_actions: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class ProposalList(SQLModel):
    items: list[ProposalRead]
    next_cursor: str | None = None
    total: int | None = None


class SubmitProposal(ActionBody):
    action: Literal["submit"]
    submitted_on: IsoDate | None = Field(default=None, description="Default today.")


class ReviewProposal(ActionBody):
    action: Literal["review"]


class ResolveProposal(ActionBody):
    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra={
            "examples": [
                {
                    "action": "resolve",
                    "resolution": "referred",
                    "response": {"text": "Trình Bộ Tài chính"},
                }
            ]
        },
    )

    action: Literal["resolve"]
    resolution: Resolution
    response: ProposalResponse


class WithdrawProposal(ActionBody):
    action: Literal["withdraw"]


class ReopenProposal(CommentedAction):
    action: Literal["reopen"]


PROPOSAL_ACTIONS: tuple[type[ActionBody], ...] = (
    SubmitProposal,
    ReviewProposal,
    ResolveProposal,
    WithdrawProposal,
    ReopenProposal,
)
if TYPE_CHECKING:
    ProposalTransition = ActionBody
else:
    ProposalTransition = action_union(*PROPOSAL_ACTIONS)
