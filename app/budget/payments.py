"""The money of an approved budget request: disbursements (giải ngân), which can never pass
the approved amount nor fall after the deadline, and extensions of that deadline."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from app.access import permissions
from app.access.auth import Caller
from app.budget.models import (
    BUDGET_REQUESTS,
    DEADLINE_EXTENSIONS,
    DISBURSEMENTS,
    DeadlineExtensionCreate,
    DeadlineExtensionRead,
    DisbursementCreate,
    DisbursementRead,
)
from app.budget.service import RESOURCE, latest_extension, load
from app.core.day import Day
from app.core.enums import BudgetStatus, ExpenditureType
from app.core.ids import uuid7
from app.db import Reader
from app.errors.domain import Conflict, field_error
from app.kernel import history, records, versioned
from app.kernel.listing import ListParams, Page
from app.kernel.schemas import utcnow

b = BUDGET_REQUESTS.c


async def disburse(
    conn: AsyncConnection, caller: Caller, request_id: uuid.UUID, data: DisbursementCreate, day: Day
) -> dict[str, Any]:
    """Pay part of an approved amount. The request row is locked, so concurrent payments are
    checked one after another and the total can never pass the approved amount."""
    row = await load(conn, caller, request_id, lock=True)
    permissions.require(caller, RESOURCE, "disburse", row)
    if row.status != BudgetStatus.approved:
        raise Conflict(f"Only approved requests are disbursed; this one is {row.status}.")
    disbursed_on = data.disbursed_on or day.today
    if row.disbursement_deadline is not None and disbursed_on > row.disbursement_deadline:
        raise Conflict(
            f"The disbursement deadline was {row.disbursement_deadline}; extend it first.",
            field="disbursed_on",
        )
    room = (row.amount_approved_vnd or 0) - row.disbursed_vnd
    if data.amount_vnd > room:
        raise Conflict(
            f"Only {room:,} đồng of the approved {row.amount_approved_vnd:,} remain to disburse.",
            remaining_vnd=room,
        )
    record = (
        await conn.execute(
            insert(DISBURSEMENTS)
            .values(
                id=uuid7(),
                budget_request_id=request_id,
                amount_vnd=data.amount_vnd,
                disbursed_on=disbursed_on,
                reference=data.reference,
                actor_id=caller.key_id,
                actor_name=caller.name,
                created_at=utcnow(),
            )
            .returning(*DISBURSEMENTS.c)
        )
    ).one()
    total = row.disbursed_vnd + data.amount_vnd
    await versioned.touch(conn, BUDGET_REQUESTS, request_id, {"disbursed_vnd": total})
    await history.record(
        conn,
        caller,
        RESOURCE,
        request_id,
        "disbursed",
        {
            "disbursed_vnd": {"old": row.disbursed_vnd, "new": total},
            "disbursement_id": {"old": None, "new": str(record.id)},
        },
    )
    return dict(record._mapping)


async def extend_deadline(
    conn: AsyncConnection, caller: Caller, request_id: uuid.UUID, data: DeadlineExtensionCreate
) -> dict[str, Any]:
    row = await load(conn, caller, request_id, lock=True)
    permissions.require(caller, RESOURCE, "extend_deadline", row)
    if row.status != BudgetStatus.approved:
        raise Conflict(
            f"Only approved requests have a disbursement deadline to extend; this one is {row.status}."
        )
    if row.disbursement_deadline is not None and data.new_deadline <= row.disbursement_deadline:
        raise field_error(
            "new_deadline", f"must be later than the current deadline {row.disbursement_deadline}"
        )
    if row.expenditure_type == ExpenditureType.investment and data.new_deadline > latest_extension(
        row.fiscal_year
    ):
        raise field_error(
            "new_deadline",
            f"investment capital cannot be disbursed after {latest_extension(row.fiscal_year)}",
        )
    record = (
        await conn.execute(
            insert(DEADLINE_EXTENSIONS)
            .values(
                id=uuid7(),
                budget_request_id=request_id,
                previous_deadline=row.disbursement_deadline,
                new_deadline=data.new_deadline,
                reason=data.reason,
                decided_by=data.decided_by,
                decision_number=data.decision_number,
                actor_id=caller.key_id,
                actor_name=caller.name,
                created_at=utcnow(),
            )
            .returning(*DEADLINE_EXTENSIONS.c)
        )
    ).one()
    await versioned.touch(
        conn, BUDGET_REQUESTS, request_id, {"disbursement_deadline": data.new_deadline}
    )
    await history.record(
        conn,
        caller,
        RESOURCE,
        request_id,
        "deadline_extended",
        history.diff(
            {"disbursement_deadline": row.disbursement_deadline},
            {"disbursement_deadline": data.new_deadline},
        ),
        data.reason,
    )
    return dict(record._mapping)


CHILD_READS: dict[str, type[SQLModel]] = {
    DISBURSEMENTS.name: DisbursementRead,
    DEADLINE_EXTENSIONS.name: DeadlineExtensionRead,
}


async def _children(
    conn: Reader, caller: Caller, request_id: uuid.UUID, params: ListParams, table: Any
) -> Page:
    await load(conn, caller, request_id, include_deleted=True)
    read = CHILD_READS[table.name]
    return await records.page_of(conn, table, read, "budget_request_id", request_id, params)


async def _child(
    conn: Reader, caller: Caller, request_id: uuid.UUID, table: Any, item_id: uuid.UUID
) -> dict[str, Any]:
    """One record of a budget request the caller can see."""
    await load(conn, caller, request_id, include_deleted=True)
    read = CHILD_READS[table.name]
    return await records.one_of(conn, table, read, "budget_request_id", request_id, item_id)


async def get_disbursement(
    conn: Reader, caller: Caller, request_id: uuid.UUID, disbursement_id: uuid.UUID
) -> dict[str, Any]:
    return await _child(conn, caller, request_id, DISBURSEMENTS, disbursement_id)


async def get_extension(
    conn: Reader, caller: Caller, request_id: uuid.UUID, extension_id: uuid.UUID
) -> dict[str, Any]:
    return await _child(conn, caller, request_id, DEADLINE_EXTENSIONS, extension_id)


async def list_disbursements(
    conn: Reader, caller: Caller, request_id: uuid.UUID, params: ListParams
) -> Page:
    return await _children(conn, caller, request_id, params, DISBURSEMENTS)


async def list_extensions(
    conn: Reader, caller: Caller, request_id: uuid.UUID, params: ListParams
) -> Page:
    return await _children(conn, caller, request_id, params, DEADLINE_EXTENSIONS)
