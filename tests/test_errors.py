"""Every error path answers RFC 9457 problem+json; nothing is changed by a refused request."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from app.core.config import Settings
from app.main import create_app
from tests.conftest import World

API = "/api/v1/agencies"


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert str(body["type"]).startswith("/problems/")
    assert body["title"] and body["detail"]
    assert body["instance"] == response.request.url.path
    return body  # type: ignore[no-any-return]


async def test_unknown_route_and_wrong_method(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    assert_problem(await client.get("/api/v1/nothing-here", headers=office), 404)
    assert_problem(await client.put(API, json={}, headers=office), 405)


async def test_malformed_json_is_400(client: httpx.AsyncClient, office: dict[str, str]) -> None:
    response = await client.post(
        API, content=b'{"code": "A1",', headers={**office, "Content-Type": "application/json"}
    )
    body = assert_problem(response, 400)
    assert body["type"] == "/problems/malformed-json"


async def test_validation_errors_name_the_field(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    body = assert_problem(await client.post(API, json={"name": "X"}, headers=office), 422)
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"code", "kind"}


async def test_wrong_content_type_is_415(client: httpx.AsyncClient, office: dict[str, str]) -> None:
    response = await client.post(
        API,
        content=b"code=A1",
        headers={**office, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 415)
    plain = await client.post(
        API,
        content=b'{"code":"A1","name":"X","kind":"other"}',
        headers={**office, "Content-Type": "text/plain"},
    )
    assert_problem(plain, 415)
    assert (await client.get(API, params={"count": "true"}, headers=office)).json()["total"] == 0


async def test_body_over_the_limit_is_413(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    big = b'{"code": "A1", "name": "' + b"x" * (2 * 1024 * 1024) + b'", "kind": "other"}'
    assert_problem(
        await client.post(API, content=big, headers={**office, "Content-Type": "application/json"}),
        413,
    )

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" " * 65536

    streamed = await client.post(
        API, content=chunks(), headers={**office, "Content-Type": "application/json"}
    )
    assert_problem(streamed, 413)
    assert (await client.get(API, params={"count": "true"}, headers=office)).json()["total"] == 0


async def test_missing_credentials_is_401(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get(API), 401)
    assert body["type"] == "/problems/unauthorized"


@pytest.fixture
async def crashing_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(), database_url=database_url)
    boom = APIRouter()

    @boom.get("/boom")
    async def explode() -> None:
        raise RuntimeError("secret internal detail")

    app.include_router(boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        yield c


async def test_unhandled_error_is_500_with_request_id_and_no_traceback(
    crashing_client: httpx.AsyncClient,
) -> None:
    response = await crashing_client.get("/boom")
    body = assert_problem(response, 500)
    assert body["request_id"]
    assert str(body["request_id"]) in str(body["detail"])
    assert "secret" not in response.text and "Traceback" not in response.text


async def test_unreachable_database_is_503_fast() -> None:
    settings = Settings(db_connect_timeout_seconds=1)
    # Port 9 (discard) on loopback: nothing listens, the connection is refused.
    app = create_app(settings, database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        started = time.monotonic()
        response = await c.get(API, headers={"Authorization": "Bearer ddk_whatever"})
        assert time.monotonic() - started < 5
        assert_problem(response, 503)
        assert response.headers["retry-after"]
        ready = await c.get("/readyz")
        assert ready.status_code == 503
        assert (await c.get("/healthz")).status_code == 200


async def test_405_lists_every_method_of_the_path(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    response = await client.put(API, json={}, headers=office)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_control_characters_in_q_are_400(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    body = assert_problem(await client.get(API, params={"q": "a\x8bb"}, headers=office), 400)
    assert body["errors"] == [{"field": "q", "message": body["errors"][0]["message"]}]


async def test_numbers_beyond_the_database_are_refused(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    import base64

    for path, params in (
        ("/api/v1/tasks", {"year": "4294967295"}),
        ("/api/v1/directives", {"year": "-9999999999999999999"}),
        ("/api/v1/budget-requests", {"fiscal_year": "99999999999"}),
        ("/api/v1/reports/tasks", {"year": "4294967295"}),
        ("/api/v1/events", {"after": base64.urlsafe_b64encode(b"99999999999999999999:1").decode()}),
    ):
        response = await client.get(path, params=params, headers=office)
        assert response.status_code == 400, (path, response.status_code)


async def test_control_characters_in_any_query_parameter_are_400(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    for query in ("field=a%00b", "field=%1B", "q=x%00"):
        response = await client.get(f"/api/v1/tasks?{query}", headers=office)
        assert response.status_code == 400, query
    assert (
        await client.get("/api/v1/tasks?field=L%C4%A9nh%20v%E1%BB%B1c", headers=office)
    ).status_code == 200


async def test_dates_are_written_yyyy_mm_dd_only(world: World) -> None:
    # Pydantic alone reads a bare number as seconds since 1970 and accepts timestamps at midnight.
    for value in ("0", "1700000000", "2023-03-31T00:00:00", "31/03/2023", "2023-3-31"):
        response = await world.client.get(
            "/api/v1/reports/tasks", params={"as_of": value}, headers=world.h["office"]
        )
        assert response.status_code == 400, value
        assert response.json()["errors"][0]["field"] == "as_of"
        listed = await world.client.get(
            "/api/v1/tasks", params={"due_from": value}, headers=world.h["office"]
        )
        assert listed.status_code == 400, value
    body: dict[str, Any] = {"title": "Nhiệm vụ", "lead_agency_id": world.lead["id"]}
    for not_a_day in (0, 1700000000, "2023-03-31T00:00:00", "20230331", True):
        response = await world.client.post(
            "/api/v1/tasks", json={**body, "due_date": not_a_day}, headers=world.h["office"]
        )
        assert response.status_code == 422, not_a_day
        assert response.json()["errors"][0]["field"] == "due_date"
    good = await world.client.get(
        "/api/v1/reports/tasks", params={"as_of": "2023-12-31"}, headers=world.h["office"]
    )
    assert good.status_code == 200 and good.json()["as_of"] == "2023-12-31"


async def test_unknown_query_parameters_are_refused(world: World) -> None:
    h = world.h["office"]
    refused = await world.client.get(
        "/api/v1/tasks", params={"assigned_by_name": "Nguyễn Văn Chương"}, headers=h
    )
    assert refused.status_code == 400
    problem = refused.json()
    assert problem["errors"] == [
        {"field": "assigned_by_name", "message": "unknown query parameter"}
    ]
    assert "assigned_by_name" in problem["detail"] and "lead_agency_id" in problem["detail"]
    assert {"status", "lead_agency_id", "limit", "cursor", "as_of"} <= set(
        problem["accepted_parameters"]
    )
    # Every API route: a parameter it declares passes, one it does not is refused.
    for path, known in (
        ("/api/v1/agencies", {"kind": "department"}),
        ("/api/v1/directives", {"q": "ket luan"}),
        ("/api/v1/proposals", {"status": "draft"}),
        ("/api/v1/budget-requests", {"fiscal_year": "2023"}),
        ("/api/v1/reports/tasks", {"from": "2023-01-01", "to": "2023-12-31"}),
        ("/api/v1/events", {"type": "task.*"}),
        ("/api/v1/me", {}),
        (f"/api/v1/tasks/{(await world.task())['id']}", {"include_deleted": "true"}),
    ):
        assert (await world.client.get(path, params=known, headers=h)).status_code == 200, path
        typo = await world.client.get(path, params={**known, "satus": "x"}, headers=h)
        assert typo.status_code == 400, path
        assert typo.json()["errors"][0]["field"] == "satus"


@pytest.mark.parametrize(
    "values",
    [
        [{"a": 1}, "00000000-0000-0000-0000-000000000000"],
        [["x"], "00000000-0000-0000-0000-000000000000"],
        [True, "00000000-0000-0000-0000-000000000000"],
        [None, None],
        ["2023-01-01T00:00:00+00:00", {"id": 1}],
        ["NV\x00", "00000000-0000-0000-0000-000000000000"],
    ],
)
async def test_crafted_cursors_are_400(world: World, values: list[object]) -> None:
    import base64

    import orjson

    for path, sort in (
        ("/api/v1/tasks", "created_at"),
        ("/api/v1/agencies", "code"),
        ("/api/v1/proposals", "created_at"),
        ("/api/v1/budget-requests", "created_at"),
    ):
        cursor = base64.urlsafe_b64encode(orjson.dumps({"s": [sort], "v": values})).decode()
        response = await world.client.get(
            path, params={"sort": sort, "cursor": cursor}, headers=world.h["office"]
        )
        assert response.status_code == 400, (path, values, response.text)


@pytest.mark.parametrize(
    "char", ["\u202e", "\u202d", "\u2066", "\u200b", "\u200d", "\ufeff", "\u00ad"]
)
async def test_single_line_fields_refuse_invisible_characters(world: World, char: str) -> None:
    h = world.h["office"]
    body = {"title": f"Hóa đơn{char}fdp.exe", "lead_agency_id": world.lead["id"]}
    refused = await world.client.post("/api/v1/tasks", json=body, headers=h)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "title"
    agency = await world.client.post(
        "/api/v1/agencies", json={"code": "INV1", "name": f"Sở{char}", "kind": "other"}, headers=h
    )
    assert agency.status_code == 422 and agency.json()["errors"][0]["field"] == "name"
    # Free text over several lines keeps what it was given.
    kept = await world.client.post(
        "/api/v1/tasks",
        json={"title": "Hóa đơn", "lead_agency_id": world.lead["id"], "description": f"a{char}b"},
        headers=h,
    )
    assert kept.status_code == 201


def test_a_server_that_cannot_take_the_session_is_unavailable() -> None:
    """Too many connections, a server starting or shutting down, a broken connection: the
    driver's errors (the read pool's) and SQLAlchemy's wrapping of them are 503, not 500; a
    constraint violation is not."""
    import asyncpg
    from sqlalchemy.exc import DBAPIError as SQLAlchemyDBAPIError

    from app.errors.domain import is_db_unavailable

    for error in (
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
    ):
        assert is_db_unavailable(error), error
        wrapped = SQLAlchemyDBAPIError.instance("SELECT 1", [], error, Exception)
        try:
            raise wrapped from error
        except SQLAlchemyDBAPIError as raised:
            assert is_db_unavailable(raised)
    assert not is_db_unavailable(asyncpg.exceptions.CheckViolationError("progress"))
    assert not is_db_unavailable(asyncpg.exceptions.UniqueViolationError("code"))
