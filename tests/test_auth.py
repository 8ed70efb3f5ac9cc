"""API keys, roles, /me, /api-keys, the bootstrap key."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.access.auth import hash_key
from app.admin.service import RevokedBootstrapKey, ensure_bootstrap_key
from app.core.config import Settings
from app.core.enums import Role
from app.main import create_app
from tests.conftest import BOOTSTRAP_KEY, make_agency


async def test_unknown_key_and_malformed_header_are_401(client: httpx.AsyncClient) -> None:
    for header in ("Bearer ddk_nope", "Basic abc", "Bearer", "ddk_x"):
        response = await client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["www-authenticate"] == "Bearer"


async def test_me_describes_the_caller(
    client: httpx.AsyncClient, keys, office: dict[str, str]
) -> None:
    me = (await client.get("/api/v1/me", headers=office)).json()
    assert me["role"] == "office" and me["agency_id"] is None and me["key_name"] == "test office"
    agency = await make_agency(client, office)
    staff = await keys.make(Role.agency, agency["id"])
    me = (await client.get("/api/v1/me", headers=staff)).json()
    assert me["role"] == "agency" and me["agency_id"] == agency["id"]


async def test_admin_creates_lists_and_revokes_keys(
    client: httpx.AsyncClient, admin: dict[str, str], engine: AsyncEngine
) -> None:
    created = await client.post(
        "/api/v1/api-keys", json={"name": "Cổng dữ liệu", "role": "viewer"}, headers=admin
    )
    assert created.status_code == 201, created.text
    body = created.json()
    key = body["key"]
    assert key.startswith("ddk_") and len(key) > 40
    async with engine.connect() as conn:
        stored = (
            await conn.execute(
                text("SELECT key_hash FROM api_keys WHERE id = :i"), {"i": body["id"]}
            )
        ).scalar()
        raw = (
            await conn.execute(
                text("SELECT count(*) FROM api_keys WHERE key_hash = :k OR key_prefix = :k"),
                {"k": key},
            )
        ).scalar()
    assert stored == hash_key(key) and raw == 0
    viewer = {"Authorization": f"Bearer {key}"}
    assert (await client.get("/api/v1/agencies", headers=viewer)).status_code == 200
    listed = (await client.get("/api/v1/api-keys", headers=admin)).json()["items"]
    assert body["id"] in [k["id"] for k in listed]
    assert all("key" not in k and "key_hash" not in k for k in listed)
    assert (await client.delete(f"/api/v1/api-keys/{body['id']}", headers=admin)).status_code == 204
    assert (await client.get("/api/v1/agencies", headers=viewer)).status_code == 401
    assert (await client.delete(f"/api/v1/api-keys/{body['id']}", headers=admin)).status_code == 409
    with_revoked = (
        await client.get("/api/v1/api-keys", params={"include_deleted": "true"}, headers=admin)
    ).json()["items"]
    assert any(k["id"] == body["id"] and k["revoked_at"] for k in with_revoked)


async def test_only_admin_manages_keys(client: httpx.AsyncClient, keys) -> None:
    for role in (Role.office, Role.leader, Role.viewer, Role.finance):
        headers = await keys.make(role)
        assert (await client.get("/api/v1/api-keys", headers=headers)).status_code == 403
        assert (
            await client.post(
                "/api/v1/api-keys", json={"name": "x", "role": "admin"}, headers=headers
            )
        ).status_code == 403


async def test_agency_keys_are_bound_to_an_existing_agency(
    client: httpx.AsyncClient, admin: dict[str, str], office: dict[str, str]
) -> None:
    unbound = await client.post(
        "/api/v1/api-keys", json={"name": "x", "role": "agency"}, headers=admin
    )
    assert unbound.status_code == 422 and unbound.json()["errors"][0]["field"] == "agency_id"
    agency = await make_agency(client, office)
    viewer_bound = await client.post(
        "/api/v1/api-keys",
        json={"name": "x", "role": "viewer", "agency_id": agency["id"]},
        headers=admin,
    )
    assert viewer_bound.status_code == 422
    ok = await client.post(
        "/api/v1/api-keys",
        json={"name": "x", "role": "agency", "agency_id": agency["id"]},
        headers=admin,
    )
    assert ok.status_code == 201 and ok.json()["agency_id"] == agency["id"]


async def test_bootstrap_key_is_an_admin_key_and_idempotent(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    for _ in range(2):
        async with engine.begin() as conn:
            await ensure_bootstrap_key(conn, BOOTSTRAP_KEY)
    async with engine.connect() as conn:
        n = (
            await conn.execute(
                text("SELECT count(*) FROM api_keys WHERE key_hash = :h"),
                {"h": hash_key(BOOTSTRAP_KEY)},
            )
        ).scalar()
    assert n == 1
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {BOOTSTRAP_KEY}"})
    assert me.status_code == 200 and me.json()["role"] == "admin"


async def test_a_revoked_bootstrap_key_stays_revoked(
    client: httpx.AsyncClient, engine: AsyncEngine, database_url: str, app: Any
) -> None:
    # It leaked, an admin revoked it; the next start with the same setting must not revive it.
    async with engine.begin() as conn:
        await ensure_bootstrap_key(conn, BOOTSTRAP_KEY)
    bootstrap = {"Authorization": f"Bearer {BOOTSTRAP_KEY}"}
    key_id = (await client.get("/api/v1/me", headers=bootstrap)).json()["key_id"]
    assert (await client.delete(f"/api/v1/api-keys/{key_id}", headers=bootstrap)).status_code == 204
    restarted = create_app(
        Settings(bootstrap_admin_key=BOOTSTRAP_KEY, rate_limit_per_minute=0),
        database_url=database_url,
    )
    with pytest.raises(RevokedBootstrapKey, match="DONDOC_BOOTSTRAP_ADMIN_KEY"):
        async with restarted.router.lifespan_context(restarted):
            pass
    async with engine.connect() as conn:
        revoked = (
            await conn.execute(
                text("SELECT revoked_at FROM api_keys WHERE key_hash = :h"),
                {"h": hash_key(BOOTSTRAP_KEY)},
            )
        ).scalar()
    assert revoked is not None
    app.state.key_cache.entries.clear()
    assert (await client.get("/api/v1/me", headers=bootstrap)).status_code == 401


async def test_last_used_is_recorded(
    client: httpx.AsyncClient, admin: dict[str, str], engine: AsyncEngine
) -> None:
    assert (await client.get("/api/v1/me", headers=admin)).status_code == 200
    deadline = asyncio.get_running_loop().time() + 5
    while True:
        async with engine.connect() as conn:
            used = (
                await conn.execute(
                    text("SELECT last_used_at FROM api_keys WHERE name = 'test admin'")
                )
            ).scalar()
        if used is not None or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.05)
    assert used is not None


async def test_cached_key_check_sends_no_query(
    client: httpx.AsyncClient, admin: dict[str, str], app
) -> None:
    from sqlalchemy import event

    assert (await client.get("/api/v1/me", headers=admin)).status_code == 200
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
    try:
        assert (await client.get("/api/v1/me", headers=admin)).status_code == 200
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", count)
    assert statements == []


async def test_keys_of_an_agency_no_longer_active_do_not_sign_in(
    client: httpx.AsyncClient, office: dict[str, str], keys: Any
) -> None:
    merged = await make_agency(client, office, name="Sở Thông tin và Truyền thông")
    successor = await make_agency(client, office, name="Sở Khoa học và Công nghệ")
    gone = await make_agency(client, office, name="Ban Quản lý cũ")
    staff = await keys.make(Role.agency, merged["id"])
    other = await keys.make(Role.agency, gone["id"])
    assert (await client.get("/api/v1/me", headers=staff)).status_code == 200  # now cached
    merge = await client.post(
        f"/api/v1/agencies/{merged['id']}/succession",
        json={"successor_id": successor["id"], "effective_on": "2025-03-01", "status": "merged"},
        headers=office,
    )
    assert merge.status_code == 200
    refused = await client.get("/api/v1/tasks", headers=staff)
    assert refused.status_code == 403 and "merged" in refused.json()["detail"]
    assert (await client.get("/api/v1/me", headers=other)).status_code == 200
    deleted = await client.delete(f"/api/v1/agencies/{gone['id']}", headers=office)
    assert deleted.status_code == 204
    refused = await client.get("/api/v1/me", headers=other)
    assert refused.status_code == 403 and "deleted" in refused.json()["detail"]


async def test_failed_sign_ins_are_throttled_per_address(database_url: str) -> None:
    import secrets

    app = create_app(
        Settings(
            bootstrap_admin_key=BOOTSTRAP_KEY,
            auth_failures_per_minute=5,
            rate_limit_per_minute=0,
            db_pool_size=1,
            db_connect_timeout_seconds=0.5,
        ),
        database_url=database_url,
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    good = {"Authorization": f"Bearer {BOOTSTRAP_KEY}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        assert (await client.get("/api/v1/me", headers=good)).status_code == 200  # cached
        async with app.state.engine.connect():  # the only write connection is taken:
            left = []
            for _ in range(5):  # unknown keys are looked up elsewhere, and answered 401
                guess = {"Authorization": f"Bearer ddk_{secrets.token_urlsafe(32)}"}
                refused = await client.get("/api/v1/me", headers=guess)
                assert refused.status_code == 401
                # The address's quota of failed sign-ins, counting down (RateLimit headers).
                assert refused.headers["ratelimit-policy"] == '"sign-in";q=5;w=60'
                left.append(refused.headers["ratelimit"].split(";")[1])
            assert left == ["r=4", "r=3", "r=2", "r=1", "r=0"]
        throttled = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer ddk_{secrets.token_urlsafe(32)}"}
        )
        assert throttled.status_code == 429
        assert 1 <= int(throttled.headers["retry-after"]) <= 61
        bad_token = await client.get("/api/v1/me", headers={"Authorization": "Bearer a.b.c"})
        assert bad_token.status_code in (401, 429)
        # A key already verified still works from that address.
        assert (await client.get("/api/v1/me", headers=good)).status_code == 200
