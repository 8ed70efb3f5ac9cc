"""Tasks: assignment, visibility, the lifecycle, editing, lists with timeliness."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Row,
    Select,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from app.auth import Caller
from app.db import RawQuery, compile_for_driver, raw_fetchrow
from app.enums import Role
from app.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
    field_error,
)
from app.exports import Batched
from app.ids import uuid7
from app.kernel import history, soft_delete
from app.kernel.fields import public_columns
from app.kernel.filters import list_clauses
from app.kernel.listing import ListParams, Page, fetch_page, parse_sort
from app.kernel.precondition import Precondition
from app.kernel.specs import TASK_VISIBILITY
from app.models.agencies import AGENCIES
from app.models.common import utcnow
from app.models.directives import DIRECTIVES
from app.models.tasks import NO_DEADLINE, TASKS, TaskFields, TaskRead, TaskTransition, TaskUpdate
from app.services import agencies, codes, hierarchy
from app.services.timeliness import (
    OPEN_STATUSES,
    days_overdue,
    days_overdue_sql,
    timeliness,
    timeliness_sql,
)

RESOURCE = "task"
EDITORS = (Role.office, Role.leader)
t = TASKS.c
COLUMNS = public_columns(TASKS, TaskRead)
DUE_SORT = func.coalesce(t.due_date, literal_column(f"DATE '{NO_DEADLINE}'", Date)).label(
    "due_sort"
)
PRIORITY_RANK = case((t.priority == "flash", 3), (t.priority == "urgent", 2), else_=1).label(
    "priority_rank"
)
SORT_KEYS: dict[str, ColumnElement[Any]] = {
    "due_date": DUE_SORT.element,
    "created_at": t.created_at,
    "updated_at": t.updated_at,
    "code": t.code,
    "priority": PRIORITY_RANK.element,
    "progress_percent": t.progress_percent,
}
SORT_FIELDS = {"due_date": "due_sort", "priority": "priority_rank"}
HIDDEN = {"due_sort", "priority_rank", "timeliness_sql", "days_overdue_sql"}
# Lists compute timeliness in SQL from two bound parameters, built once.
TODAY = bindparam("today", type_=Date)
SOON = bindparam("soon_days", type_=Integer)
TIMELINESS = timeliness_sql(t.status, t.due_date, t.completed_on, TODAY, SOON)
LIST_EXTRA = (
    TIMELINESS.label("timeliness_sql"),
    days_overdue_sql(t.status, t.due_date, t.completed_on, TODAY).label("days_overdue_sql"),
)


@dataclass(frozen=True)
class Day:
    """The day rules are evaluated on (today in the province, or `as_of`)."""

    today: date
    soon_days: int


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    roles: tuple[Role, ...]
    lead: bool = False  # the lead agency's own staff may also take it
    needs_comment: bool = False


TRANSITIONS: dict[str, Transition] = {
    "start": Transition(("new",), "in_progress", (Role.office,), lead=True),
    "submit": Transition(("in_progress",), "awaiting_confirmation", (Role.office,), lead=True),
    "confirm": Transition(("awaiting_confirmation",), "completed", EDITORS),
    "return": Transition(("awaiting_confirmation",), "in_progress", EDITORS, needs_comment=True),
    "pause": Transition(("new", "in_progress"), "paused", EDITORS, needs_comment=True),
    "resume": Transition(("paused",), "in_progress", EDITORS),
    "cancel": Transition(OPEN_STATUSES, "cancelled", EDITORS, needs_comment=True),
    "reopen": Transition(("completed",), "in_progress", EDITORS, needs_comment=True),
}


# --- visibility and permissions ------------------------------------------------------------


def is_lead(caller: Caller, row: Any) -> bool:
    return caller.role == Role.agency and caller.agency_id == row.lead_agency_id


def may_take(caller: Caller, action: Transition, row: Any) -> bool:
    return caller.has_role(*action.roles) or (action.lead and is_lead(caller, row))


def allowed_actions(caller: Caller, row: Any) -> list[str]:
    return list(_actions(caller.role, row.status, row.deleted_at is not None, is_lead(caller, row)))


@cache
def _actions(role: Role, status: str, deleted: bool, lead: bool) -> tuple[str, ...]:
    """What a role may do to a task in a status: the same for every row of a list, so it
    is worked out once per combination."""
    editor = role in (Role.admin, *EDITORS)
    if deleted:
        return ("restore",) if editor else ()
    actions = [
        name
        for name, action in TRANSITIONS.items()
        if status in action.sources
        and (role == Role.admin or role in action.roles or (action.lead and lead))
    ]
    if editor:
        actions += ["update", "delete"]
    return tuple(actions)


def to_body(caller: Caller, row: Any, day: Day) -> dict[str, Any]:
    body = {k: v for k, v in row._mapping.items() if k not in HIDDEN}
    body["timeliness"] = timeliness(
        row.status, row.due_date, row.completed_on, day.today, day.soon_days
    )
    body["days_overdue"] = days_overdue(row.status, row.due_date, row.completed_on, day.today)
    body["allowed_actions"] = allowed_actions(caller, row)
    return body


def list_body(caller: Caller, row: Any) -> dict[str, Any]:
    """A list row: timeliness was computed by the database with the same rule."""
    body = dict(row._mapping)
    body["timeliness"] = body.pop("timeliness_sql")
    body["days_overdue"] = body.pop("days_overdue_sql")
    body.pop("due_sort", None)
    body.pop("priority_rank", None)
    body["allowed_actions"] = allowed_actions(caller, row)
    return body


# --- loading and validation ----------------------------------------------------------------


@cache
def _load_statement(for_agency: bool, include_deleted: bool, lock: bool) -> Select[Any]:
    """Built once per shape: reusing the statement object lets SQLAlchemy reuse its cache key
    and compiled form instead of rebuilding both on every read."""
    stmt = select(*COLUMNS).where(t.id == bindparam("task_id"))
    if for_agency:
        stmt = stmt.where(TASK_VISIBILITY.bound_clause())
    if not include_deleted:
        stmt = stmt.where(t.deleted_at.is_(None))
    if lock:
        stmt = stmt.with_for_update()
    return stmt


async def load(
    conn: AsyncConnection,
    caller: Caller,
    task_id: uuid.UUID,
    *,
    lock: bool = False,
    include_deleted: bool = False,
) -> Row[Any]:
    for_agency = caller.role == Role.agency
    params: dict[str, Any] = {"task_id": task_id}
    if for_agency:
        params.update(TASK_VISIBILITY.parameters(caller))
    stmt = _load_statement(for_agency, include_deleted, lock)
    row = (await conn.execute(stmt, params)).first()
    if row is None:
        raise NotFound(f"No task with id {task_id}.")
    return row


async def check_references(
    conn: AsyncConnection,
    values: dict[str, Any],
    prefix: str = "",
    self_id: uuid.UUID | None = None,
) -> None:
    """Agencies named must exist and be active; the directive and parent must exist, and the
    parent must not be the task `self_id` or below it."""
    agency_fields: dict[str, list[uuid.UUID]] = {}
    for name in ("lead_agency_id", "assigned_by_agency_id"):
        if values.get(name) is not None:
            agency_fields[name] = [values[name]]
    if values.get("cooperating_agency_ids"):
        agency_fields["cooperating_agency_ids"] = list(values["cooperating_agency_ids"])
    await agencies.require_active(conn, {prefix + k: v for k, v in agency_fields.items()})
    if values.get("directive_id") is not None:
        directive = (
            await conn.execute(
                select(DIRECTIVES.c.status).where(
                    DIRECTIVES.c.id == values["directive_id"], DIRECTIVES.c.deleted_at.is_(None)
                )
            )
        ).first()
        if directive is None:
            raise field_error(
                prefix + "directive_id", f"no directive with id {values['directive_id']}"
            )
        if directive.status in ("closed", "withdrawn"):
            raise Conflict(f"The directive is {directive.status}; it takes no new tasks.")
    await hierarchy.check_parent(
        conn, TASKS, "task", values.get("parent_id"), self_id, prefix + "parent_id"
    )


def check_shape(values: dict[str, Any], prefix: str = "") -> None:
    """Rules across fields: deadline after assignment, lead not also cooperating."""
    due, assigned = values.get("due_date"), values.get("assigned_on")
    if due is not None and assigned is not None and due < assigned:
        raise field_error(prefix + "due_date", "must not be before assigned_on")
    cooperating = values.get("cooperating_agency_ids") or []
    if values.get("lead_agency_id") in cooperating:
        raise field_error(
            prefix + "cooperating_agency_ids", "the lead agency cannot also cooperate"
        )
    if len(set(cooperating)) != len(cooperating):
        raise field_error(prefix + "cooperating_agency_ids", "an agency is listed twice")


# --- create, read, list --------------------------------------------------------------------


async def create(
    conn: AsyncConnection,
    caller: Caller,
    data: TaskFields,
    day: Day,
    *,
    directive_id: uuid.UUID | None = None,
    proposal_id: uuid.UUID | None = None,
    prefix: str = "",
) -> dict[str, Any]:
    caller.require(*EDITORS)
    values = data.model_dump()
    if directive_id is not None:
        values["directive_id"] = directive_id
    if proposal_id is not None:
        values["proposal_id"] = proposal_id
    values["assigned_on"] = values["assigned_on"] or day.today
    values["year"] = values["year"] or values["assigned_on"].year
    check_shape(values, prefix)
    await check_references(conn, values, prefix)
    given_code = values.pop("code")
    now = utcnow()
    values.update(
        original_due_date=values["due_date"],
        status="new",
        progress_percent=0,
        created_at=now,
        updated_at=now,
    )
    plain = {k: v.value if isinstance(v, Enum) else v for k, v in values.items()}
    for _ in range(10):
        code = given_code or await codes.next_code(conn, RESOURCE, values["year"])
        params = {"id": uuid7(), "code": code, **plain}
        row = await raw_fetchrow(conn, _insert_query(tuple(params)), params)
        if row is not None:
            break
        if given_code:
            raise Conflict(
                f"A task with code '{given_code}' already exists.", field=prefix + "code"
            )
    else:  # pragma: no cover - ten imported codes in a row
        raise Conflict("Could not allocate a task code; retry.")
    recorded = {
        k: v
        for k, v in values.items()
        if v not in (None, [], False) and k not in ("created_at", "updated_at")
    }
    await history.record(
        conn, caller, RESOURCE, row.id, "created", history.diff({}, {"code": code, **recorded})
    )
    return to_body(caller, row, day)


async def get(
    conn: AsyncConnection,
    caller: Caller,
    task_id: uuid.UUID,
    day: Day,
    include_deleted: bool = False,
) -> dict[str, Any]:
    return to_body(caller, await load(conn, caller, task_id, include_deleted=include_deleted), day)


@cache
def _insert_query(keys: tuple[str, ...]) -> RawQuery:
    """INSERT … ON CONFLICT (code) DO NOTHING RETURNING, compiled once per set of columns:
    SQLAlchemy does not cache PostgreSQL-dialect inserts, and compiling this one cost 2 ms
    per creation."""
    statement = insert(TASKS).on_conflict_do_nothing(index_elements=[t.code]).returning(*COLUMNS)
    return RawQuery(statement, column_keys=list(keys), table=TASKS)


@dataclass
class TaskFilters:
    status: Sequence[str] | None = None
    timeliness: Sequence[str] | None = None
    lead_agency_id: Sequence[uuid.UUID] | None = None
    agency_id: Sequence[uuid.UUID] | None = None
    directive_id: Sequence[uuid.UUID] | None = None
    proposal_id: Sequence[uuid.UUID] | None = None
    parent_id: Sequence[uuid.UUID] | None = None
    pillar: Sequence[str] | None = None
    field: Sequence[str] | None = None
    priority: Sequence[str] | None = None
    is_key_task: bool | None = None
    year: Sequence[int] | None = None
    due_from: date | None = None
    due_to: date | None = None
    q: str | None = None


def _where(
    caller: Caller, f: TaskFilters, params: ListParams, day: Day
) -> list[ColumnElement[bool]]:
    clauses = list_clauses(
        TASKS,
        seen=TASK_VISIBILITY.clause(caller),
        include_deleted=params.include_deleted,
        any_of=(
            (f.status, t.status),
            (f.lead_agency_id, t.lead_agency_id),
            (f.directive_id, t.directive_id),
            (f.proposal_id, t.proposal_id),
            (f.parent_id, t.parent_id),
            (f.pillar, t.pillar),
            (f.field, t.field),
            (f.priority, t.priority),
            (f.year, t.year),
        ),
        q=f.q,
    )
    if f.agency_id:
        clauses.append(
            or_(
                t.lead_agency_id.in_(list(f.agency_id)),
                t.cooperating_agency_ids.overlap(list(f.agency_id)),
            )
        )
    if f.is_key_task is not None:
        clauses.append(t.is_key_task.is_(f.is_key_task))
    if f.due_from is not None:
        clauses.append(t.due_date >= f.due_from)
    if f.due_to is not None:
        clauses.append(t.due_date <= f.due_to)
    if f.timeliness:
        clauses.append(TIMELINESS.in_(list(f.timeliness)))
    return clauses


async def list_(
    conn: AsyncConnection, caller: Caller, params: ListParams, filters: TaskFilters, day: Day
) -> tuple[Page, list[dict[str, Any]]]:
    keys = parse_sort(params.sort, SORT_KEYS, "-created_at", SORT_FIELDS)
    extra = [
        timeliness_sql(t.status, t.due_date, t.completed_on, day.today, day.soon_days).label(
            "timeliness_sql"
        ),
        days_overdue_sql(t.status, t.due_date, t.completed_on, day.today).label("days_overdue_sql"),
    ]
    if any(k.name == "due_date" for k in keys):
        extra.append(DUE_SORT)
    if any(k.name == "priority" for k in keys):
        extra.append(PRIORITY_RANK)
    stmt = select(*COLUMNS, *extra).where(*_where(caller, filters, params, day))
    bind = {"today": day.today, "soon_days": day.soon_days}
    page = await fetch_page(conn, stmt, keys, t.id, params, bind)
    return page, [list_body(caller, r) for r in page.rows]


async def history_of(
    conn: AsyncConnection, caller: Caller, task_id: uuid.UUID, params: ListParams
) -> Page:
    await load(conn, caller, task_id, include_deleted=True)
    return await history.list_for(conn, RESOURCE, task_id, params)


# --- changes -------------------------------------------------------------------------------


async def _write(conn: AsyncConnection, task_id: uuid.UUID, values: dict[str, Any]) -> Row[Any]:
    return (
        await conn.execute(
            update(TASKS)
            .where(t.id == task_id)
            .values(**values, version=t.version + 1, updated_at=utcnow())
            .returning(*COLUMNS)
        )
    ).one()


async def update_(
    conn: AsyncConnection,
    caller: Caller,
    task_id: uuid.UUID,
    patch: TaskUpdate,
    if_match: Precondition,
    day: Day,
) -> dict[str, Any]:
    if "parent_id" in patch.model_fields_set:
        await hierarchy.lock_tree(conn, TASKS)
    row = await load(conn, caller, task_id, lock=True)
    if not caller.has_role(*EDITORS):
        raise Forbidden("Only the office and leaders edit tasks.")
    if_match.check(row.version)
    fields = patch.model_dump(exclude_unset=True)
    current = dict(row._mapping)
    merged = {**current, **fields}
    check_shape(merged)
    changed = {
        k: v for k, v in fields.items() if history.jsonable(v) != history.jsonable(current[k])
    }
    await check_references(conn, dict(changed), self_id=task_id)
    if "due_date" in changed and current["original_due_date"] is None:
        changed["original_due_date"] = changed["due_date"]
    changes = history.diff(current, changed)
    if not changes:
        return to_body(caller, row, day)
    updated = await _write(conn, task_id, changed)
    await history.record(conn, caller, RESOURCE, task_id, "updated", changes)
    return to_body(caller, updated, day)


async def delete(
    conn: AsyncConnection, caller: Caller, task_id: uuid.UUID, if_match: Precondition
) -> None:
    row = await load(conn, caller, task_id, lock=True)
    if not caller.has_role(*EDITORS):
        raise Forbidden("Only the office and leaders delete tasks.")
    await soft_delete.delete(conn, caller, RESOURCE, TASKS, row, if_match)


async def restore(
    conn: AsyncConnection, caller: Caller, task_id: uuid.UUID, if_match: Precondition, day: Day
) -> dict[str, Any]:
    row = await load(conn, caller, task_id, lock=True, include_deleted=True)
    if not caller.has_role(*EDITORS):
        raise Forbidden("Only the office and leaders restore tasks.")
    restored = await soft_delete.restore(
        conn, caller, RESOURCE, TASKS, row, if_match, COLUMNS, allowed_actions(caller, row)
    )
    return to_body(caller, restored, day)


async def transition(
    conn: AsyncConnection,
    caller: Caller,
    task_id: uuid.UUID,
    data: TaskTransition,
    if_match: Precondition,
    day: Day,
) -> dict[str, Any]:
    """Take one action of the lifecycle table: 403 if the caller may never take it,
    409 (with allowed_actions) if not from the current state."""
    action = TRANSITIONS.get(data.action)
    if action is None:
        raise field_error("action", f"unknown action; one of {', '.join(TRANSITIONS)}")
    row = await load(conn, caller, task_id, lock=True)
    if not may_take(caller, action, row):
        raise Forbidden(f"Role '{caller.role}' may not '{data.action}' this task.")
    if_match.check(row.version)
    if row.status not in action.sources:
        raise InvalidTransition(
            f"Cannot '{data.action}' a task that is {row.status}.",
            allowed_actions=allowed_actions(caller, row),
        )
    _require_fields(data, action)
    values: dict[str, Any] = {"status": action.target}
    if data.action == "submit":
        completed_on = data.completed_on or day.today
        if completed_on > day.today:
            raise field_error("completed_on", "cannot be in the future")
        if completed_on < row.assigned_on:
            raise field_error("completed_on", "cannot be before the task was assigned")
        values.update(completed_on=completed_on, result=data.result)
        if not row.requires_confirmation:
            values["status"] = "completed"
    if data.action in ("return", "cancel", "reopen"):
        values["completed_on"] = None
    if values["status"] == "completed":
        values["progress_percent"] = 100
    changes = history.diff(dict(row._mapping), values)
    updated = await _write(conn, task_id, values)
    await history.record(conn, caller, RESOURCE, task_id, data.action, changes, data.comment)
    return to_body(caller, updated, day)


def _require_fields(data: TaskTransition, action: Transition) -> None:
    missing = []
    if action.needs_comment and not data.comment:
        missing.append("comment")
    if data.action == "submit" and not data.result:
        missing.append("result")
    if missing:
        raise ValidationFailed(
            f"'{data.action}' needs {' and '.join(missing)}.",
            [{"field": m, "message": f"required for '{data.action}'"} for m in missing],
        )


EXPORT_HEADERS = (
    "Mã nhiệm vụ",
    "Nhiệm vụ",
    "Đơn vị chủ trì",
    "Ngày giao",
    "Hạn xử lý",
    "Trạng thái",
    "Tình trạng",
    "Số ngày quá hạn",
    "Ngày hoàn thành",
    "Tiến độ (%)",
    "Nhiệm vụ trọng tâm",
    "Trụ cột",
    "Lĩnh vực",
    "Độ khẩn",
)


def export_rows(
    engine: Any, caller: Caller, params: ListParams, filters: TaskFilters, day: Day
) -> Batched:
    """Every task the list would show (all pages), in the list's order, with the agency's name
    and Vietnamese labels: read from a server-side cursor of the driver in batches of
    EXPORT_BATCH (one consistent snapshot), each turned into rows off the event loop."""
    keys = parse_sort(params.sort, SORT_KEYS, "-created_at", SORT_FIELDS)
    stmt = (
        select(*COLUMNS, *LIST_EXTRA, AGENCIES.c.name.label("lead_name"))
        .select_from(TASKS.join(AGENCIES, AGENCIES.c.id == t.lead_agency_id))
        .where(*_where(caller, filters, params, day))
        .order_by(*(k.column.desc() if k.descending else k.column.asc() for k in keys))
    )
    sql, arguments = compile_for_driver(stmt, {"today": day.today, "soon_days": day.soon_days})

    async def batches() -> AsyncIterator[list[Any]]:
        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            async with driver.transaction(isolation="repeatable_read", readonly=True):
                cursor = await driver.cursor(sql, *arguments)
                while batch := await cursor.fetch(EXPORT_BATCH):
                    yield batch

    return Batched(batches(), _export_row)


EXPORT_BATCH = 500


def _export_row(row: Any) -> list[Any]:
    from app.enums import LABELS

    timeliness = row["timeliness_sql"]
    return [
        row["code"],
        row["title"],
        row["lead_name"],
        row["assigned_on"],
        row["due_date"],
        LABELS["task_status"][row["status"]][0],
        LABELS["timeliness"][timeliness][0] if timeliness else None,
        row["days_overdue_sql"],
        row["completed_on"],
        row["progress_percent"],
        "Có" if row["is_key_task"] else "",
        LABELS["task_pillar"][row["pillar"]][0] if row["pillar"] else None,
        row["field"],
        LABELS["task_priority"][row["priority"]][0],
    ]
