"""The raw baseline: the same SQL and the same JSON as the service's endpoints, with
Starlette, asyncpg and orjson only — prepared statements, no ORM, no auth, no framework
dependencies, and no reset query when a connection goes back to the pool.

Run: DATABASE_URL=postgresql://… uvicorn bench.baseline:app --port 8102
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.tasks.timeliness import days_overdue, timeliness
from bench import resources

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
COLUMNS = (
    "id, code, title, description, expected_output, year, directive_id, proposal_id, parent_id,"
    " is_key_task, pillar, field, priority, lead_agency_id, cooperating_agency_ids,"
    " assigned_by_agency_id, assigned_by_name, assigned_by_title, assigned_on, due_date,"
    " original_due_date, recurrence, requires_confirmation, status, completed_on, paused_on,"
    " cancelled_on, missed_due_date, result, progress_percent, version, created_at, updated_at,"
    " deleted_at"
)
# The service's rule (app/tasks/timeliness.py), by hand.
TIMELINESS = """
  CASE WHEN st = 'completed' THEN
         CASE WHEN coalesce(missed_due_date, due_date) IS NULL THEN 'completed_no_deadline'
              WHEN completed_on IS NOT NULL AND completed_on <= coalesce(missed_due_date, due_date)
                THEN 'completed_on_time'
              ELSE 'completed_late' END
       WHEN st = 'awaiting_confirmation' THEN 'awaiting_confirmation'
       WHEN st = 'paused' THEN 'paused'
       WHEN st NOT IN ('new','in_progress') THEN NULL
       WHEN due_date IS NULL THEN 'no_deadline'
       WHEN due_date < $T THEN 'overdue'
       WHEN due_date - $T <= 3 THEN 'due_soon'
       ELSE 'on_track' END AS timeliness,
  CASE WHEN st = 'completed' THEN
         CASE WHEN completed_on > coalesce(missed_due_date, due_date)
              THEN completed_on - coalesce(missed_due_date, due_date) END
       WHEN due_date IS NULL THEN NULL
       WHEN st = 'paused' AND least(coalesce(paused_on, $T), $T) > due_date
            THEN least(coalesce(paused_on, $T), $T) - due_date
       WHEN st IN ('new','in_progress') AND due_date < $T THEN $T - due_date END AS days_overdue
"""
STATUS_AS_OF = (
    "CASE WHEN status IN ('completed', 'awaiting_confirmation') AND completed_on > $T"
    " THEN 'in_progress' WHEN status = 'paused' AND paused_on > $T THEN 'in_progress'"
    " WHEN status = 'cancelled' AND cancelled_on > $T THEN 'in_progress' ELSE status END"
)


def _list_sql(where: str, order: str, today_param: int) -> str:
    t = f"${today_param}::date"
    return (
        f"SELECT {COLUMNS}, {TIMELINESS.replace('$T', t)} FROM "
        f"(SELECT *, {STATUS_AS_OF.replace('$T', t)} AS st FROM tasks WHERE {where}) AS x "
        f"ORDER BY {order} LIMIT 51"
    )


GET_ONE = f"SELECT {COLUMNS} FROM tasks WHERE id = $1 AND deleted_at IS NULL"
BY_LEAD = _list_sql(
    "lead_agency_id = $1 AND status = $2 AND deleted_at IS NULL",
    "coalesce(due_date, DATE '9999-01-01'), id",
    3,
)
SEARCH = _list_sql(
    "search @@ to_tsquery('simple', $1) AND deleted_at IS NULL", "created_at DESC, id DESC", 2
)
NEXT_CODE = "SELECT nextval('code_nv_2026')"
AGENCY_OK = "SELECT id FROM agencies WHERE id = ANY($1::uuid[]) AND status = 'active' AND deleted_at IS NULL"
INSERT = (
    "INSERT INTO tasks (id, code, title, year, lead_agency_id, cooperating_agency_ids, assigned_on,"
    " due_date, original_due_date, status, progress_percent, priority, recurrence,"
    " requires_confirmation, is_key_task, version, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, '{}', $6, $7, $7, 'new', 0, 'normal', 'none', true, false, 1, $8, $8)"
    f" ON CONFLICT (code) DO NOTHING RETURNING {COLUMNS}"
)
HISTORY = (
    "INSERT INTO history (id, resource_type, resource_id, action, actor_role, changes, occurred_at)"
    " VALUES ($1, 'task', $2, $3, 'admin', $4, $5)"
)
LOCK = f"SELECT {COLUMNS} FROM tasks WHERE id = $1 AND deleted_at IS NULL FOR UPDATE"
TRANSITION = (
    "UPDATE tasks SET status = $2, paused_on = $4, version = version + 1, updated_at = $3"
    f" WHERE id = $1 RETURNING {COLUMNS}"
)


def _today() -> date:
    return datetime.now(UTC).astimezone(TZ).date()


def _default(value: object) -> object:
    return str(value)


def _body(row: asyncpg.Record, today: date) -> dict[str, object]:
    body = dict(row)
    task = SimpleNamespace(**body)
    body["timeliness"] = timeliness(task, today, 3)
    body["days_overdue"] = days_overdue(task, today)
    body["allowed_actions"] = _actions(row["status"])
    return body


def _actions(status: str) -> list[str]:
    by_status = {
        "new": ["start", "pause", "cancel"],
        "in_progress": ["submit", "pause", "cancel"],
        "awaiting_confirmation": ["confirm", "return", "cancel"],
        "paused": ["resume", "cancel"],
        "completed": ["reopen"],
        "cancelled": [],
    }
    return [*by_status[status], "update", "delete"]


def _json(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body, default=_default), status, media_type="application/json")


async def get_task(request: Request) -> Response:
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow(GET_ONE, uuid.UUID(request.path_params["task_id"]))
    if row is None:
        return _json({"status": 404}, 404)
    return _json(_body(row, _today()))


def _list_body(rows: list[asyncpg.Record]) -> dict[str, object]:
    items = []
    for row in rows[:50]:
        body = dict(row)
        body["allowed_actions"] = _actions(row["status"])
        items.append(body)
    return {"items": items, "next_cursor": "x" if len(rows) > 50 else None}


async def list_tasks(request: Request) -> Response:
    params = request.query_params
    today = _today()
    async with request.app.state.pool.acquire() as conn:
        if "q" in params:
            query = " & ".join(f"{w}:*" for w in params["q"].split())
            rows = await conn.fetch(SEARCH, query, today)
        else:
            rows = await conn.fetch(
                BY_LEAD, uuid.UUID(params["lead_agency_id"]), params["status"], today
            )
    return _json(_list_body(rows))


async def create_task(request: Request) -> Response:
    data = orjson.loads(await request.body())
    now = datetime.now(UTC)
    today = _today()
    lead = uuid.UUID(data["lead_agency_id"])
    due = date.fromisoformat(data["due_date"]) if data.get("due_date") else None
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        if await conn.fetchval(AGENCY_OK, [lead]) is None:
            return _json({"status": 422}, 422)
        number = await conn.fetchval(NEXT_CODE)
        row = await conn.fetchrow(
            INSERT,
            uuid.uuid4(),
            f"NV-2026-{number:05d}",
            data["title"],
            today.year,
            lead,
            today,
            due,
            now,
        )
        changes = orjson.dumps({"title": {"old": None, "new": data["title"]}}).decode()
        await conn.execute(HISTORY, uuid.uuid4(), row["id"], "created", changes, now)
    return _json(_body(row, today), 201)


async def transition(request: Request) -> Response:
    data = orjson.loads(await request.body())
    task_id = uuid.UUID(request.path_params["task_id"])
    now = datetime.now(UTC)
    targets = {"pause": ("in_progress", "new"), "resume": ("paused",), "start": ("new",)}
    target = {"pause": "paused", "resume": "in_progress", "start": "in_progress"}[data["action"]]
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(LOCK, task_id)
        if row is None:
            return _json({"status": 404}, 404)
        if row["status"] not in targets[data["action"]]:
            return _json({"status": 409, "allowed_actions": _actions(row["status"])}, 409)
        paused_on = _today() if target == "paused" else None
        updated = await conn.fetchrow(TRANSITION, task_id, target, now, paused_on)
        changes = orjson.dumps({"status": {"old": row["status"], "new": target}}).decode()
        await conn.execute(HISTORY, uuid.uuid4(), task_id, data["action"], changes, now)
    return _json(_body(updated, _today()))


async def _no_reset(conn: asyncpg.Connection) -> None:
    return None


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    dsn = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    size = int(os.environ.get("BENCH_POOL_SIZE", "10"))  # per process, as the service's
    # Behind PgBouncer in transaction mode (run.py --pooler), as the service: no named statements.
    cache = {"statement_cache_size": 0} if os.environ.get("BENCH_POOLER") else {}
    app.state.pool = await asyncpg.create_pool(
        dsn, min_size=size, max_size=size, reset=_no_reset, **cache
    )
    yield
    await app.state.pool.close()


app = Starlette(
    routes=[
        Route("/api/v1/tasks", list_tasks, methods=["GET"]),
        Route("/api/v1/tasks", create_task, methods=["POST"]),
        Route("/api/v1/tasks/{task_id}", get_task, methods=["GET"]),
        Route("/api/v1/tasks/{task_id}/transitions", transition, methods=["POST"]),
        # The other resources: the service's own statements, replayed (bench/resources.py).
        *(
            resources.replay_routes(os.environ["BENCH_SAME_SQL"], _json)
            if os.environ.get("BENCH_SAME_SQL")
            else []
        ),
    ],
    lifespan=lifespan,
)
