"""The OpenAPI document says what the service does: statuses, headers, closed sets; and error
answers carry a stable code, the request id, a type that resolves, and Vietnamese on request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from app.errors import problems

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    return (await client.get("/openapi.json")).json()  # type: ignore[no-any-return]


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
        if method in METHODS
    ]


def headers_of(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in op.get("parameters", []) if p["in"] == "header"}


def test_every_operation_documents_what_can_always_happen(document: dict[str, Any]) -> None:
    for path, method, op in operations(document):
        codes = set(op["responses"])
        assert {"429", "500"} <= codes, (method, path)
        if path.startswith("/api/"):
            assert "400" in codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        if "requestBody" in op:
            assert {"413", "415"} <= codes, (method, path)
        named = headers_of(op)
        if "Idempotency-Key" in named:
            assert "409" in codes, (method, path)
        for name, param in named.items():
            assert param["schema"]["type"] == "string", (method, path, name)
        for code, response in op["responses"].items():
            assert "X-Request-ID" in response["headers"], (method, path, code)
            if path.startswith("/api/"):
                assert {"RateLimit", "RateLimit-Policy"} <= set(response["headers"])
            if code in ("429", "503"):
                assert "Retry-After" in response["headers"], (method, path, code)
            if code[0] in "45":
                assert "application/problem+json" in response["content"]


def test_if_match_is_required_where_the_service_requires_it(document: dict[str, Any]) -> None:
    patches = [op for _, method, op in operations(document) if method == "patch"]
    assert patches and all(headers_of(op)["If-Match"]["required"] for op in patches)
    deletes = [op for _, method, op in operations(document) if method == "delete"]
    assert all(not headers_of(op)["If-Match"].get("required") for op in deletes if headers_of(op))


def test_response_headers_are_documented(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert set(document["components"]["headers"]) >= {"ETag", "RateLimit", "X-Request-ID"}
    task = paths["/api/v1/tasks/{task_id}"]["get"]["responses"]["200"]["headers"]
    assert "ETag" in task
    created = paths["/api/v1/tasks"]["post"]["responses"]["201"]["headers"]
    assert {"Location", "ETag", "Idempotent-Replayed"} <= set(created)
    assert "Link" in paths["/api/v1/tasks"]["get"]["responses"]["200"]["headers"]
    file = paths["/api/v1/tasks.{format}"]["get"]["responses"]["200"]
    assert "Content-Disposition" in file["headers"]


def test_closed_sets_are_named_enums(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]

    def ref(schema: str, prop: str) -> str:
        field = schemas[schema]["properties"][prop]
        target = field.get("items", field)
        target = next((s for s in target.get("anyOf", [target]) if "$ref" in s), target)
        return str(target["$ref"]).rsplit("/", 1)[-1]

    assert ref("TaskRead", "allowed_actions") == "TaskAction"
    assert {"start", "submit", "confirm", "update"} <= set(schemas["TaskAction"]["enum"])
    assert ref("ExtensionRequestRead", "status") == "ExtensionStatus"
    assert ref("DeliveryRead", "status") == "DeliveryStatus"
    assert ref("HistoryRead", "resource_type") == ref("EventRead", "resource_type")
    assert ref("TaskReport", "group_by") == ref("SnapshotCreate", "group_by") == "TaskGroupBy"
    assert ref("HistoryRead", "action") == "HistoryAction"
    assert ref("EventRead", "type") == "EventType"
    assert {"task.start", "agency.succession"} <= set(schemas["EventType"]["enum"])
    assert ref("SuccessionCreate", "status") == "SuccessionStatus"
    assert schemas["SuccessionStatus"]["enum"] == ["merged", "dissolved"]
    periods = document["paths"]["/api/v1/reports/periods"]["get"]["parameters"]
    mode = next(p for p in periods if p["name"] == "period_mode")["schema"]
    assert mode["$ref"].endswith("/PeriodMode")
    transitions = document["paths"]["/api/v1/tasks/{task_id}/transitions"]["post"]
    union = transitions["requestBody"]["content"]["application/json"]["schema"]
    assert union["discriminator"]["propertyName"] == "action"
    assert set(union["discriminator"]["mapping"]) <= set(schemas["TaskAction"]["enum"])
    problem = schemas["Problem"]
    assert {"code", "request_id"} <= set(problem["required"])
    assert set(problem["properties"]["code"]["enum"]) == set(problems.BY_CODE)


async def test_allowed_actions_are_within_their_enum(
    client: httpx.AsyncClient, document: dict[str, Any], world: Any, office: dict[str, str]
) -> None:
    enum = set(document["components"]["schemas"]["TaskAction"]["enum"])
    task = await world.task()
    seen = set(task["allowed_actions"])
    for action, fields in (("start", {}), ("submit", {"result": "Đã vận hành"})):
        answer = await world.act(task, "lead", action, **fields)
        assert answer.status_code == 200, answer.text
        seen |= set(answer.json()["allowed_actions"])
    assert seen and seen <= enum


async def test_problems_carry_code_and_request_id_and_their_type_resolves(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    answers = [
        await client.get("/api/v1/tasks/00000000-0000-0000-0000-000000000000", headers=office),
        await client.get("/api/v1/tasks"),
        await client.post("/api/v1/agencies", json={"code": ""}, headers=office),
        await client.get("/api/v1/tasks?nonsense=1", headers=office),
    ]
    assert [a.status_code for a in answers] == [404, 401, 422, 400]
    for answer in answers:
        body = answer.json()
        assert body["code"] in problems.BY_CODE and body["type"] == f"/problems/{body['code']}"
        assert body["request_id"] == answer.headers["x-request-id"]
        page = await client.get(body["type"])
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert f"<code>{body['code']}</code>" in page.text
    catalogue = (await client.get("/problems")).json()
    assert [k["code"] for k in catalogue] == [k.code for k in problems.KINDS]
    assert (await client.get("/problems/no-such-kind")).status_code == 404


def test_the_error_catalogue_in_docs_is_the_services() -> None:
    assert (ROOT / "docs" / "errors.md").read_text() == problems.catalogue_markdown()


async def test_vietnamese_on_request(client: httpx.AsyncClient, office: dict[str, str]) -> None:
    vi = {**office, "Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}
    invalid = await client.post("/api/v1/agencies", json={"name": "x" * 600}, headers=vi)
    body = invalid.json()
    assert body["title"] == "Dữ liệu không hợp lệ"
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages["code"] == "Trường này là bắt buộc"
    assert messages["name"] == "Chuỗi dài tối đa 500 ký tự" or "ký tự" in messages["name"]
    assert "Trường này là bắt buộc" in body["detail"]
    missing = await client.get("/api/v1/tasks/00000000-0000-0000-0000-000000000000", headers=vi)
    assert missing.json()["title"] == "Không tìm thấy"
    assert missing.json()["detail"].startswith("Không")
    duplicate = {"code": "VI.1", "name": "Sở A", "kind": "department"}
    assert (await client.post("/api/v1/agencies", json=duplicate, headers=vi)).status_code == 201
    again = (await client.post("/api/v1/agencies", json=duplicate, headers=vi)).json()
    assert (again["code"], again["detail"]) == ("conflict", "Đã có cơ quan với mã 'VI.1'.")
    # English stays the default, and a lower preference for Vietnamese does not switch.
    for english in (office, {**office, "Accept-Language": "en, vi;q=0.5"}):
        answer = await client.get(
            "/api/v1/tasks/00000000-0000-0000-0000-000000000000", headers=english
        )
        assert answer.json()["title"] == "Not found"


def _validator(document: dict[str, Any], path: str, method: str = "get") -> Any:
    import jsonschema_rs

    response = document["paths"][path][method]["responses"]
    ok = response.get("200") or response["201"]
    schema = ok["content"]["application/json"]["schema"]
    return jsonschema_rs.Draft202012Validator(
        {**schema, "components": document["components"]}, validate_formats=True
    )


async def test_answers_match_their_documented_schemas(
    client: httpx.AsyncClient, engine: Any, office: dict[str, str], document: dict[str, Any]
) -> None:
    """On the demo province (appraisals, decisions, answers, attachments, a frozen report):
    every field the document requires is sent, with its documented type."""
    from demo import scenario as demo

    async with engine.begin() as conn:
        await demo.load(conn)
    api = "/api/v1"

    async def check(url: str, path: str | None = None, **params: Any) -> dict[str, Any]:
        answer = await client.get(url, params=params, headers=office)
        assert answer.status_code == 200, (url, answer.text)
        body: dict[str, Any] = answer.json()
        errors = [str(e) for e in _validator(document, path or url).iter_errors(body)]
        assert not errors, (url, errors[:3])
        return body

    for name in ("agencies", "directives", "tasks", "proposals", "budget-requests", "events"):
        await check(f"{api}/{name}", limit=200)
    tasks = (await check(f"{api}/tasks", limit=200))["items"]
    reported = [t for t in tasks if t["progress_percent"]]
    assert reported
    await check(
        f"{api}/tasks/{reported[0]['id']}/progress-reports",
        f"{api}/tasks/{{task_id}}/progress-reports",
    )
    # Money past 2^31 and, summed, past 2^32 đồng: integers in the document, exact in JSON.
    from app.core import examples as demo_ids

    big: dict[str, Any] = {"title": "Đầu tư hạ tầng số", "requesting_agency_id": demo_ids.SCIENCE}
    big |= {"expenditure_type": "investment", "purpose": "equipment"}
    big |= {"funding_source": "provincial", "fiscal_year": 2023}
    for amount in (3_000_000_000, 2_500_000_000_000):
        made = await client.post(
            f"{api}/budget-requests", json={**big, "amount_requested_vnd": amount}, headers=office
        )
        assert made.status_code == 201, made.text
    budget = (await check(f"{api}/budget-requests"))["items"]
    assert any(b["decision"] for b in budget) and any(b["appraisal"] for b in budget)
    # the demo's proposals are answered: one more, submitted, to answer here
    raised = await client.post(
        f"{api}/proposals",
        json={
            "title": "Kiến nghị bổ sung",
            "category": "other",
            "submitting_agency_id": demo_ids.SCIENCE,
        },
        headers=office,
    )
    assert raised.status_code == 201, raised.text
    sent = await client.post(
        f"{api}/proposals/{raised.json()['id']}/transitions",
        json={"action": "submit"},
        headers=office,
    )
    assert sent.status_code == 200, sent.text
    proposals = (await check(f"{api}/proposals"))["items"]
    open_ = next(p for p in proposals if {"review", "resolve"} & set(p["allowed_actions"]))
    steps: list[dict[str, Any]] = [
        {"action": "review"},
        {
            "action": "resolve",
            "resolution": "accepted",
            "response": {"text": "Đồng ý chủ trương", "responder_name": "Văn phòng"},
        },
    ]
    for action in steps[0 if "review" in open_["allowed_actions"] else 1 :]:
        moved = await client.post(
            f"{api}/proposals/{open_['id']}/transitions", json=action, headers=office
        )
        assert moved.status_code == 200, moved.text
    proposals = (await check(f"{api}/proposals"))["items"]
    assert any(p["response"] for p in proposals)
    for params in ({}, {"period": "2023-Q4"}, {"group_by": "directive"}):
        await check(f"{api}/reports/tasks", **params)
    money = await check(f"{api}/reports/budget", fiscal_year=2023)
    assert money["totals"]["requested_vnd"] >= 2_503_000_000_000
    await check(f"{api}/reports/proposals")
    await check(f"{api}/reports/periods", kind="quarter", year=2023)
    frozen = (await check(f"{api}/reports/snapshots"))["items"]
    assert frozen
    one = f"{api}/reports/snapshots/{{snapshot_id}}"
    await check(f"{api}/reports/snapshots/{frozen[0]['id']}", one)
    # A task of the quarter typed in only now: the frozen figures have drifted from it.
    from app.core import examples as demo_ids

    late = {"title": "Nhiệm vụ nhập bổ sung", "lead_agency_id": demo_ids.SCIENCE}
    late |= {"assigned_on": "2023-10-02", "due_date": "2023-11-30"}
    assert (await client.post(f"{api}/tasks", json=late, headers=office)).status_code == 201
    drift = await check(f"{api}/reports/snapshots/{frozen[0]['id']}/drift", f"{one}/drift")
    assert [i["frozen"] for i in drift["items"]] == [None] and drift["items"][0]["changes"]
    for path in ("/readyz", "/healthz", "/problems", f"{api}/meta/enums", f"{api}/me"):
        await check(path)


def test_the_committed_contract_is_the_services() -> None:
    from app.api import contract_check

    assert (ROOT / "openapi.json").read_text() == contract_check.render(contract_check.current())


def test_breaking_changes_are_found() -> None:
    from app.api.contract_check import breaking

    def doc(op_id: str, enum: list[str], required: list[str], param: bool) -> dict[str, Any]:
        body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}}
        parameters = [{"name": "q", "in": "query", "required": param, "schema": {}}]
        return {
            "paths": {
                "/a": {"get": {"operationId": op_id, "parameters": parameters}},
                "/b": {"post": {"operationId": "b", "requestBody": body}},
            },
            "components": {
                "schemas": {
                    "In": {
                        "properties": {
                            "x": {"type": "string", "enum": enum},
                            "y": {"type": "integer"},
                        },
                        "required": required,
                    }
                }
            },
        }

    old = doc("a", ["p", "q"], ["x"], False)
    assert breaking(old, doc("a", ["p", "q", "r"], ["x"], False)) == []  # widened: fine
    assert breaking(old, doc("a2", ["p", "q"], ["x"], False)) == ["GET /a: operationId a renamed"]
    assert breaking(old, doc("a", ["p"], ["x"], False)) == ["In.x: type narrowed"]
    assert breaking(old, doc("a", ["p", "q"], ["x", "y"], False)) == [
        "In.y: request field now required"
    ]
    assert breaking(old, doc("a", ["p", "q"], ["x"], True)) == ["GET /a: parameter q now required"]
    gone = doc("a", ["p", "q"], ["x"], False)
    del gone["paths"]["/a"]
    assert breaking(old, gone) == ["GET /a: operation removed"]
    typed = doc("a", ["p", "q"], ["x"], False)
    typed["components"]["schemas"]["In"]["properties"]["y"] = {"type": "string"}
    assert breaking(old, typed) == ["In.y: type narrowed"]


async def test_downloads_are_operations_of_their_own(
    client: httpx.AsyncClient, world: Any, office: dict[str, str], document: dict[str, Any]
) -> None:
    await world.task(title="Tải về bảng tính")
    csv = await client.get("/api/v1/tasks.csv", headers=office)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "Tải về bảng tính" in csv.text and "attachment" in csv.headers["content-disposition"]
    xlsx = await client.get("/api/v1/tasks.xlsx", params={"status": "new"}, headers=office)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    report = await client.get("/api/v1/reports/tasks.csv", headers=office)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    assert (await client.get("/api/v1/tasks.pdf", headers=office)).status_code == 404
    # Filters are checked as on the JSON operation; the JSON operation stays JSON only.
    assert (await client.get("/api/v1/tasks.csv?nonsense=1", headers=office)).status_code == 400
    paths = document["paths"]
    assert list(paths["/api/v1/tasks"]["get"]["responses"]["200"]["content"]) == [
        "application/json"
    ]
    for path in ("/api/v1/tasks.{format}", "/api/v1/reports/snapshots/{snapshot_id}.{format}"):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert all(c["schema"] == {"type": "string", "format": "binary"} for c in content.values())


async def test_examples_name_what_the_demo_has(
    client: httpx.AsyncClient, engine: Any, office: dict[str, str], document: dict[str, Any]
) -> None:
    import json
    import re

    from demo import scenario as demo

    async with engine.begin() as conn:
        await demo.load(conn)
    text = json.dumps(document["components"]["schemas"])
    ids = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text))
    assert len(ids) >= 2
    for agency_id in ids:
        found = await client.get(f"/api/v1/agencies/{agency_id}", headers=office)
        # An example's agency can be given work on the demo: it exists and is active.
        assert found.status_code == 200, agency_id
        assert found.json()["status"] == "active", agency_id
