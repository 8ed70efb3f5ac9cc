"""The read side on the driver (app/reads.py): what it returns is what SQLAlchemy returned,
each shape of statement is compiled once, and the URL is read as the engines read it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import BigInteger, String, TypeDecorator, literal, select, update
from sqlalchemy.exc import IntegrityError

from app.config import Settings
from app.kernel import driver
from app.models.events import EVENTS
from app.models.history import HISTORY
from app.models.tasks import TASKS
from app.reads import Plans, ReadDB, create_read_pool
from app.services import task_lists
from tests.conftest import World


async def _task(world: World, n: int) -> dict[str, Any]:
    r = await world.client.post(
        "/api/v1/tasks",
        json={
            "title": f"Nhiệm vụ {n}",
            "lead_agency_id": world.lead["id"],
            "cooperating_agency_ids": [world.coop["id"], world.other["id"]],
            "due_date": "2027-03-31",
        },
        headers=world.h["office"],
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_rows_are_what_sqlalchemy_gives(world: World, app: Any) -> None:
    """Arrays, JSON documents, ids, dates and bigints read on the driver equal the rows the
    SQLAlchemy engine reads of the same statement, column for column."""
    await _task(world, 1)
    read_db: ReadDB = app.state.read_db
    for statement in (
        select(TASKS).order_by(TASKS.c.code),
        select(HISTORY).order_by(HISTORY.c.id),
        select(EVENTS).order_by(EVENTS.c.id),
    ):
        ours = [dict(r._mapping) for r in (await read_db.execute(statement)).all()]
        async with app.state.engine.connect() as conn:
            theirs = [dict(r._mapping) for r in (await conn.execute(statement)).all()]
        assert ours and ours == theirs
    task = (await read_db.execute(select(TASKS))).first()
    assert isinstance(task.cooperating_agency_ids, list) and len(task.cooperating_agency_ids) == 2
    assert task[0] == task.id == task._mapping["id"]
    change = (await read_db.execute(select(HISTORY.c.changes))).first()
    assert isinstance(change.changes, dict)


async def test_a_list_is_compiled_once_per_shape(world: World, app: Any) -> None:
    """Other values (agency, status, another cursor) reuse the shape's plan; another filter is
    another shape, and so is another size of a repeated filter (1, 2, 3–4, 5–8 values…)."""
    for n in range(3):
        await _task(world, n)
    read_db: ReadDB = app.state.read_db
    office = world.h["office"]
    read_db.plans.clear()  # the app serves the whole session: count from here
    task_lists.SHAPES.built.clear()

    async def listing(**params: Any) -> Any:
        r = await world.client.get("/api/v1/tasks", params=params, headers=office)
        assert r.status_code == 200, r.text
        return r.json()

    await listing(lead_agency_id=world.lead["id"], status="new", limit=1)
    shapes = len(read_db.plans)
    # An empty cursor is no cursor, with or without the count.
    assert (await listing(lead_agency_id=world.lead["id"], cursor="", count="true"))["total"] == 3
    read_db.plans.clear()
    task_lists.SHAPES.built.clear()
    await listing(lead_agency_id=world.lead["id"], status="new", limit=1, cursor="")
    assert len(read_db.plans) == shapes
    page = await listing(lead_agency_id=world.coop["id"], status="paused", limit=1)
    assert page["items"] == [] and len(read_db.plans) == shapes
    first = await listing(lead_agency_id=world.lead["id"], status="new", limit=1)
    assert len(first["items"]) == 1 and len(read_db.plans) == shapes
    second = await listing(
        lead_agency_id=world.lead["id"], status="new", limit=1, cursor=first["next_cursor"]
    )
    assert second["items"][0]["id"] != first["items"][0]["id"]
    after_cursor = len(read_db.plans)  # the cursor's condition is a shape of its own
    third = await listing(
        lead_agency_id=world.lead["id"], status="new", limit=1, cursor=second["next_cursor"]
    )
    assert third["items"][0]["id"] not in {first["items"][0]["id"], second["items"][0]["id"]}
    assert len(read_db.plans) == after_cursor
    # Each shape's statement was built once: two so far (without a cursor, with one).
    assert len(task_lists.SHAPES.built) == 2
    await listing(directive_id=world.lead["id"])
    assert len(read_db.plans) == after_cursor + 1 and len(task_lists.SHAPES.built) == 3
    # Three and four statuses share the size of four (the last value fills the spare slot).
    three = await listing(lead_agency_id=world.lead["id"], status=["paused", "completed", "new"])
    assert len(three["items"]) == 3 and len(task_lists.SHAPES.built) == 4
    four = ["paused", "completed", "cancelled", "new"]
    assert len((await listing(lead_agency_id=world.lead["id"], status=four))["items"]) == 3
    assert len(task_lists.SHAPES.built) == 4
    assert (await listing(status=["paused", "completed", "cancelled"]))["items"] == []
    # Five take the size of eight, the last value filling three slots.
    five = ["paused", "completed", "cancelled", "awaiting_confirmation", "new"]
    assert len((await listing(lead_agency_id=world.lead["id"], status=five))["items"]) == 3


async def test_arguments_read_from_the_cache_key_are_sqlalchemys(
    world: World, app: Any, monkeypatch: Any
) -> None:
    """Every statement run on the driver here — single reads, lists of each resource with
    filters and a cursor, history, the feed, the report, and a write's locked row, agency
    check, code number, UPDATE and history entry — gets from the short path (values taken from
    the cache key's place) exactly the SQL and arguments SQLAlchemy's `construct_params`
    gives."""
    compared: list[str] = []
    prepare = Plans.prepare

    def checked(self: Plans, statement: Any, parameters: Any = None) -> Any:
        sql, arguments, plan = prepare(self, statement, parameters)
        key = statement._generate_cache_key()
        if plan.arguments(key, parameters) is not None:
            assert (sql, arguments) == Plans.construct(plan, key, parameters)
            compared.append(sql)
        return sql, arguments, plan

    monkeypatch.setattr(Plans, "prepare", checked)
    tasks = [await _task(world, n) for n in range(3)]
    office = world.h["office"]
    started = await world.act(tasks[2], "lead", "start")
    assert started.status_code == 200, started.text
    for path, params in (
        (f"/api/v1/tasks/{tasks[0]['id']}", {}),
        (f"/api/v1/tasks/{tasks[1]['id']}", {"as_of": "2027-04-02"}),
        ("/api/v1/tasks", {"lead_agency_id": world.lead["id"], "status": "new", "limit": 1}),
        ("/api/v1/tasks", {"q": "Nhiệm vụ", "limit": 2, "sort": "due_date"}),
        ("/api/v1/tasks", {"agency_id": world.coop["id"], "count": "true"}),
        ("/api/v1/agencies", {"limit": 2}),
        (f"/api/v1/agencies/{world.lead['id']}", {}),
        ("/api/v1/directives", {}),
        ("/api/v1/proposals", {}),
        ("/api/v1/budget-requests", {}),
        (f"/api/v1/tasks/{tasks[0]['id']}/history", {}),
        ("/api/v1/events", {"limit": 2}),
        ("/api/v1/reports/tasks", {}),
        ("/api/v1/reports/budget", {}),
    ):
        r = await world.client.get(path, params=params, headers=office)
        assert r.status_code == 200, (path, r.text)
        body = r.json()
        cursor = body.get("next_cursor") if isinstance(body, dict) else None
        if cursor:
            after = "after" if path.endswith("/events") else "cursor"
            r = await world.client.get(path, params={**params, after: cursor}, headers=office)
            assert r.status_code == 200, (path, r.text)
    assert len(compared) >= 10
    assert any("nextval" in sql for sql in compared)
    assert any(sql.startswith("UPDATE tasks") for sql in compared)
    assert any("FOR SHARE" in sql for sql in compared)


async def test_the_url_is_read_as_the_engines_read_it(database_url: str) -> None:
    """`?prepared_statement_cache_size=0` (behind PgBouncer) turns the driver's statement
    cache off; `?ssl=disable` is a connection option, not a server setting."""
    separator = "&" if "?" in database_url else "?"
    pool = await create_read_pool(
        f"{database_url}{separator}prepared_statement_cache_size=0", Settings(), 1
    )
    try:
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT 1") == 1
            assert conn._stmt_cache.get_max_size() == 0
    finally:
        await pool.close()
    if "?" not in database_url:  # the embedded server is reached through a socket path
        pool = await create_read_pool(f"{database_url}?ssl=disable", Settings(), 1)
        try:
            async with pool.acquire() as conn:
                assert await conn.fetchval("SHOW application_name") == "dondoc-read"
        finally:
            await pool.close()


async def test_a_column_the_driver_cannot_convert_is_converted_as_sqlalchemy_would(
    app: Any,
) -> None:
    """A type with a result conversion (here a decorator upper-casing text) is converted on
    the driver path too; such a row still reads by name, by position and as a mapping, and a
    bigint past 2^32 beside it comes back whole."""

    class Upper(TypeDecorator[str]):
        impl = String
        cache_ok = True

        def process_result_value(self, value: Any, dialect: Any) -> str | None:
            return None if value is None else str(value).upper()

    statement = select(
        literal("Hà Nội", Upper).label("name"), literal(2**40 + 1, BigInteger).label("amount")
    )
    row = (await app.state.read_db.execute(statement)).one()
    assert row.name == row[0] == "HÀ NỘI"
    assert row.amount == row[1] == 2**40 + 1
    assert list(row) == ["HÀ NỘI", 2**40 + 1]
    assert dict(row._mapping) == {"name": "HÀ NỘI", "amount": 2**40 + 1}


async def test_the_write_driver_runs_inside_the_transaction(world: World, app: Any) -> None:
    """A statement on the driver is part of the request's transaction even when it is the
    first one (BEGIN is sent for it): a rollback undoes it. A database error comes back as
    SQLAlchemy's own exception class."""
    task = await _task(world, 1)
    engine = app.state.engine
    bump = update(TASKS).where(TASKS.c.id == task["id"]).values(title="Đổi rồi huỷ")
    async with engine.connect() as conn:
        transaction = await conn.begin()
        await driver.execute(conn, bump)  # the transaction's first statement
        seen = (await conn.execute(select(TASKS.c.title).where(TASKS.c.id == task["id"]))).scalar()
        assert seen == "Đổi rồi huỷ"
        await transaction.rollback()
    async with engine.connect() as conn:
        title = (await conn.execute(select(TASKS.c.title).where(TASKS.c.id == task["id"]))).scalar()
    assert title == task["title"]

    clash = update(TASKS).where(TASKS.c.id == task["id"]).values(progress_percent=101)
    async with engine.begin() as conn:
        with pytest.raises(IntegrityError):
            await driver.execute(conn, clash)
        await conn.rollback()


async def test_json_documents_decode_as_the_standard_library_does() -> None:
    """The read pool's JSON decoder gives what `json.loads` gives, past 64-bit integers too."""
    from app.reads import _json_loads

    for text in (
        '{"a": 1, "b": [1.5, "Hà Nội", null, true]}',
        '{"amount": 123456789012345678901234567890}',
        '{"amount": 9223372036854775807, "next": 9223372036854775808}',
        '{"a": NaN, "b": 1e400}',
        '"\\u202e"',
    ):
        import json

        assert _json_loads(text) == json.loads(text) or text.startswith('{"a": NaN')
        assert type(_json_loads(text)) is type(json.loads(text))
    big = _json_loads('{"amount": 123456789012345678901234567890}')["amount"]
    assert big == 123456789012345678901234567890 and isinstance(big, int)


async def test_a_search_is_planned_for_its_words(world: World, app: Any) -> None:
    """A statement marked CUSTOM_PLAN runs where every execution is planned for its values
    (plan_cache_mode = force_custom_plan); any other where PostgreSQL chooses; the task list's
    search is marked, its other shapes are not."""
    from sqlalchemy import func

    from app.kernel.filters import ListShape
    from app.reads import CUSTOM_PLAN
    from app.services.task_lists import ANY_OF, Shape, _plan

    read_db: ReadDB = app.state.read_db
    mode = select(func.current_setting("plan_cache_mode"))
    marked = mode.execution_options(**{CUSTOM_PLAN: True})
    if app.state.settings.db_pooler == "pgbouncer":
        # Behind PgBouncer every statement is unnamed, used once: planned for its values.
        for pool in (read_db.pool, read_db.custom_pool):
            async with pool.acquire() as conn:  # type: ignore[union-attr]
                assert conn._stmt_cache.get_max_size() == 0
    else:
        assert (await read_db.execute(mode)).scalar() == "auto"
        assert (await read_db.execute(marked)).scalar() == "force_custom_plan"
    nothing = (0,) * len(ANY_OF)
    search = Shape(
        ListShape(False, False, nothing, True), False, None, False, False, 0, False, False
    )
    listing = search._replace(shared=search.shared._replace(q=False))
    assert _plan(search, None, False, False).page.get_execution_options().get(CUSTOM_PLAN)
    assert not _plan(listing, None, False, False).page.get_execution_options().get(CUSTOM_PLAN)
    await _task(world, 1)
    r = await world.client.get("/api/v1/tasks", params={"q": "nhiem vu"}, headers=world.h["office"])
    assert r.status_code == 200 and len(r.json()["items"]) == 1


async def test_every_list_is_built_once_per_shape(world: World) -> None:
    """Agencies, directives, proposals and budget requests: other values of the same filters,
    and the next page, reuse the shape's statement; the rows are the ones the filters name,
    and an agency's staff page through only their own budget requests."""
    from app.kernel import filters

    office, lead = world.h["office"], world.h["lead"]
    for n in range(3):
        r = await world.client.post(
            "/api/v1/budget-requests",
            json={
                "title": f"Đề nghị {n}",
                "expenditure_type": "investment",
                "purpose": "capital_shortfall",
                "funding_source": "provincial",
                "fiscal_year": 2026,
                "amount_requested_vnd": 1_000 + n,
                "requesting_agency_id": (world.lead if n < 2 else world.coop)["id"],
            },
            headers=office,
        )
        assert r.status_code == 201, r.text
    filters._SHAPES.built.clear()

    async def page(path: str, headers: dict[str, str], **params: Any) -> Any:
        r = await world.client.get(path, params=params, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()

    mine = await page("/api/v1/budget-requests", lead, limit=1)
    rest = await page("/api/v1/budget-requests", lead, limit=1, cursor=mine["next_cursor"])
    assert {mine["items"][0]["title"], rest["items"][0]["title"]} == {"Đề nghị 0", "Đề nghị 1"}
    assert rest["next_cursor"] is None
    built = len(filters._SHAPES.built)  # without a cursor, with one
    for agency in (world.lead, world.coop):
        chosen = await page(
            "/api/v1/budget-requests", office, requesting_agency_id=agency["id"], count="1"
        )
        assert chosen["total"] == (2 if agency is world.lead else 1)
    assert len(filters._SHAPES.built) == built + 1
    agencies = await page("/api/v1/agencies", office, kind="department", limit=2)
    more = await page(
        "/api/v1/agencies", office, kind="department", limit=2, cursor=agencies["next_cursor"]
    )
    assert not {a["id"] for a in agencies["items"]} & {a["id"] for a in more["items"]}
    assert (await page("/api/v1/directives", office, status="draft"))["items"] == []
    assert (await page("/api/v1/proposals", office, q="không có"))["items"] == []


async def test_money_past_32_bits_through_the_write_driver_and_back(world: World) -> None:
    """A budget request of 10^15 đồng: its history entry, written on the write driver (JSON
    bound by its processor), reads back from the read pool (orjson) to the đồng."""
    amount = 10**15
    r = await world.client.post(
        "/api/v1/budget-requests",
        json={
            "title": "Đề nghị lớn",
            "expenditure_type": "investment",
            "purpose": "capital_shortfall",
            "funding_source": "provincial",
            "fiscal_year": 2026,
            "amount_requested_vnd": amount,
            "requesting_agency_id": world.lead["id"],
        },
        headers=world.h["office"],
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["amount_requested_vnd"] == amount
    history = await world.client.get(
        f"/api/v1/budget-requests/{made['id']}/history", headers=world.h["office"]
    )
    assert history.status_code == 200, history.text
    changes = history.json()["items"][0]["changes"]
    assert changes["amount_requested_vnd"]["new"] == amount
