"""Agencies (cơ quan, đơn vị): table and schema family."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, StringConstraints
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, Column, Computed, DateTime, Index, Table, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlmodel import Field, SQLModel

from app.core import examples
from app.core.enums import AgencyKind, AgencyStatus, Pillar, SuccessionStatus, sql_in
from app.core.ids import uuid7
from app.kernel.schemas import AgencyRef, InputModel, IsoDate, utcnow

AGENCY_CODE_PATTERN = r"^[A-Za-z0-9.]{1,35}$"
# Search document: the code (whole and split at dots) and the names, folded by dondoc_fold().
AGENCY_SEARCH_SQL = (
    "to_tsvector('simple'::regconfig, dondoc_fold(code || ' ' || translate(code, '.', ' ')"
    " || ' ' || name || ' ' || coalesce(short_name, '')))"
)


FormerCodes = Annotated[
    list[Annotated[str, StringConstraints(pattern=AGENCY_CODE_PATTERN, max_length=35)]],
    PydanticField(
        max_length=20,
        description="Codes the agency was known by (a merged province's, kept as aliases): "
        "wherever a request names an agency, they name it too.",
    ),
]


class AgencyBase(SQLModel):
    code: str = Field(max_length=35, schema_extra={"pattern": AGENCY_CODE_PATTERN})
    name: str = Field(min_length=1, max_length=500)
    short_name: str | None = Field(default=None, max_length=100)
    kind: AgencyKind
    parent_id: uuid.UUID | None = None
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None


class Agency(AgencyBase, table=True):
    __tablename__ = "agencies"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(AgencyStatus)}", name="status"),
        CheckConstraint(
            "kind IN ('provincial_committee','department','board','district_committee',"
            "'commune_committee','public_service_unit','central_agency','other','division')",
            name="kind",
        ),
        CheckConstraint("code ~ '^[A-Za-z0-9.]{1,35}$'", name="code_format"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
            name="valid_range",
        ),
        Index("ix_agencies_search", "search", postgresql_using="gin"),
        Index("ix_agencies_name_id", "name", "id"),
        Index("ix_agencies_created_at_id", "created_at", "id"),
        Index("ix_agencies_updated_at_id", "updated_at", "id"),
        Index("ix_agencies_former_codes", "former_codes", postgresql_using="gin"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    code: str = Field(max_length=35, unique=True)
    former_codes: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(Text()), nullable=False, server_default=text("'{}'")),
    )
    kind: str = Field(max_length=40)  # type: ignore[assignment]
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="agencies.id", index=True)
    status: str = Field(default=AgencyStatus.active, max_length=20, index=True)
    successor_id: uuid.UUID | None = Field(default=None, foreign_key="agencies.id")
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
        default=None, sa_column=Column(TSVECTOR, Computed(AGENCY_SEARCH_SQL, persisted=True))
    )


AGENCIES: Table = Agency.__table__  # type: ignore[attr-defined]


class AgencyCreate(AgencyBase, InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "000.00.12.H56",
                    "name": "Sở Khoa học và Công nghệ",
                    "short_name": "Sở KH&CN",
                    "kind": "department",
                }
            ]
        },
    )

    parent_id: AgencyRef | None = None
    former_codes: FormerCodes = []


class AgencyUpdate(InputModel):
    """Merge patch: every field optional; `null` clears an optional field."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"short_name": "Sở KH&CN"}]}
    )

    # Required fields: may be absent from a patch, never null.
    name: str = Field(default=None, min_length=1, max_length=500)
    kind: AgencyKind = Field(default=None)
    short_name: str | None = Field(default=None, max_length=100)
    parent_id: AgencyRef | None = None
    former_codes: FormerCodes = None  # type: ignore[assignment]
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None
    effective_on: IsoDate | None = Field(
        default=None,
        description="The day a new name, short name or parent takes effect (default today; not "
        "after today, nor before the agency's last recorded change): reports as of an earlier "
        "day keep the agency as it was. Not stored as a field.",
    )


class AgencyRead(AgencyBase):
    id: uuid.UUID
    former_codes: list[str]
    kind: AgencyKind
    status: AgencyStatus
    successor_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    allowed_actions: list[str]


class AgencyList(SQLModel):
    items: list[AgencyRead]
    next_cursor: str | None = None
    total: int | None = None


class SuccessorShare(InputModel):
    """One successor and the open work it receives: the tasks listed, then the tasks of these
    fields, then of these pillars; `rest`: everything no other share takes."""

    successor_id: AgencyRef
    task_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10_000)
    fields: list[str] = Field(default_factory=list, max_length=100)
    pillars: list[Pillar] = Field(default_factory=list, max_length=10)
    rest: bool = False


class SuccessionCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "successor_id": examples.SCIENCE,
                    "effective_on": "2025-03-01",
                    "status": "merged",
                },
                {
                    "effective_on": "2025-03-01",
                    "status": "merged",
                    "successors": [
                        {"successor_id": examples.SCIENCE, "rest": True},
                        {"successor_id": "000.00.16.H99", "fields": ["Báo chí", "Xuất bản"]},
                    ],
                },
            ]
        },
    )

    successor_id: AgencyRef | None = Field(
        default=None,
        description="One successor taking everything (the same as one share with rest).",
    )
    successors: list[SuccessorShare] | None = Field(
        default=None, min_length=1, max_length=20, description="Several successors, each its share."
    )
    children_successor_id: AgencyRef | None = Field(
        default=None,
        description="The successor that the agency's child units (divisions, centres) move under; "
        "default the one with `rest`.",
    )
    effective_on: IsoDate
    status: SuccessionStatus

    def shares(self) -> list[SuccessorShare]:
        if self.successors is not None:
            return self.successors
        assert self.successor_id is not None
        return [SuccessorShare(successor_id=self.successor_id, rest=True)]


class SuccessorMoves(SQLModel):
    successor_id: uuid.UUID
    moved_lead: int
    moved_cooperating: int
    task_ids: list[uuid.UUID] = Field(description="Open tasks whose lead moves to it.")


class SuccessionResult(SQLModel):
    agency: AgencyRead
    dry_run: bool = Field(default=False, description="Nothing was changed: what would move.")
    moved_lead: int = Field(description="Open tasks whose lead moved to the successor.")
    moved_cooperating: int = Field(description="Open tasks whose cooperating link moved.")
    successors: list[SuccessorMoves] = Field(default_factory=list)
    moved_proposals: int = 0
    moved_budget_requests: int = 0
    reparented: list[uuid.UUID] = Field(
        default_factory=list, description="Child units moved under the successor."
    )
