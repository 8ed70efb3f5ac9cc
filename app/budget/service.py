"""Budget requests: the money an agency asks for, its appraisal, approval and disbursement."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access import permissions
from app.access.auth import Caller
from app.agencies import service as agencies
from app.budget.models import (
    BUDGET_REQUESTS,
    AppraiseBudgetRequest,
    ApproveBudgetRequest,
    BudgetRequestCreate,
    BudgetRequestRead,
    BudgetRequestUpdate,
    BudgetTransition,
)
from app.budget.spec import BUDGET_REQUEST_VISIBILITY
from app.core.day import Day
from app.core.enums import BudgetStatus, ExpenditureType, Role
from app.core.ids import uuid7
from app.db import Reader
from app.errors.domain import Conflict, field_error
from app.kernel import codes, history, records, soft_delete, versioned
from app.kernel.fields import public_columns
from app.kernel.filters import shaped_page
from app.kernel.listing import ListParams, Page
from app.kernel.precondition import Precondition
from app.kernel.schemas import utcnow
from app.proposals.models import PROPOSALS
from app.proposals.spec import PROPOSAL_VISIBILITY

RESOURCE = "budget_request"
b = BUDGET_REQUESTS.c
COLUMNS = public_columns(BUDGET_REQUESTS, BudgetRequestRead)


def default_deadline(expenditure_type: str, fiscal_year: int) -> date | None:
    """Public investment capital is disbursed by 31 January of the following year."""
    return date(fiscal_year + 1, 1, 31) if expenditure_type == ExpenditureType.investment else None


def latest_extension(fiscal_year: int) -> date:
    """The Public Investment Law allows extending disbursement to 31 December of the next year."""
    return date(fiscal_year + 1, 12, 31)


def allowed_actions(caller: Caller, row: Any) -> list[str]:
    return permissions.allowed_actions(caller, RESOURCE, row)


def to_body(caller: Caller, row: Any) -> dict[str, Any]:
    body = dict(row._mapping)
    body["allowed_actions"] = allowed_actions(caller, row)
    return body


async def load(
    conn: Reader,
    caller: Caller,
    request_id: uuid.UUID,
    *,
    lock: bool = False,
    include_deleted: bool = False,
) -> Row[*tuple[Any, ...]]:
    return await records.load_one(
        conn,
        BUDGET_REQUESTS,
        tuple(COLUMNS),
        request_id,
        f"No budget request with id {request_id}.",
        caller=caller,
        visibility=BUDGET_REQUEST_VISIBILITY,
        include_deleted=include_deleted,
        lock=lock,
    )


async def _check_references(conn: AsyncConnection, caller: Caller, values: dict[str, Any]) -> None:
    if values.get("requesting_agency_id"):
        await agencies.require_active(
            conn, {"requesting_agency_id": [values["requesting_agency_id"]]}
        )
    if values.get("proposal_id"):
        stmt = select(PROPOSALS.c.id).where(
            PROPOSALS.c.id == values["proposal_id"], PROPOSALS.c.deleted_at.is_(None)
        )
        seen = PROPOSAL_VISIBILITY.clause(caller)
        if seen is not None:
            stmt = stmt.where(seen)
        if (await conn.execute(stmt)).first() is None:
            raise field_error("proposal_id", f"no proposal with id {values['proposal_id']}")


def _check_deadline(values: dict[str, Any]) -> None:
    deadline = values.get("disbursement_deadline")
    if deadline is None or values.get("expenditure_type") != ExpenditureType.investment:
        return
    if deadline > latest_extension(values["fiscal_year"]):
        raise field_error(
            "disbursement_deadline",
            f"investment capital cannot be disbursed after {latest_extension(values['fiscal_year'])}",
        )


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.value if hasattr(v, "value") else v for k, v in values.items()}


async def create(
    conn: AsyncConnection, caller: Caller, data: BudgetRequestCreate
) -> dict[str, Any]:
    permissions.require(caller, RESOURCE, "create", holds=True)
    values = data.model_dump()
    if caller.role == Role.agency:
        if values["requesting_agency_id"] not in (None, caller.agency_id):
            raise field_error("requesting_agency_id", "staff request for their own agency only")
        values["requesting_agency_id"] = caller.agency_id
    elif values["requesting_agency_id"] is None:
        raise field_error("requesting_agency_id", "required")
    if values["disbursement_deadline"] is None:
        values["disbursement_deadline"] = default_deadline(
            values["expenditure_type"], values["fiscal_year"]
        )
    _check_deadline(values)
    await _check_references(conn, caller, values)
    given = values.pop("code")
    code = given or await codes.next_code(conn, RESOURCE, values["fiscal_year"])
    now = utcnow()
    row = (
        await conn.execute(
            insert(BUDGET_REQUESTS)
            .values(
                id=uuid7(),
                code=code,
                status=BudgetStatus.draft,
                disbursed_vnd=0,
                created_at=now,
                updated_at=now,
                **_plain(values),
            )
            .on_conflict_do_nothing(index_elements=[b.code])
            .returning(*COLUMNS)
        )
    ).first()
    if row is None:
        raise Conflict(f"A budget request with code '{given}' already exists.", field="code")
    recorded = {k: v for k, v in values.items() if v is not None}
    await history.record(
        conn, caller, RESOURCE, row.id, "created", history.diff({}, {"code": code, **recorded})
    )
    return to_body(caller, row)


async def get(
    conn: Reader, caller: Caller, request_id: uuid.UUID, include_deleted: bool = False
) -> dict[str, Any]:
    return to_body(caller, await load(conn, caller, request_id, include_deleted=include_deleted))


async def update_(
    conn: AsyncConnection,
    caller: Caller,
    request_id: uuid.UUID,
    patch: BudgetRequestUpdate,
    if_match: Precondition,
) -> dict[str, Any]:
    row = await load(conn, caller, request_id, lock=True)
    permissions.require_editable(caller, RESOURCE, "update", row)
    change = versioned.admit(BUDGET_REQUESTS, row, if_match)
    fields = patch.model_dump(exclude_unset=True)
    current = dict(row._mapping)
    merged = {**current, **fields}
    if "disbursement_deadline" not in fields and {"expenditure_type", "fiscal_year"} & set(fields):
        merged["disbursement_deadline"] = default_deadline(
            merged["expenditure_type"], merged["fiscal_year"]
        )
        fields["disbursement_deadline"] = merged["disbursement_deadline"]
    _check_deadline(merged)
    changes = history.diff(current, fields)
    if not changes:
        return to_body(caller, row)
    values = {k: fields[k] for k in changes}
    await _check_references(conn, caller, values)
    updated = await versioned.write(conn, change, _plain(values), COLUMNS)
    await history.record(conn, caller, RESOURCE, request_id, "updated", changes)
    return to_body(caller, updated)


async def delete(
    conn: AsyncConnection, caller: Caller, request_id: uuid.UUID, if_match: Precondition
) -> None:
    row = await load(conn, caller, request_id, lock=True)
    permissions.require_editable(caller, RESOURCE, "delete", row)
    await soft_delete.delete(conn, caller, RESOURCE, BUDGET_REQUESTS, row, if_match)


async def restore(
    conn: AsyncConnection, caller: Caller, request_id: uuid.UUID, if_match: Precondition
) -> dict[str, Any]:
    row = await load(conn, caller, request_id, lock=True, include_deleted=True)
    permissions.require(caller, RESOURCE, "restore", row)
    restored = await soft_delete.restore(
        conn,
        caller,
        RESOURCE,
        BUDGET_REQUESTS,
        row,
        if_match,
        COLUMNS,
        allowed_actions(caller, row),
    )
    return to_body(caller, restored)


async def transition(
    conn: AsyncConnection,
    caller: Caller,
    request_id: uuid.UUID,
    data: BudgetTransition,
    if_match: Precondition,
    day: Day,
) -> dict[str, Any]:
    row = await load(conn, caller, request_id, lock=True)
    step = permissions.check_transition(caller, RESOURCE, data, row)
    change = versioned.admit(BUDGET_REQUESTS, row, if_match)
    values: dict[str, Any] = {"status": step.target}
    if isinstance(data, AppraiseBudgetRequest):
        appraised_on = data.appraised_on or day.today
        values.update(
            amount_recommended_vnd=data.amount_recommended_vnd,
            appraisal={"opinion": data.opinion, "appraised_on": appraised_on.isoformat()},
        )
    if isinstance(data, ApproveBudgetRequest):
        if data.amount_approved_vnd > row.amount_requested_vnd:
            raise field_error(
                "amount_approved_vnd",
                f"cannot exceed the {row.amount_requested_vnd:,} đồng requested",
            )
        decision = data.decision.model_dump(mode="json")
        decision["decided_on"] = decision["decided_on"] or day.today.isoformat()
        values.update(amount_approved_vnd=data.amount_approved_vnd, decision=decision)
    changes = history.diff(dict(row._mapping), values)
    updated = await versioned.write(conn, change, values, COLUMNS)
    await history.record(conn, caller, RESOURCE, request_id, data.action, changes, data.comment)
    return to_body(caller, updated)


@dataclass
class BudgetFilters:
    status: Sequence[str] | None = None
    fiscal_year: Sequence[int] | None = None
    expenditure_type: Sequence[str] | None = None
    purpose: Sequence[str] | None = None
    funding_source: Sequence[str] | None = None
    requesting_agency_id: Sequence[uuid.UUID] | None = None
    proposal_id: Sequence[uuid.UUID] | None = None
    q: str | None = None


async def list_(
    conn: Reader, caller: Caller, params: ListParams, f: BudgetFilters
) -> tuple[Page, list[dict[str, Any]]]:
    page = await shaped_page(
        conn,
        caller,
        BUDGET_REQUESTS,
        COLUMNS,
        params,
        sort_keys={
            "created_at": b.created_at,
            "updated_at": b.updated_at,
            "code": b.code,
            "amount_requested_vnd": b.amount_requested_vnd,
        },
        default_sort="-created_at",
        any_of=(
            ("status", f.status, b.status),
            ("fiscal_year", f.fiscal_year, b.fiscal_year),
            ("expenditure_type", f.expenditure_type, b.expenditure_type),
            ("purpose", f.purpose, b.purpose),
            ("funding_source", f.funding_source, b.funding_source),
            ("requesting_agency_id", f.requesting_agency_id, b.requesting_agency_id),
            ("proposal_id", f.proposal_id, b.proposal_id),
        ),
        q=f.q,
        visibility=BUDGET_REQUEST_VISIBILITY,
    )
    return page, [to_body(caller, r) for r in page.rows]


async def history_of(
    conn: Reader, caller: Caller, request_id: uuid.UUID, params: ListParams
) -> Page:
    await load(conn, caller, request_id, include_deleted=True)
    return await history.list_for(conn, RESOURCE, request_id, params)
