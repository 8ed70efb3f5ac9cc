"""Operations: liveness, readiness, metrics, offline API documentation."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from app.db.migrate import current_revision
from app.errors import problems
from app.errors.domain import NotFound, problem_response
from app.serving import DRAINING

router = APIRouter(tags=["operations"])
STATIC_DIR = Path(fastapi_offline.__file__).parent / "static"


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]


@router.get("/problems", name="problem_kinds", summary="Error catalogue")
async def problem_kinds() -> list[problems.Kind]:
    """Every `code` an error answer can carry (docs/errors.md)."""
    return list(problems.KINDS)


@router.get(
    "/problems/{code}",
    name="problem_kind",
    summary="What an error means",
    response_class=HTMLResponse,
    responses={404: {"description": "No such kind of error"}},
)
async def problem_kind(code: str) -> HTMLResponse:
    """The page a problem's `type` (`/problems/{code}`) resolves to."""
    kind = problems.BY_CODE.get(code)
    if kind is None:
        raise NotFound(f"No kind of error is called '{code}'; GET /problems lists them.")
    return HTMLResponse(problems.page(kind))


@router.get("/healthz", name="healthz", summary="Liveness")
async def healthz() -> Health:
    """The process is alive (does not touch the database)."""
    return Health(status="ok")


@router.get(
    "/readyz",
    name="readyz",
    summary="Readiness",
    responses={
        200: {"model": Ready, "description": "Ready"},
        503: {
            "description": "Database unreachable, schema not at the latest migration, or the "
            "attachments' store cannot take files"
        },
    },
)
async def readyz(request: Request) -> Response:
    """Ready when the database answers, its schema is at the latest migration, and the
    attachments' store can take a file of the largest accepted size."""
    if DRAINING.is_set():
        return problem_response(
            request.url.path, 503, "not-ready", "Not ready", "The process is shutting down."
        )
    expected: str = request.app.state.head_revision
    try:
        async with asyncio.timeout(5):
            current = await current_revision(request.app.state.engine)
    except Exception as exc:  # any failure means not ready
        return problem_response(
            request.url.path,
            503,
            "not-ready",
            "Not ready",
            f"Database check failed: {type(exc).__name__}",
        )
    if current != expected:
        return problem_response(
            request.url.path,
            503,
            "not-ready",
            "Not ready",
            f"Schema at revision {current}, expected {expected}; run `dondoc migrate`.",
        )
    state = request.app.state
    refusal = state.file_store.can_take(state.settings.max_upload_bytes)
    if refusal is not None:
        return problem_response(
            request.url.path,
            503,
            "not-ready",
            "Not ready",
            f"The attachments' store cannot take files: {refusal}.",
        )
    return Response(b'{"status":"ready"}', media_type="application/json")


@router.get("/metrics", name="metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Request counts and latencies by route and status, and database pool gauges."""
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )


@router.get("/docs", include_in_schema=False)
async def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Đôn đốc API",
        swagger_js_url="/static/docs/swagger-ui-bundle.js",
        swagger_css_url="/static/docs/swagger-ui.css",
        swagger_favicon_url="/static/docs/favicon.png",
    )


@router.get("/redoc", include_in_schema=False)
async def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="Đôn đốc API",
        redoc_js_url="/static/docs/redoc.standalone.js",
        redoc_favicon_url="/static/docs/favicon.png",
        with_google_fonts=False,
    )
