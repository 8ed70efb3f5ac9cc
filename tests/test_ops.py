"""Health, readiness, metrics, enums, offline docs, the OpenAPI document."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.labels import LABELS


async def test_health_and_readiness(
    client: httpx.AsyncClient, engine: AsyncEngine, app: FastAPI
) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).status_code == 200
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    try:
        behind = await client.get("/readyz")
        assert behind.status_code == 503
        assert "0000" in behind.json()["detail"]
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE alembic_version SET version_num = :v"),
                {"v": app.state.head_revision},
            )
    assert (await client.get("/readyz")).status_code == 200


async def test_metrics_count_requests_by_route_and_status(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    await client.get("/api/v1/agencies", headers=office)
    await client.get("/api/v1/agencies")
    page = (await client.get("/metrics")).text
    ok = re.search(
        r'dondoc_http_requests_total\{method="GET",route="/api/v1/agencies",status="200"\} (\d+)',
        page,
    )
    denied = re.search(
        r'dondoc_http_requests_total\{method="GET",route="/api/v1/agencies",status="401"\} (\d+)',
        page,
    )
    assert ok and int(float(ok.group(1))) >= 1
    assert denied and int(float(denied.group(1))) >= 1
    assert "dondoc_http_request_duration_seconds_bucket" in page
    assert re.search(r'^dondoc_db_pool_size\{pool="read"\} \d', page, re.M)
    assert re.search(r'^dondoc_db_pool_size\{pool="write"\} \d', page, re.M)
    assert "dondoc_db_pool_checked_out" in page


async def test_enums_have_both_labels(client: httpx.AsyncClient, office: dict[str, str]) -> None:
    enums = (await client.get("/api/v1/meta/enums", headers=office)).json()
    assert len(enums) == len(LABELS)
    # Keyed by the enum's schema name, with exactly the schema's values.
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for name, values in enums.items():
        assert [v["code"] for v in values] == schemas[name]["enum"], name
    kinds = {e["code"]: e for e in enums["AgencyKind"]}
    assert kinds["department"]["label_vi"] == "Sở, ngành"
    assert kinds["department"]["label_en"] == "Department"
    assert all(e["label_vi"] and e["label_en"] for values in enums.values() for e in values)
    assert (await client.get("/api/v1/meta/enums")).status_code == 401


async def test_docs_are_served_without_the_internet(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        assert "/openapi.json" in html
        assert not re.search(r"(src|href)=['\"]https?://", html), page
        for asset in re.findall(r"(?:src|href)=['\"](/static/[^'\"]+)", html):
            response = await client.get(asset)
            assert response.status_code == 200 and len(response.content) > 1000, asset
    assert "fonts.googleapis" not in (await client.get("/redoc")).text


async def test_openapi_operations_have_summaries_and_unique_ids(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operations = [op for path in spec["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z-]+-[a-z_]+", i) for i in ids), ids
    assert all(op.get("summary") for op in operations)
    assert "agencies-list" in ids and "api-keys-create" in ids


async def test_the_request_id_is_the_services(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    assert generated.headers["x-request-id"] != response.headers["x-request-id"]


async def test_every_error_response_is_documented_as_problem_json(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "Problem" in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"], (
                        path,
                        method,
                        code,
                    )
            if path.startswith("/api/v1"):
                assert "401" in operation["responses"], (path, method)


async def test_every_post_takes_an_idempotency_key(client: httpx.AsyncClient) -> None:
    # A retried POST must never act twice: each one declares Idempotency-Key (API.md §1).
    paths = (await client.get("/openapi.json")).json()["paths"]
    missing = [
        path
        for path, operations in paths.items()
        if "post" in operations
        and not any(
            p["in"] == "header" and p["name"] == "Idempotency-Key"
            for p in operations["post"].get("parameters", [])
        )
    ]
    assert missing == []


async def test_transition_bodies_are_tagged_unions(client: httpx.AsyncClient) -> None:
    # One model per action, told apart by `action`: each action's required fields are visible.
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    for path in (
        "tasks/{task_id}",
        "directives/{directive_id}",
        "proposals/{proposal_id}",
        "budget-requests/{request_id}",
    ):
        operation = document["paths"][f"/api/v1/{path}/transitions"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["discriminator"]["propertyName"] == "action"
        assert len(body["oneOf"]) == len(body["discriminator"]["mapping"]) >= 4
    assert schemas["SubmitTask"]["required"] == ["action", "result"]
    assert "comment" in schemas["CancelTask"]["required"]
    assert set(schemas["ApproveBudgetRequest"]["required"]) == {
        "action",
        "amount_approved_vnd",
        "decision",
    }
