"""Budget requests (đề nghị bố trí kinh phí), their disbursements (giải ngân) and the
extensions of their disbursement deadline."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import ConfigDict, StrictInt
from sqlalchemy import BigInteger, CheckConstraint, Column, Computed, DateTime, Index, Table
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlmodel import Field, SQLModel

from app.core import examples
from app.core.enums import BudgetPurpose, BudgetStatus, ExpenditureType, FundingSource, sql_in
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

MAX_VND = 10**15
# Money is whole đồng: integers only (a float, a string or a boolean is refused), 0 to 10^15.
Vnd = Annotated[StrictInt, Field(ge=0, le=MAX_VND)]
BUDGET_SEARCH_SQL = (
    "to_tsvector('simple'::regconfig, dondoc_fold(code || ' ' || translate(code, '-', ' ')"
    " || ' ' || title || ' ' || coalesce(project_name, '') || ' ' || coalesce(justification, '')))"
)


class BudgetRequest(SQLModel, table=True):
    __tablename__ = "budget_requests"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(BudgetStatus)}", name="status"),
        CheckConstraint(f"expenditure_type IN {sql_in(ExpenditureType)}", name="expenditure_type"),
        CheckConstraint(f"purpose IN {sql_in(BudgetPurpose)}", name="purpose"),
        CheckConstraint(f"funding_source IN {sql_in(FundingSource)}", name="funding_source"),
        CheckConstraint(f"amount_requested_vnd BETWEEN 0 AND {MAX_VND}", name="requested_range"),
        CheckConstraint(
            f"amount_recommended_vnd IS NULL OR amount_recommended_vnd BETWEEN 0 AND {MAX_VND}",
            name="recommended_range",
        ),
        CheckConstraint(
            "amount_approved_vnd IS NULL OR amount_approved_vnd BETWEEN 0 AND amount_requested_vnd",
            name="approved_range",
        ),
        CheckConstraint(
            "disbursed_vnd >= 0 AND disbursed_vnd <= coalesce(amount_approved_vnd, 0)",
            name="disbursed_within_approved",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_budget_requests_search", "search", postgresql_using="gin"),
        Index("ix_budget_requests_created_at_id", "created_at", "id"),
        Index("ix_budget_requests_agency", "requesting_agency_id"),
        Index("ix_budget_requests_proposal", "proposal_id"),
        Index("ix_budget_requests_fiscal_year", "fiscal_year"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    title: str
    requesting_agency_id: uuid.UUID = Field(foreign_key="agencies.id")
    proposal_id: uuid.UUID | None = Field(default=None, foreign_key="proposals.id")
    project_name: str | None = None
    expenditure_type: str = Field(max_length=20)
    purpose: str = Field(max_length=30)
    funding_source: str = Field(max_length=20)
    fiscal_year: int
    amount_requested_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    amount_recommended_vnd: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )
    amount_approved_vnd: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )
    disbursed_vnd: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    justification: str | None = None
    appraisal: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    decision: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    disbursement_deadline: IsoDate | None = None
    status: str = Field(default=BudgetStatus.draft, max_length=20)
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
        default=None, sa_column=Column(TSVECTOR, Computed(BUDGET_SEARCH_SQL, persisted=True))
    )


BUDGET_REQUESTS: Table = BudgetRequest.__table__  # type: ignore[attr-defined]


class Disbursement(SQLModel, table=True):
    __tablename__ = "disbursements"
    __table_args__ = (
        CheckConstraint(f"amount_vnd > 0 AND amount_vnd <= {MAX_VND}", name="amount_range"),
        Index("ix_disbursements_request", "budget_request_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    budget_request_id: uuid.UUID = Field(foreign_key="budget_requests.id")
    amount_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    disbursed_on: IsoDate
    reference: str | None = Field(default=None, max_length=200)
    actor_id: uuid.UUID | None = None
    actor_name: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


DISBURSEMENTS: Table = Disbursement.__table__  # type: ignore[attr-defined]


class DeadlineExtension(SQLModel, table=True):
    __tablename__ = "budget_deadline_extensions"
    __table_args__ = (
        Index("ix_budget_deadline_extensions_request", "budget_request_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    budget_request_id: uuid.UUID = Field(foreign_key="budget_requests.id")
    previous_deadline: IsoDate | None = None
    new_deadline: IsoDate
    reason: str
    decided_by: str = Field(max_length=300)
    decision_number: str = Field(max_length=60)
    actor_id: uuid.UUID | None = None
    actor_name: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


DEADLINE_EXTENSIONS: Table = DeadlineExtension.__table__  # type: ignore[attr-defined]


class BudgetRequestCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Kinh phí thuê chuyên gia vận hành trung tâm dữ liệu tỉnh năm 2023",
                    "requesting_agency_id": examples.SCIENCE,
                    "expenditure_type": "recurrent",
                    "purpose": "expert_hiring",
                    "funding_source": "provincial",
                    "fiscal_year": 2023,
                    "amount_requested_vnd": 1200000000,
                }
            ]
        },
    )

    code: str | None = Field(default=None, schema_extra={"pattern": CODE_PATTERN})
    title: str = Field(min_length=1, max_length=1000)
    requesting_agency_id: AgencyRef | None = Field(
        default=None, description="Default: the caller's agency (required for the office)."
    )
    proposal_id: uuid.UUID | None = None
    project_name: str | None = Field(default=None, max_length=1000)
    expenditure_type: ExpenditureType
    purpose: BudgetPurpose
    funding_source: FundingSource
    fiscal_year: int = Field(ge=1990, le=2999)
    amount_requested_vnd: Vnd
    justification: str | None = Field(default=None, max_length=100_000)
    disbursement_deadline: IsoDate | None = Field(
        default=None, description="Investment default: 31 January of fiscal_year + 1."
    )


class BudgetRequestUpdate(InputModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount_requested_vnd": 900000000}]}
    )

    title: str = Field(default=None, min_length=1, max_length=1000)
    proposal_id: uuid.UUID | None = None
    project_name: str | None = Field(default=None, max_length=1000)
    expenditure_type: ExpenditureType = Field(default=None)
    purpose: BudgetPurpose = Field(default=None)
    funding_source: FundingSource = Field(default=None)
    fiscal_year: int = Field(default=None, ge=1990, le=2999)
    amount_requested_vnd: Vnd = Field(default=None)
    justification: str | None = Field(default=None, max_length=100_000)
    disbursement_deadline: IsoDate | None = None


class Decision(InputModel):
    document_number: str = Field(min_length=1, max_length=60)
    decided_on: IsoDate | None = Field(default=None, description="Default today.")
    decided_by: str = Field(min_length=1, max_length=300)


class SubmitBudgetRequest(ActionBody):
    action: Literal["submit"]


class StartAppraisal(ActionBody):
    action: Literal["start_appraisal"]


class AppraiseBudgetRequest(ActionBody):
    action: Literal["appraise"]
    amount_recommended_vnd: Vnd
    opinion: str = Field(min_length=1, max_length=100_000)
    appraised_on: IsoDate | None = Field(default=None, description="Default today.")


class ReturnBudgetRequest(CommentedAction):
    action: Literal["return"]


class ApproveBudgetRequest(ActionBody):
    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra={
            "examples": [
                {
                    "action": "approve",
                    "amount_approved_vnd": 1000000000,
                    "decision": {
                        "document_number": "512/QĐ-UBND",
                        "decided_by": "Chủ tịch UBND tỉnh",
                    },
                }
            ]
        },
    )

    action: Literal["approve"]
    amount_approved_vnd: Vnd
    decision: Decision


class RejectBudgetRequest(CommentedAction):
    action: Literal["reject"]


class CloseBudgetRequest(ActionBody):
    action: Literal["close"]


BUDGET_ACTIONS: tuple[type[ActionBody], ...] = (
    SubmitBudgetRequest,
    StartAppraisal,
    AppraiseBudgetRequest,
    ReturnBudgetRequest,
    ApproveBudgetRequest,
    RejectBudgetRequest,
    CloseBudgetRequest,
)
if TYPE_CHECKING:
    BudgetTransition = ActionBody
else:
    BudgetTransition = action_union(*BUDGET_ACTIONS)


class AppraisalRead(SQLModel):
    opinion: str
    appraised_on: IsoDate


class DecisionRead(SQLModel):
    document_number: str
    decided_on: IsoDate
    decided_by: str


class BudgetRequestRead(SQLModel):
    id: uuid.UUID
    code: str
    title: str
    requesting_agency_id: uuid.UUID
    proposal_id: uuid.UUID | None
    project_name: str | None
    expenditure_type: ExpenditureType
    purpose: BudgetPurpose
    funding_source: FundingSource
    fiscal_year: int
    amount_requested_vnd: int
    amount_recommended_vnd: int | None
    amount_approved_vnd: int | None
    disbursed_vnd: int
    justification: str | None
    appraisal: AppraisalRead | None
    decision: DecisionRead | None
    disbursement_deadline: IsoDate | None
    status: BudgetStatus
    allowed_actions: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class BudgetRequestList(SQLModel):
    items: list[BudgetRequestRead]
    next_cursor: str | None = None
    total: int | None = None


class DisbursementCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"amount_vnd": 250000000, "disbursed_on": "2023-06-15", "reference": "UNC 0123"}
            ]
        },
    )

    amount_vnd: Annotated[StrictInt, Field(gt=0, le=MAX_VND)]
    disbursed_on: IsoDate | None = Field(default=None, description="Default today.")
    reference: str | None = Field(default=None, max_length=200)


class DisbursementRead(SQLModel):
    id: uuid.UUID
    budget_request_id: uuid.UUID
    amount_vnd: int
    disbursed_on: IsoDate
    reference: str | None
    actor_id: uuid.UUID | None
    actor_name: str | None
    created_at: datetime


class DisbursementList(SQLModel):
    items: list[DisbursementRead]
    next_cursor: str | None = None
    total: int | None = None


class DeadlineExtensionCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "new_deadline": "2024-12-31",
                    "reason": "Dự án chậm giải phóng mặt bằng",
                    "decided_by": "Chủ tịch UBND tỉnh",
                    "decision_number": "88/QĐ-UBND",
                }
            ]
        },
    )

    new_deadline: IsoDate
    reason: str = Field(min_length=1, max_length=10_000)
    decided_by: str = Field(min_length=1, max_length=300)
    decision_number: str = Field(min_length=1, max_length=60)


class DeadlineExtensionRead(SQLModel):
    id: uuid.UUID
    budget_request_id: uuid.UUID
    previous_deadline: IsoDate | None
    new_deadline: IsoDate
    reason: str
    decided_by: str
    decision_number: str
    actor_id: uuid.UUID | None
    actor_name: str | None
    created_at: datetime


class DeadlineExtensionList(SQLModel):
    items: list[DeadlineExtensionRead]
    next_cursor: str | None = None
    total: int | None = None
