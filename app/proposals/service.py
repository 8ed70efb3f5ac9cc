"""Proposals: what agencies ask the committee for, and the answers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, Row, and_, bindparam, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from app.access import permissions
from app.access.auth import Caller
from app.agencies import service as agencies
from app.budget.models import BUDGET_REQUESTS
from app.core.day import Day
from app.core.enums import ProposalStatus, Role
from app.core.ids import uuid7
from app.db import Reader
from app.directives.models import DIRECTIVES
from app.errors.domain import Conflict, field_error
from app.kernel import codes, history, records, soft_delete, versioned
from app.kernel.fields import public_columns
from app.kernel.filters import Extra, shaped_page
from app.kernel.listing import ListParams, Page
from app.kernel.precondition import Precondition
from app.kernel.schemas import utcnow
from app.proposals.models import (
    PROPOSALS,
    ProposalCreate,
    ProposalRead,
    ProposalTransition,
    ProposalUpdate,
    ReopenProposal,
    ResolveProposal,
    SubmitProposal,
)
from app.proposals.spec import PROPOSAL_VISIBILITY
from app.tasks import service as tasks
from app.tasks.models import TASKS, DirectiveTaskItem

RESOURCE = "proposal"
p = PROPOSALS.c
AWAITING = (ProposalStatus.submitted, ProposalStatus.under_review)
TASK_IDS = func.array(
    select(TASKS.c.id)
    .where(TASKS.c.proposal_id == p.id, TASKS.c.deleted_at.is_(None))
    .order_by(TASKS.c.created_at)
    .scalar_subquery()
).label("task_ids")
BUDGET_IDS = func.array(
    select(BUDGET_REQUESTS.c.id)
    .where(BUDGET_REQUESTS.c.proposal_id == p.id, BUDGET_REQUESTS.c.deleted_at.is_(None))
    .order_by(BUDGET_REQUESTS.c.created_at)
    .scalar_subquery()
).label("budget_request_ids")
COLUMNS = (*public_columns(PROPOSALS, ProposalRead), TASK_IDS, BUDGET_IDS)


def allowed_actions(caller: Caller, row: Any) -> list[str]:
    return permissions.allowed_actions(caller, RESOURCE, row)


def response_overdue(row: Any, today: Any) -> bool:
    return bool(row.response_due_date and row.status in AWAITING and today > row.response_due_date)


def to_body(caller: Caller, row: Any, day: Day) -> dict[str, Any]:
    body = dict(row._mapping)
    body["task_ids"] = body["task_ids"] or []
    body["budget_request_ids"] = body["budget_request_ids"] or []
    body["response_overdue"] = response_overdue(row, day.today)
    body["allowed_actions"] = allowed_actions(caller, row)
    return body


async def load(
    conn: Reader,
    caller: Caller,
    proposal_id: uuid.UUID,
    *,
    lock: bool = False,
    include_deleted: bool = False,
) -> Row[*tuple[Any, ...]]:
    return await records.load_one(
        conn,
        PROPOSALS,
        tuple(COLUMNS),
        proposal_id,
        f"No proposal with id {proposal_id}.",
        caller=caller,
        visibility=PROPOSAL_VISIBILITY,
        include_deleted=include_deleted,
        lock=lock,
        lock_of=PROPOSALS,
    )


async def _check_references(conn: AsyncConnection, values: dict[str, Any]) -> None:
    named: dict[str, list[uuid.UUID]] = {}
    for name in ("submitting_agency_id", "addressed_to_agency_id"):
        if values.get(name):
            named[name] = [values[name]]
    if values.get("handler_agency_ids"):
        named["handler_agency_ids"] = list(values["handler_agency_ids"])
    await agencies.require_active(conn, named)
    if values.get("directive_id"):
        found = (
            await conn.execute(
                select(DIRECTIVES.c.id).where(
                    DIRECTIVES.c.id == values["directive_id"], DIRECTIVES.c.deleted_at.is_(None)
                )
            )
        ).first()
        if found is None:
            raise field_error("directive_id", f"no directive with id {values['directive_id']}")


async def create(
    conn: AsyncConnection, caller: Caller, data: ProposalCreate, day: Day
) -> dict[str, Any]:
    permissions.require(caller, RESOURCE, "create", holds=True)
    values = data.model_dump()
    if caller.role == Role.agency:
        if values["submitting_agency_id"] not in (None, caller.agency_id):
            raise field_error("submitting_agency_id", "staff submit for their own agency only")
        values["submitting_agency_id"] = caller.agency_id
    elif values["submitting_agency_id"] is None:
        raise field_error("submitting_agency_id", "required")
    values["year"] = values["year"] or day.today.year
    await _check_references(conn, values)
    given = values.pop("code")
    code = given or await codes.next_code(conn, RESOURCE, values["year"])
    now = utcnow()
    row = (
        await conn.execute(
            insert(PROPOSALS)
            .values(
                id=uuid7(),
                code=code,
                status=ProposalStatus.draft,
                created_at=now,
                updated_at=now,
                **{k: v.value if hasattr(v, "value") else v for k, v in values.items()},
            )
            .on_conflict_do_nothing(index_elements=[p.code])
            .returning(p.id)
        )
    ).first()
    if row is None:
        raise Conflict(f"A proposal with code '{given}' already exists.", field="code")
    recorded = {k: v for k, v in values.items() if v not in (None, [])}
    await history.record(
        conn, caller, RESOURCE, row.id, "created", history.diff({}, {"code": code, **recorded})
    )
    return to_body(caller, await load(conn, caller, row.id), day)


async def get(
    conn: Reader,
    caller: Caller,
    proposal_id: uuid.UUID,
    day: Day,
    include_deleted: bool = False,
) -> dict[str, Any]:
    return to_body(
        caller, await load(conn, caller, proposal_id, include_deleted=include_deleted), day
    )


async def update_(
    conn: AsyncConnection,
    caller: Caller,
    proposal_id: uuid.UUID,
    patch: ProposalUpdate,
    if_match: Precondition,
    day: Day,
) -> dict[str, Any]:
    row = await load(conn, caller, proposal_id, lock=True)
    permissions.require_editable(caller, RESOURCE, "update", row)
    change = versioned.admit(PROPOSALS, row, if_match)
    fields = patch.model_dump(exclude_unset=True)
    changes = history.diff(dict(row._mapping), fields)
    if not changes:
        return to_body(caller, row, day)
    values = {k: fields[k] for k in changes}
    await _check_references(conn, values)
    plain = {k: v.value if hasattr(v, "value") else v for k, v in values.items()}
    await conn.execute(versioned.statement(change, plain))
    await history.record(conn, caller, RESOURCE, proposal_id, "updated", changes)
    return to_body(caller, await load(conn, caller, proposal_id), day)


async def delete(
    conn: AsyncConnection, caller: Caller, proposal_id: uuid.UUID, if_match: Precondition
) -> None:
    row = await load(conn, caller, proposal_id, lock=True)
    permissions.require_editable(caller, RESOURCE, "delete", row)
    await soft_delete.delete(conn, caller, RESOURCE, PROPOSALS, row, if_match)


async def restore(
    conn: AsyncConnection,
    caller: Caller,
    proposal_id: uuid.UUID,
    if_match: Precondition,
    day: Day,
) -> dict[str, Any]:
    row = await load(conn, caller, proposal_id, lock=True, include_deleted=True)
    permissions.require(caller, RESOURCE, "restore", row)
    await soft_delete.restore(
        conn, caller, RESOURCE, PROPOSALS, row, if_match, [p.id], allowed_actions(caller, row)
    )
    return to_body(caller, await load(conn, caller, proposal_id), day)


async def transition(
    conn: AsyncConnection,
    caller: Caller,
    proposal_id: uuid.UUID,
    data: ProposalTransition,
    if_match: Precondition,
    day: Day,
) -> dict[str, Any]:
    row = await load(conn, caller, proposal_id, lock=True)
    step = permissions.check_transition(caller, RESOURCE, data, row)
    change = versioned.admit(PROPOSALS, row, if_match)
    values: dict[str, Any] = {"status": step.target}
    if isinstance(data, SubmitProposal):
        submitted_on = data.submitted_on or day.today
        if submitted_on > day.today:
            raise field_error("submitted_on", "cannot be in the future")
        values["submitted_on"] = submitted_on
    if isinstance(data, ResolveProposal):
        response = data.response.model_dump(mode="json")
        response["responded_on"] = response["responded_on"] or day.today.isoformat()
        values.update(resolution=data.resolution.value, response=response)
    if isinstance(data, ReopenProposal):
        values.update(resolution=None)
    changes = history.diff(dict(row._mapping), values)
    await conn.execute(versioned.statement(change, values))
    await history.record(conn, caller, RESOURCE, proposal_id, data.action, changes, data.comment)
    return to_body(caller, await load(conn, caller, proposal_id), day)


async def create_tasks(
    conn: AsyncConnection,
    caller: Caller,
    proposal_id: uuid.UUID,
    items: list[DirectiveTaskItem],
    day: Day,
) -> list[dict[str, Any]]:
    """The tasks that handle a proposal (giao nhiệm vụ cho các ngành liên quan), all or none;
    each is linked to the proposal and to the directive where it was raised."""
    row = await load(conn, caller, proposal_id)
    permissions.require(caller, RESOURCE, "create_tasks", row)
    if row.status in (ProposalStatus.draft, ProposalStatus.withdrawn):
        raise Conflict(f"A {row.status} proposal takes no tasks.")
    created = []
    for index, item in enumerate(items):
        created.append(
            await tasks.create(
                conn,
                caller,
                item,
                day,
                directive_id=row.directive_id,
                proposal_id=proposal_id,
                prefix=f"tasks.{index}.",
            )
        )
    await history.record(
        conn,
        caller,
        RESOURCE,
        proposal_id,
        "tasks_assigned",
        {"task_ids": {"old": None, "new": [str(t["id"]) for t in created]}},
    )
    return created


@dataclass
class ProposalFilters:
    status: Sequence[str] | None = None
    resolution: Sequence[str] | None = None
    category: Sequence[str] | None = None
    submitting_agency_id: Sequence[uuid.UUID] | None = None
    directive_id: Sequence[uuid.UUID] | None = None
    response_overdue: bool | None = None
    q: str | None = None


def _overdue(wanted: bool, day: Day) -> Extra:
    """`response_overdue=true|false`: awaiting an answer past its due day (as of `today`)."""

    def clauses() -> list[ColumnElement[bool]]:
        overdue = and_(
            p.status.in_([literal(s.value) for s in AWAITING]),
            p.response_due_date < bindparam("today", type_=Date),
        )
        return [overdue if wanted else or_(~overdue, p.response_due_date.is_(None))]

    return Extra(wanted, clauses, {"today": day.today})


async def list_(
    conn: Reader, caller: Caller, params: ListParams, f: ProposalFilters, day: Day
) -> tuple[Page, list[dict[str, Any]]]:
    page = await shaped_page(
        conn,
        caller,
        PROPOSALS,
        COLUMNS,
        params,
        sort_keys={"created_at": p.created_at, "updated_at": p.updated_at, "code": p.code},
        default_sort="-created_at",
        any_of=(
            ("status", f.status, p.status),
            ("resolution", f.resolution, p.resolution),
            ("category", f.category, p.category),
            ("submitting_agency_id", f.submitting_agency_id, p.submitting_agency_id),
            ("directive_id", f.directive_id, p.directive_id),
        ),
        q=f.q,
        visibility=PROPOSAL_VISIBILITY,
        extra=None if f.response_overdue is None else _overdue(f.response_overdue, day),
    )
    return page, [to_body(caller, r, day) for r in page.rows]


async def history_of(
    conn: Reader, caller: Caller, proposal_id: uuid.UUID, params: ListParams
) -> Page:
    await load(conn, caller, proposal_id, include_deleted=True)
    return await history.list_for(conn, RESOURCE, proposal_id, params)
