"""Task lists: filters, sort keys, timeliness computed in SQL, and every matching task as a
download (API.md §4 filters)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Date,
    Integer,
    String,
    Uuid,
    any_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnElement

from app.access import permissions
from app.access.auth import Caller
from app.core.day import Day
from app.db import CUSTOM_PLAN, Reader
from app.errors.domain import field_error
from app.kernel.filters import ListShape, bound_filters, filter_clauses
from app.kernel.listing import (
    ListParams,
    Page,
    PagePlan,
    Shapes,
    any_of_bound,
    any_of_slots,
    any_of_values,
    fetch_planned,
    page_plan,
    parse_sort,
)
from app.tasks import as_of as task_as_of
from app.tasks.models import NO_DEADLINE, TASKS
from app.tasks.service import COLUMNS, RESOURCE
from app.tasks.spec import TASK_VISIBILITY
from app.tasks.timeliness import days_overdue_sql, timeliness_sql

t = TASKS.c
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
# Lists compute timeliness in SQL from two bound parameters, built once.
TODAY = bindparam("today", type_=Date)
SOON = bindparam("soon_days", type_=Integer)
TIMELINESS = timeliness_sql(t, TODAY, SOON)
LIST_EXTRA = (
    TIMELINESS.label("timeliness_sql"),
    days_overdue_sql(t, TODAY).label("days_overdue_sql"),
)


def list_body(
    caller: Caller, row: Any, cutoff: datetime | None = None, names: bool = False
) -> dict[str, Any]:
    """A list row: timeliness was computed by the database with the same rule; a page works
    out the deletion cutoff once for its rows. `names`: the row's keys are SQLAlchemy's names
    of a subquery's columns (a str subclass, which orjson refuses), made plain strings."""
    body = {str(k): v for k, v in row._mapping.items()} if names else dict(row._mapping)
    body["timeliness"] = body.pop("timeliness_sql")
    body["days_overdue"] = body.pop("days_overdue_sql")
    body.pop("due_sort", None)
    body.pop("priority_rank", None)
    body.pop("has_activity", None)
    body["allowed_actions"] = permissions.allowed_actions(caller, RESOURCE, row, cutoff)
    return body


@dataclass(kw_only=True)
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
    lead_official_id: Sequence[uuid.UUID] | None = None
    division_id: Sequence[uuid.UUID] | None = None
    # A leader's portfolio (`portfolio=me`): tasks in these fields or of these lead agencies.
    portfolio: tuple[Sequence[str], Sequence[uuid.UUID]] | None = None


# The filters of a task list that hold values: (name, column); a repeated parameter is OR.
ANY_OF = (
    ("status", t.status),
    ("lead_agency_id", t.lead_agency_id),
    ("directive_id", t.directive_id),
    ("proposal_id", t.proposal_id),
    ("parent_id", t.parent_id),
    ("lead_official_id", t.lead_official_id),
    ("pillar", t.pillar),
    ("field", t.field),
    ("priority", t.priority),
    ("year", t.year),
)
SHAPES = Shapes()


async def for_me(
    conn: Reader,
    caller: Caller,
    f: TaskFilters,
    assignee: str | None,
    portfolio: str | None,
) -> TaskFilters:
    """`assignee=me` and `portfolio=me` read as the caller's official: tasks it is the focal
    official of, and tasks in the fields or of the agencies of its portfolio (a leader's)."""
    from app.people.models import OFFICIALS

    if caller.official_id is None:
        raise field_error(
            "assignee" if assignee else "portfolio",
            "'me' needs a credential linked to an official (API key official_id or OIDC subject)",
        )
    me = caller.official_id
    if assignee:
        given = f.lead_official_id
        f = replace(f, lead_official_id=[me] if not given else [o for o in given if o == me])
        if not f.lead_official_id:
            f = replace(f, lead_official_id=[uuid.UUID(int=0)])  # nothing matches both
    if portfolio:
        o = OFFICIALS.c
        row = (
            await conn.execute(select(o.portfolio_fields, o.portfolio_agency_ids).where(o.id == me))
        ).one()
        f = replace(f, portfolio=(list(row.portfolio_fields), list(row.portfolio_agency_ids)))
    return f


class Shape(NamedTuple):
    """Which of a task list's filters a request gives (their values are bound apart): the
    filters every list shares, and the task list's own."""

    shared: ListShape  # visibility, deleted rows, the ANY_OF filters, the search
    agency: bool
    key_task: bool | None
    due_from: bool
    due_to: bool
    timeliness: int  # bound values, as the ANY_OF filters
    divisions: bool
    portfolio: bool
    as_of: bool  # a list as of a day: tasks assigned after it are left out


def bound(
    caller: Caller, f: TaskFilters, params: ListParams, day: Day, as_of: bool = False
) -> tuple[Shape, dict[str, Any]]:
    """The request's shape (which filters it gives, with what sort) and its values, bound by
    name: the statement of a shape is built once (`where`)."""
    shared, values = bound_filters(
        caller,
        TASK_VISIBILITY,
        params.include_deleted,
        [(name, getattr(f, name)) for name, _ in ANY_OF],
        f.q,
    )
    values |= {"today": day.today, "soon_days": day.soon_days}
    if f.agency_id:
        values["f_agency_id"] = list(f.agency_id)
    if f.division_id:
        values["f_division_id"] = list(f.division_id)
    if f.portfolio is not None:
        values["p_fields"] = list(f.portfolio[0])
        values["p_agencies"] = list(f.portfolio[1])
    if f.due_from is not None:
        values["due_from"] = f.due_from
    if f.due_to is not None:
        values["due_to"] = f.due_to
    values.update(any_of_values("f_timeliness", f.timeliness or ()))
    shape = Shape(
        shared,
        bool(f.agency_id),
        f.is_key_task,
        f.due_from is not None,
        f.due_to is not None,
        any_of_slots(len(f.timeliness or ())),
        bool(f.division_id),
        f.portfolio is not None,
        as_of,
    )
    return shape, values


def where(shape: Shape) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a shape, every value a bound parameter (named as in `bound`)."""
    clauses = filter_clauses(TASKS, TASK_VISIBILITY, shape.shared, ANY_OF)
    if shape.agency:
        agencies = bindparam("f_agency_id", type_=ARRAY(Uuid()))
        clauses.append(TASK_VISIBILITY.involving(agencies))
    if shape.divisions:
        clauses.append(t.division_ids.overlap(bindparam("f_division_id", type_=ARRAY(Uuid()))))
    if shape.portfolio:
        clauses.append(
            or_(
                t.field == any_(bindparam("p_fields", type_=ARRAY(String()))),
                t.lead_agency_id == any_(bindparam("p_agencies", type_=ARRAY(Uuid()))),
            )
        )
    if shape.key_task is not None:
        clauses.append(t.is_key_task.is_(shape.key_task))
    if shape.due_from:
        clauses.append(t.due_date >= bindparam("due_from", type_=Date))
    if shape.due_to:
        clauses.append(t.due_date <= bindparam("due_to", type_=Date))
    if shape.timeliness:
        clauses.append(any_of_bound(TIMELINESS, "f_timeliness", shape.timeliness))
    if shape.as_of:
        clauses.append(t.assigned_on <= TODAY)
    return clauses


def as_it_stood(stmt: Any, cut: datetime) -> Any:
    """The statement over the tasks as they stood just before `cut` (app/tasks/as_of.py) —
    their deadlines, agencies, statuses and completions of that day, as the reports count
    them: every reference to `tasks` and its columns replaced (SQLAlchemy's public
    `replacement_traverse`)."""
    src = task_as_of.tasks_as_of(cut)

    def swap(element: Any, **_: Any) -> Any:
        if element is TASKS:
            return src
        if isinstance(element, Column) and element.table is TASKS:
            return src.c[element.name]
        return None

    return visitors.replacement_traverse(stmt, {}, swap)


def _plan(shape: Shape, sort: str | None, cursor: bool, count: bool) -> PagePlan:
    keys = parse_sort(sort, SORT_KEYS, "-created_at", SORT_FIELDS)
    # The rule's expressions are built once (LIST_EXTRA) with the day bound as a parameter:
    # the statement is the same from day to day.
    extra = list(LIST_EXTRA)
    if any(k.name == "due_date" for k in keys):
        extra.append(DUE_SORT)
    if any(k.name == "priority" for k in keys):
        extra.append(PRIORITY_RANK)
    stmt = select(*COLUMNS, *extra).where(*where(shape))
    if shape.shared.q:
        # Planned for its words at each execution (app/db/reads.py: CUSTOM_PLAN): the generic
        # plan of a search scans in the sort's order, hundreds of times slower for rare words.
        stmt = stmt.execution_options(**{CUSTOM_PLAN: True})
    return page_plan(stmt, keys, t.id, cursor, count)


async def list_(
    conn: Reader,
    caller: Caller,
    params: ListParams,
    filters: TaskFilters,
    day: Day,
    cut: datetime | None = None,
) -> tuple[Page, list[dict[str, Any]]]:
    """A page of tasks: the statement of the request's shape (built once), its values bound.
    As of a past day (`cut`: the end of it) the tasks are read as they stood then, when any
    changed since."""
    shape, values = bound(caller, filters, params, day, as_of=cut is not None)
    key = (shape, params.sort, bool(params.cursor), params.count)  # `cursor=` is no cursor
    plan = SHAPES.get(key, lambda: _plan(shape, params.sort, key[2], params.count))
    then = cut is not None and await task_as_of.changed_since(conn, cut)
    if then:
        assert cut is not None
        count = None if plan.count is None else as_it_stood(plan.count, cut)
        plan = PagePlan(plan.keys, as_it_stood(plan.page, cut), count)
    page = await fetch_planned(conn, plan, params, values)
    cutoff = permissions.deletion_cutoff()
    return page, [list_body(caller, r, cutoff, names=then) for r in page.rows]
