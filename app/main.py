"""create_app(): lifespan, error handlers, middleware, routers, OpenAPI metadata."""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute, APIRouter
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncEngine

from app.access.auth import FailedSignIns, KeyCache, RateLimiter
from app.access.oidc import Verifier
from app.admin import service as api_keys_service
from app.admin.ops_router import STATIC_DIR
from app.api import idempotency, openapi
from app.api.metrics import Metrics
from app.api.middleware import RequestGuard
from app.core.clock import Clock
from app.core.config import Settings, check_production, get_settings
from app.db import ReadDB, ReplicaDB, create_engine, normalise_url, resolve_database_url
from app.db.migrate import head_revision
from app.errors import domain as errors
from app.files.downloads import DownloadGate
from app.files.storage import LocalFileStore
from app.registry import SECTIONS
from app.worker import delivery_loop, mail_loop, scheduler_loop

log = logging.getLogger("dondoc")
SWITCH_INTERVAL_SECONDS = 0.001

DESCRIPTION = """
Đôn đốc tracks what the leaders of a provincial People's Committee decide and whether it gets
done: directives, the tasks they assign, progress, proposals and budget requests.

Every endpoint under `/api/v1` needs `Authorization: Bearer <API key>`. Errors are RFC 9457
`application/problem+json`. Lists are cursor-paginated. Changes need `If-Match`; creates accept
`Idempotency-Key`.
"""


def _operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


async def _start_up(engine: AsyncEngine, settings: Settings) -> None:
    """The bootstrap admin key, and idempotency records past their 24 hours removed."""
    try:
        async with engine.begin() as conn:
            if settings.bootstrap_admin_key:
                await api_keys_service.ensure_bootstrap_key(conn, settings.bootstrap_admin_key)
            purged = await idempotency.purge_expired(conn)
        if purged:
            log.info("removed %d expired idempotency records", purged)
    except api_keys_service.RevokedBootstrapKey as exc:
        log.critical("refusing to start: %s", exc)
        raise
    except Exception as exc:
        if not errors.is_db_unavailable(exc):
            raise
        # Start anyway: /readyz reports the outage and requests answer 503 until it ends.
        log.warning("database unavailable at start-up: %r", exc)


def _lifespan(
    settings: Settings, database_url: str | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Pools opened at start-up and closed at shutdown; the background work when asked."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The export thread (app/files/exports.py) and the event loop share the interpreter: a
        # thread waiting for it waits up to one switch interval, and a request waits several
        # times. 1 ms instead of Python's 5 ms keeps /healthz p99 within 50 ms while four
        # workbooks are built (bench/README.md).
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        url = database_url or await asyncio.to_thread(resolve_database_url, settings)
        assert url
        await _open_pools(app, url, settings)
        await _start_up(app.state.engine, settings)
        stop = asyncio.Event()
        background = (
            [
                asyncio.create_task(
                    scheduler_loop(app.state.engine, app.state.clock, settings, stop)
                ),
                asyncio.create_task(delivery_loop(app.state.engine, settings, stop)),
                asyncio.create_task(mail_loop(app.state.engine, settings, stop)),
            ]
            if settings.worker
            else []
        )
        try:
            yield
        finally:
            stop.set()
            # In-flight deliveries finish (each is bounded by its 10 s timeout).
            await asyncio.gather(*background)
            await app.state.engine.dispose()
            await app.state.read_db.close()
            if app.state.replica_db is not None:
                await app.state.replica_db.close()
            await app.state.download_engine.dispose()

    return lifespan


async def _open_pools(app: FastAPI, url: str, settings: Settings) -> None:
    """The engines: writes, reads (credential look-ups among them) and searches, the
    replica's reads when there is one, downloads."""
    app.state.engine = create_engine(url, settings)
    app.state.read_engine = create_engine(url, settings, autocommit=True)
    app.state.search_engine = create_engine(
        url,
        settings,
        autocommit=True,
        pool_size=max(2, settings.db_pool_size // 2),
        custom_plans=True,
    )
    app.state.read_db = ReadDB(app.state.read_engine, app.state.search_engine)
    app.state.replica_db = _replica(settings, app.state.read_db)
    # Autocommit: a streamed download opens its own read-only transaction; on the replica,
    # when there is one (and a 503 while it is away).
    replica = settings.read_database_url
    app.state.download_engine = create_engine(
        normalise_url(replica) if replica else url,
        settings,
        autocommit=True,
        pool_size=settings.downloads_max,
    )
    app.state.download_db = ReadDB(app.state.download_engine)


def _replica(settings: Settings, primary: ReadDB) -> ReplicaDB | None:
    """The reads of lists and reports on the streaming replica, when there is one."""
    if not settings.read_database_url:
        return None
    url = normalise_url(settings.read_database_url)
    return ReplicaDB(
        create_engine(url, settings, autocommit=True),
        primary,
        custom_engine=create_engine(
            url,
            settings,
            autocommit=True,
            pool_size=max(2, settings.db_pool_size // 2),
            custom_plans=True,
        ),
    )


OPENAPI_TAGS = [{"name": s.tag, "description": s.description} for s in SECTIONS]


# What an API route is made of, as `APIRouter.add_api_route` takes it.
_ROUTE_OPTIONS = (
    "response_model",
    "status_code",
    "tags",
    "dependencies",
    "summary",
    "description",
    "response_description",
    "responses",
    "deprecated",
    "name",
    "methods",
    "operation_id",
    "response_model_include",
    "response_model_exclude",
    "response_model_by_alias",
    "response_model_exclude_unset",
    "response_model_exclude_defaults",
    "response_model_exclude_none",
    "include_in_schema",
    "response_class",
    "callbacks",
    "openapi_extra",
    "strict_content_type",
    "max_body_size",
)


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """The router's routes made again on the app's own router, one flat list (as
    `include_router` did before FastAPI 0.137). An included router is matched through a tree
    that scans every route of every router with bookkeeping per route: about 60 % of a
    request that needs no database (bench/README.md, "One road")."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r}: only API routes are added to the app")
        options = {name: getattr(route, name) for name in _ROUTE_OPTIONS}
        app.router.add_api_route(
            route.path, route.endpoint, route_class_override=type(route), **options
        )


def create_app(settings: Settings | None = None, database_url: str | None = None) -> FastAPI:
    settings = settings or get_settings()
    check_production(settings)

    app = FastAPI(
        title="Đôn đốc",
        version="1.0.0",
        summary="Follow-up of a provincial People's Committee's directives and tasks",
        description=DESCRIPTION,
        lifespan=_lifespan(settings, database_url),
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=_operation_id,
        openapi_tags=OPENAPI_TAGS,
    )
    _set_state(app, settings)
    errors.install(app)
    openapi.install(app)
    for section in SECTIONS:
        for module in section.routers:
            add_routes(app, importlib.import_module(module).router)
    app.mount("/static/docs", StaticFiles(directory=STATIC_DIR), name="docs-assets")
    _add_cors(app, settings)
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        metrics=app.state.metrics,
        access_log=settings.access_log,
    )
    return app


def _set_state(app: FastAPI, settings: Settings) -> None:
    """What requests share in this process, besides the pools."""
    app.state.settings = settings
    app.state.key_cache = KeyCache(ttl=settings.api_key_cache_seconds)
    app.state.clock = Clock(settings.tz)
    app.state.oidc = Verifier(settings)
    app.state.download_gate = DownloadGate(
        settings.downloads_max, settings.downloads_per_credential
    )
    app.state.failed_sign_ins = (
        FailedSignIns(settings.auth_failures_per_minute)
        if settings.auth_failures_per_minute
        else None
    )
    app.state.rate_limiter = (
        RateLimiter(settings.rate_limit_per_minute) if settings.rate_limit_per_minute else None
    )
    app.state.file_store = LocalFileStore(settings.files_root)
    app.state.head_revision = head_revision()
    app.state.metrics = Metrics(app.state)


def _add_cors(app: FastAPI, settings: Settings) -> None:
    """CORS only for the origins listed in DONDOC_CORS_ORIGINS."""
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "PATCH", "DELETE"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-Match",
            "Idempotency-Key",
            "X-Request-ID",
        ],
        expose_headers=[
            "ETag",
            "Location",
            "Link",
            "X-Request-ID",
            "Idempotent-Replayed",
            "Retry-After",
        ],
    )
