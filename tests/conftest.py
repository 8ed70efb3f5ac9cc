"""Test harness: a real PostgreSQL (TEST_DATABASE_URL, or an embedded one), one fresh database
per test session (per xdist worker) migrated once, the app called over HTTP through
ASGITransport, and every table emptied after each test.

Embedded, each xdist worker has a server of its own (DONDOC_DATA_DIR/test-gw0, …, kept between
runs). On TEST_DATABASE_URL the workers share that server; the change feed shows an event once
every older transaction *of the server* has ended (app/integration/events.py), so there a test
marked `feed` runs while no other worker runs a test: it takes a lock of the run exclusively,
every other test takes it shared."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app import tables as models  # noqa: F401  (importing it registers every table)

# Stored documents of the tests (and of the demo they load) go to a directory of their own.
os.environ.setdefault("DONDOC_FILES_DIR", tempfile.mkdtemp(prefix="dondoc-test-files-"))
from app.access.auth import Caller
from app.admin import service as api_keys
from app.api.openapi_contract import history_actions
from app.core.clock import Clock, FixedClock
from app.core.config import Settings, get_settings
from app.core.enums import Role
from app.db import normalise_url, pooled_connect_args
from app.db.migrate import upgrade
from app.kernel import codes
from app.kernel.schemas import metadata
from app.main import create_app

BOOTSTRAP_KEY = "ddk_test_bootstrap_admin_key_0123456789"


def _asyncpg_args(url: str) -> dict[str, Any]:
    """A harness connection's arguments. No named statements: behind PgBouncer in transaction
    mode each query may reach another server session, where a name of the driver's is taken."""
    u = make_url(url)
    args: dict[str, Any] = {
        "user": u.username,
        "database": u.database,
        "statement_cache_size": 0,
    }
    if u.password:
        args["password"] = u.password
    if u.host:
        args["host"] = u.host
    elif "host" in u.query:
        args["host"] = u.query["host"]
    if u.port:
        args["port"] = u.port
    return args


def shared_server() -> bool:
    """Whether the workers of this run share one PostgreSQL server (TEST_DATABASE_URL)."""
    return bool(os.environ.get("TEST_DATABASE_URL"))


def server_url() -> str:
    """The test server: TEST_DATABASE_URL's, or an embedded one of this xdist worker's own."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        return normalise_url(base)
    from app.db.embedded import embedded_database_url

    data_dir = Path(os.environ.get("DONDOC_DATA_DIR", ".dondoc"))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        data_dir = data_dir / f"test-{worker}"
    return embedded_database_url(data_dir, "postgres")


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a fresh database on the test server, migrated to the latest revision (made and
    dropped in a shared turn of the server, so never while a `feed` test runs)."""
    server = server_url()
    name = f"dondoc_test_{uuid.uuid4().hex[:10]}"

    async def create() -> None:
        conn = await asyncpg.connect(**_asyncpg_args(server))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
            # No test stops this server under its sessions (those that crash or hang a
            # server run one of their own, tests/faults.py): a commit need not wait for
            # the disk here.
            await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        finally:
            await conn.close()

    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    with _shared_turn(request.config):
        asyncio.run(create())
        upgrade(url)
    yield url

    async def drop() -> None:
        conn = await asyncpg.connect(**_asyncpg_args(server))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    with _shared_turn(request.config):
        asyncio.run(drop())


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    """A directory of the test's own, outside pytest's `/tmp/pytest-of-<user>`: every pytest
    session starting on the machine makes that one private again (mode 0700), and an embedded
    PostgreSQL inside it, run as its own system user when the tests run as root, then loses
    the way to its files mid-start ("could not open file …/pg_control: Permission denied")."""
    parent = Path(tempfile.gettempdir()) / f"dondoc-tests-{os.getuid()}"
    parent.mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=parent))
    yield path
    from app.db import embedded

    # An embedded server the test started in it stops before its files go.
    inside = {d for d in embedded.joined() if path in d.resolve().parents}
    if inside:
        embedded.release(keep=embedded.joined() - inside)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        files_dir=tmp_path_factory.mktemp("files"),
        bootstrap_admin_key=BOOTSTRAP_KEY,
        api_key_cache_seconds=30,
        rate_limit_per_minute=0,
        auth_failures_per_minute=0,  # tests/test_auth.py tests the limit on an app of its own
    )


@pytest.fixture(scope="session")
async def app(database_url: str, settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, database_url=database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def engine(app: FastAPI) -> AsyncEngine:
    engine: AsyncEngine = app.state.engine
    return engine


TABLES = ", ".join(metadata.tables)
DROP_CODE_SEQUENCES = """
DO $$ DECLARE s record; BEGIN
  FOR s IN SELECT sequencename FROM pg_sequences WHERE sequencename LIKE 'code\\_%' LOOP
    EXECUTE format('DROP SEQUENCE %I', s.sequencename);
  END LOOP;
END $$"""


def _take(path: Path, exclusive: bool) -> IO[str]:
    """The run's readers-writer lock over the server, through a turnstile: a waiting `feed`
    test holds the turnstile, so tests starting after it wait behind it."""
    with open(path.with_name("turnstile"), "a") as turnstile:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        held = open(path, "a")
        fcntl.flock(held, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    return held


def _locks(config: pytest.Config) -> Path | None:
    """The lock files of this pytest-xdist run; None when the tests run in one process or each
    worker has a server of its own."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None or not shared_server():
        return None
    locks = Path(tempfile.gettempdir()) / f"dondoc-pytest-{workerinput['testrunuid']}"
    locks.mkdir(exist_ok=True)
    return locks / "server"


@contextlib.contextmanager
def _shared_turn(config: pytest.Config) -> Iterator[None]:
    path = _locks(config)
    if path is None:
        yield
        return
    with _take(path, exclusive=False):
        yield


async def _quiet(url: str) -> None:
    """Wait until no other session of the server holds a transaction id (another worker's
    database being dropped, say)."""
    conn = await asyncpg.connect(**_asyncpg_args(url))
    try:
        for _ in range(600):
            busy = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            )
            if not busy:
                return
            await asyncio.sleep(0.05)
    finally:
        await conn.close()


@pytest.fixture(autouse=True)
async def _server_turn(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Under pytest-xdist: `feed` tests take the server alone, the others share it."""
    path = _locks(request.config)
    if path is None:
        yield
        return
    alone = request.node.get_closest_marker("feed") is not None
    held = await asyncio.to_thread(_take, path, alone)
    try:
        if alone:
            await _quiet(request.getfixturevalue("database_url"))
        yield
    finally:
        held.close()  # closing the file gives the lock back


@pytest.fixture(autouse=True)
async def _clean(request: pytest.FixtureRequest, _server_turn: None) -> AsyncIterator[None]:
    # After the server's turn is taken, and emptied before it is given back.
    yield
    if "database_url" not in request.fixturenames:
        return  # a test that never touched the database
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        app.state.key_cache.entries.clear()
        app.state.clock = Clock(app.state.settings.tz)
        engine = app.state.engine
    else:  # the test made its own app: empty the tables through a connection of our own
        engine = create_async_engine(
            request.getfixturevalue("database_url"),
            connect_args=pooled_connect_args(get_settings()),
        )
    async with engine.begin() as conn:
        # Every history action the test wrote is one the OpenAPI document lists.
        written = await conn.execute(text("SELECT DISTINCT resource_type, action FROM history"))
        documented = history_actions()
        unlisted = [(r, a) for r, a in written if a not in documented.get(r, ())]
        await conn.execute(text(f"TRUNCATE {TABLES} CASCADE"))
        await conn.execute(text(DROP_CODE_SEQUENCES))
    if "app" not in request.fixturenames:
        await engine.dispose()
    codes.forget_sequences()
    assert not unlisted, f"history actions missing from app/api/openapi_contract.py: {unlisted}"


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


class Keys:
    """Make API keys of any role and the headers that carry them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def make(
        self,
        role: Role,
        agency_id: uuid.UUID | str | None = None,
        official_id: uuid.UUID | str | None = None,
    ) -> dict[str, str]:
        async with self.engine.begin() as conn:
            key = await api_keys.issue_key(
                conn,
                f"test {role}",
                role,
                uuid.UUID(str(agency_id)) if agency_id else None,
                uuid.UUID(str(official_id)) if official_id else None,
            )
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def keys(engine: AsyncEngine) -> Keys:
    return Keys(engine)


@pytest.fixture
async def admin(keys: Keys) -> dict[str, str]:
    return await keys.make(Role.admin)


@pytest.fixture
async def office(keys: Keys) -> dict[str, str]:
    return await keys.make(Role.office)


SYSTEM = Caller(role=Role.admin, name="test")


async def make_agency(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": f"T{uuid.uuid4().hex[:8].upper()}",
        "name": "Sở Thử nghiệm",
        "kind": "department",
    }
    body.update(fields)
    response = await client.post("/api/v1/agencies", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def stand_at(app: FastAPI, moment: datetime) -> None:
    """Make the service's clock stand at `moment` (UTC) until the test ends."""
    state = app.state
    state.clock = FixedClock(state.settings.tz, moment)


class World:
    """Three agencies and a key for every role, for the task tests."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.h: dict[str, dict[str, str]] = {}
        self.lead: dict[str, Any] = {}
        self.coop: dict[str, Any] = {}
        self.other: dict[str, Any] = {}

    async def task(self, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "title": "Nhiệm vụ chuyển đổi số",
            "lead_agency_id": self.lead["id"],
            "cooperating_agency_ids": [self.coop["id"]],
            "assigned_on": "2023-03-01",
            "due_date": "2023-12-31",
        }
        body.update(fields)
        response = await self.client.post("/api/v1/tasks", json=body, headers=self.h["office"])
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def act(
        self, task: dict[str, Any], role: str, action: str, **fields: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/api/v1/tasks/{task['id']}/transitions",
            json={"action": action, **fields},
            headers=self.h[role],
        )


@pytest.fixture
async def world(client: httpx.AsyncClient, keys: Keys, office: dict[str, str]) -> World:
    w = World(client)
    w.lead = await make_agency(client, office, name="Sở Thông tin và Truyền thông")
    w.coop = await make_agency(client, office, name="Sở Tài chính")
    w.other = await make_agency(client, office, name="Sở Nội vụ")
    w.h = {
        "office": office,
        "admin": await keys.make(Role.admin),
        "leader": await keys.make(Role.leader),
        "finance": await keys.make(Role.finance),
        "viewer": await keys.make(Role.viewer),
        "lead": await keys.make(Role.agency, w.lead["id"]),
        "coop": await keys.make(Role.agency, w.coop["id"]),
        "other": await keys.make(Role.agency, w.other["id"]),
    }
    return w


from tests.people import people  # noqa: E402, F401  (the officials' fixture, for every module)
