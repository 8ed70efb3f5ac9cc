"""Hardening: security headers, CORS only when configured, the per-credential rate limit,
request logs without credentials, production mode's refusals."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from app.core.config import Settings, UnsafeSettings
from app.main import create_app

API = "/api/v1/agencies"


async def test_security_headers(client: httpx.AsyncClient, office: dict[str, str]) -> None:
    api = await client.get(API, headers=office)
    for name, value in (
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
    ):
        assert api.headers[name] == value
    assert api.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert api.headers["cache-control"] == "no-store"
    denied = await client.get(API)
    assert denied.headers["x-content-type-options"] == "nosniff"
    docs = await client.get("/docs")
    assert (
        docs.headers["x-frame-options"] == "DENY" and "content-security-policy" not in docs.headers
    )


@pytest.fixture
async def custom(
    database_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(request.param, database_url=database_url)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        yield c


@pytest.mark.parametrize(
    "custom", [Settings(cors_origins="https://dondoc.example.gov.vn")], indirect=True
)
async def test_cors_when_origins_are_listed(custom: httpx.AsyncClient) -> None:
    preflight = await custom.options(
        API,
        headers={"Origin": "https://dondoc.example.gov.vn", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers["access-control-allow-origin"] == "https://dondoc.example.gov.vn"
    other = await custom.options(
        API, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in other.headers


async def test_no_cors_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"Origin": "https://dondoc.example.gov.vn"})
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("custom", [Settings(rate_limit_per_minute=3)], indirect=True)
async def test_rate_limit_per_credential(custom: httpx.AsyncClient, keys) -> None:
    from app.core.enums import Role

    busy, calm = await keys.make(Role.viewer), await keys.make(Role.viewer)
    answers = [await custom.get(API, headers=busy) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    # Every answer says the quota and what is left of it (IETF draft RateLimit headers).
    assert {a.headers["ratelimit-policy"] for a in answers} == {'"credential";q=3;w=60'}
    left = [re.fullmatch(r'"credential";r=(\d+);t=(\d+)', a.headers["ratelimit"]) for a in answers]
    assert [int(m[1]) for m in left if m] == [2, 1, 0, 0]
    assert all(1 <= int(m[2]) <= 61 for m in left if m)
    limited = await custom.get(API, headers=busy)
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["retry-after"]) <= 61
    assert limited.json()["code"] == "too-many-requests"
    assert (await custom.get(API, headers=calm)).status_code == 200


async def test_request_logs_carry_no_credential(
    client: httpx.AsyncClient, office: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    key = office["Authorization"].split()[1]
    with caplog.at_level(logging.DEBUG):
        await client.get(
            f"{API}?q=b%C3%AD+m%E1%BA%ADt", headers={**office, "X-Request-ID": "req-log-1"}
        )
        await client.get(API, headers={"Authorization": "Bearer ddk_wrong_key_0123456789"})
        await client.post(
            API, json={"code": "LOG1", "name": "Bí mật", "kind": "other"}, headers=office
        )
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "dondoc.access"]
    first = next(line for line in lines if line.get("client_request_id") == "req-log-1")
    assert (first["route"], first["status"], first["caller"]["role"]) == (
        "/api/v1/agencies",
        200,
        "office",
    )
    assert first["duration_ms"] >= 0
    # Everything the service logged (the test's own HTTP client logs its URLs: not ours).
    everything = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert key not in everything and "ddk_wrong_key" not in everything
    assert "Bí mật" not in everything and "m%E1%BA%ADt" not in everything


def test_production_refuses_unsafe_settings(database_url: str) -> None:
    with pytest.raises(UnsafeSettings):
        create_app(Settings(env="production"))
    with pytest.raises(UnsafeSettings):
        create_app(
            Settings(env="production", database_url=database_url, bootstrap_admin_key="ddk_short")
        )
    create_app(Settings(env="production", database_url=database_url, bootstrap_admin_key="x" * 32))


@pytest.mark.parametrize("env", ["prod", "Production", "staging", ""])
def test_an_unknown_environment_is_refused(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # DONDOC_ENV=prod used to mean "not production", skipping every production check.
    from pydantic import ValidationError

    monkeypatch.setenv("DONDOC_ENV", env)
    with pytest.raises(ValidationError, match="env"):
        Settings()


@pytest.mark.parametrize(
    "custom",
    [Settings(db_pool_size=1, db_pool_overflow=0, db_connect_timeout_seconds=0.5)],
    indirect=True,
)
async def test_a_read_waits_for_a_connection_then_answers_busy(
    custom: httpx.AsyncClient, keys
) -> None:
    """Reads run on the read engine's pool: when every one of its connections stays taken
    past the wait, the answer is 503 `busy` with Retry-After, and the next read is served once
    one is free."""
    from app.core.enums import Role

    headers = await keys.make(Role.viewer)
    assert (await custom.get(API, headers=headers)).status_code == 200
    engine = custom._transport.app.state.read_db.engine  # type: ignore[attr-defined]
    held = await engine.connect()
    try:
        answer = await custom.get(API, headers=headers)
    finally:
        await held.close()
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "busy"
    assert answer.headers["retry-after"] == "1"
    assert (await custom.get(API, headers=headers)).status_code == 200
