"""Frozen figures (chốt số liệu): `POST /reports/snapshots`, read back exactly as frozen, and
the drift since."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.connections import Reading, Writing
from app.api.deps import API_PREFIX, Paging, ResourceRoute, json_response, problems
from app.files import exports
from app.files.downloads_router import add_file_route
from app.reports import snapshots
from app.reports.router import DOWNLOADS, task_report_file
from app.reports.snapshot_models import Drift, SnapshotCreate, SnapshotList, SnapshotRead

router = APIRouter(
    prefix=f"{API_PREFIX}/reports/snapshots", tags=["reports"], route_class=ResourceRoute
)


@router.post(
    "",
    name="freeze",
    summary="Freeze a task report (chốt số liệu)",
    status_code=201,
    response_model=SnapshotRead,
    responses=problems(409, 413, 415),
)
async def freeze(request: Request, ctx: Writing, data: SnapshotCreate) -> Response:
    """By the office or a leader: the report is computed now and kept as it is, with the tasks
    it counted, who froze it and when. `supersedes_id` replaces an earlier snapshot (once)."""
    caller, conn = ctx.caller, ctx.conn
    state = request.app.state
    body = await snapshots.freeze(
        conn,
        caller,
        data,
        state.clock.today(),
        state.settings.due_soon_days,
        state.settings.tz,
    )
    return json_response(body, 201, {"Location": f"{request.url.path}/{body['id']}"})


@router.get(
    "",
    name="list_snapshots",
    summary="Frozen reports",
    response_model=SnapshotList,
    responses=problems(),
)
async def list_snapshots(request: Request, ctx: Reading, params: Paging) -> Response:
    """Newest first by default; each without its report (read it by id)."""
    caller, conn = ctx.caller, ctx.conn
    page = await snapshots.list_(conn, caller, params)
    body = {"items": [dict(r._mapping) for r in page.rows], "next_cursor": page.next_cursor}
    return json_response(body)


@router.get(
    "/{snapshot_id}",
    name="get_snapshot",
    summary="A frozen report, exactly as frozen",
    response_model=SnapshotRead,
    responses={**problems(404), **DOWNLOADS},
)
async def get_snapshot(
    request: Request,
    snapshot_id: uuid.UUID,
    ctx: Reading,
) -> Response:
    """JSON, or with `Accept` for CSV or xlsx the frozen report as the office files it."""
    caller, conn = ctx.caller, ctx.conn
    body = await snapshots.get(conn, caller, snapshot_id)
    kind = exports.wanted(request)
    if kind is None:
        return json_response(body)
    state = request.app.state
    query = snapshots.query(
        body["params"], state.clock.today(), state.settings.due_soon_days, state.settings.tz
    )
    return task_report_file(request, kind, body["report"], query, body["created_at"].date())


add_file_route(
    router,
    get_snapshot,
    name="download_snapshot",
    summary="A frozen report as a CSV or xlsx file",
    responses=problems(404),
)


@router.get(
    "/{snapshot_id}/drift",
    name="snapshot_drift",
    summary="What moved since a report was frozen",
    response_model=Drift,
    responses=problems(404),
)
async def snapshot_drift(
    request: Request,
    snapshot_id: uuid.UUID,
    ctx: Reading,
) -> Response:
    """The tasks whose figures differ from a recomputation today (group, timeliness, period
    marks), each with the history entries written since the snapshot: which change, by whom."""
    caller, conn = ctx.caller, ctx.conn
    state = request.app.state
    return json_response(
        await snapshots.drift(
            conn,
            caller,
            snapshot_id,
            state.clock.today(),
            state.settings.due_soon_days,
            state.settings.tz,
        )
    )
