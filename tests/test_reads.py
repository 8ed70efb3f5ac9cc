"""The read side (app/db/reads.py): what it returns is what SQLAlchemy returns, each shape of
list statement is built once and sent as the same SQL, and the URL is read as the engines
read it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import BigInteger, String, TypeDecorator, event, func, literal, select

from app.core.config import Settings
from app.db import ReadDB, create_engine, json_loads
from app.integration.event_models import EVENTS
from app.kernel.history_models import HISTORY
from app.tasks import lists as task_lists
from app.tasks.models import TASKS
from tests.conftest import World


@pytest.fixture
def sent(app: Any) -> Iterator[list[str]]:
    """The SQL of every statement the read engine sends, as PostgreSQL receives it."""
    seen: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(statement)

    engine = app.state.read_db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", capture)


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


async def test_a_list_is_compiled_once_per_shape(world: World, sent: list[str]) -> None:
    """Other values (agency, status, another cursor) send the shape's SQL again, so one
    prepared statement serves them; another filter is another shape, and so is another size of
    a repeated filter (1, 2, 3–4, 5–8 values…)."""
    for n in range(3):
        await _task(world, n)
    office = world.h["office"]
    sent.clear()  # the app serves the whole session: count from here
    task_lists.SHAPES.built.clear()

    async def listing(**params: Any) -> Any:
        r = await world.client.get("/api/v1/tasks", params=params, headers=office)
        assert r.status_code == 200, r.text
        return r.json()

    await listing(lead_agency_id=world.lead["id"], status="new", limit=1)
    shapes = len(set(sent))
    # An empty cursor is no cursor, with or without the count.
    assert (await listing(lead_agency_id=world.lead["id"], cursor="", count="true"))["total"] == 3
    sent.clear()
    task_lists.SHAPES.built.clear()
    await listing(lead_agency_id=world.lead["id"], status="new", limit=1, cursor="")
    assert len(set(sent)) == shapes
    page = await listing(lead_agency_id=world.coop["id"], status="paused", limit=1)
    assert page["items"] == [] and len(set(sent)) == shapes
    first = await listing(lead_agency_id=world.lead["id"], status="new", limit=1)
    assert len(first["items"]) == 1 and len(set(sent)) == shapes
    second = await listing(
        lead_agency_id=world.lead["id"], status="new", limit=1, cursor=first["next_cursor"]
    )
    assert second["items"][0]["id"] != first["items"][0]["id"]
    after_cursor = len(set(sent))  # the cursor's condition is a shape of its own
    third = await listing(
        lead_agency_id=world.lead["id"], status="new", limit=1, cursor=second["next_cursor"]
    )
    assert third["items"][0]["id"] not in {first["items"][0]["id"], second["items"][0]["id"]}
    assert len(set(sent)) == after_cursor
    # Each shape's statement was built once: two so far (without a cursor, with one).
    assert len(task_lists.SHAPES.built) == 2
    await listing(directive_id=world.lead["id"])
    assert len(set(sent)) == after_cursor + 1 and len(task_lists.SHAPES.built) == 3
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


async def test_the_url_is_read_as_the_engines_read_it(database_url: str) -> None:
    """`?prepared_statement_cache_size=0` (behind PgBouncer) and `?ssl=disable` are options
    of the driver, not server settings: the sessions open with the service's own settings."""
    separator = "&" if "?" in database_url else "?"
    urls = [f"{database_url}{separator}prepared_statement_cache_size=0"]
    if "?" not in database_url:  # the embedded server is reached through a socket path
        urls.append(f"{database_url}?ssl=disable")
    for url in urls:
        engine = create_engine(url, Settings(), autocommit=True, pool_size=1)
        try:
            async with engine.connect() as conn:
                name = await conn.execute(select(func.current_setting("application_name")))
                assert name.scalar() == "dondoc"
        finally:
            await engine.dispose()


async def test_a_column_with_a_result_conversion_is_converted(
    app: Any,
) -> None:
    """A type with a result conversion (here a decorator upper-casing text) is converted on
    the read side too; such a row still reads by name, by position and as a mapping, and a
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


async def test_json_documents_decode_as_the_standard_library_does() -> None:
    """The engines' JSON decoder gives what `json.loads` gives, past 64-bit integers too."""
    import json

    for text in (
        '{"a": 1, "b": [1.5, "Hà Nội", null, true]}',
        '{"amount": 123456789012345678901234567890}',
        '{"amount": 9223372036854775807, "next": 9223372036854775808}',
        '{"a": NaN, "b": 1e400}',
        '"\\u202e"',
    ):
        assert json_loads(text) == json.loads(text) or text.startswith('{"a": NaN')
        assert type(json_loads(text)) is type(json.loads(text))
    big = json_loads('{"amount": 123456789012345678901234567890}')["amount"]
    assert big == 123456789012345678901234567890 and isinstance(big, int)


async def test_a_search_is_planned_for_its_words(world: World, app: Any) -> None:
    """A statement marked CUSTOM_PLAN runs where every execution is planned for its values
    (plan_cache_mode = force_custom_plan); any other where PostgreSQL chooses; the task list's
    search is marked, its other shapes are not."""
    from sqlalchemy import func

    from app.db import CUSTOM_PLAN
    from app.kernel.filters import ListShape
    from app.tasks.lists import ANY_OF, Shape, _plan

    read_db: ReadDB = app.state.read_db
    mode = select(func.current_setting("plan_cache_mode"))
    marked = mode.execution_options(**{CUSTOM_PLAN: True})
    if app.state.settings.db_pooler != "pgbouncer":
        # Behind PgBouncer every statement is unnamed, used once: planned for its values.
        assert (await read_db.execute(mode)).scalar() == "auto"
        assert (await read_db.execute(marked)).scalar() == "force_custom_plan"
    nothing = (0,) * len(ANY_OF)
    search = Shape(
        ListShape(False, False, nothing, True), False, None, False, False, 0, False, False, False
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


async def test_money_past_32_bits_written_and_read_back(world: World) -> None:
    """A budget request of 10^15 đồng: its history entry, written as a JSON document, reads
    back through the engines' decoder (orjson) to the đồng."""
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


async def test_one_row_means_exactly_one(app: Any) -> None:
    """`one()` on the read side says what SQLAlchemy's result says: none, or several."""
    from sqlalchemy import union_all
    from sqlalchemy.exc import MultipleResultsFound, NoResultFound

    read_db: ReadDB = app.state.read_db
    two = union_all(select(literal(1).label("n")), select(literal(2).label("n")))
    with pytest.raises(MultipleResultsFound):
        (await read_db.execute(two)).one()
    with pytest.raises(NoResultFound):
        (await read_db.execute(select(literal(1)).where(literal(False)))).one()
    assert (await read_db.execute(select(literal(2**40 + 1, BigInteger)))).scalar_one() == 2**40 + 1
