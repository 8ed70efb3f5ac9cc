"""The other resources of the contract in the harness: agencies, directives, proposals and
budget requests (the single read and the list of each), a directive's history and the change
feed.

`ensure` makes them through the service itself (in process, as the office) when the loaded
database has fewer than `COUNT` of each: a province has a few hundred directives, proposals
and budget requests a year against tens of thousands of tasks, and every row made this way is
a real one (codes, history, events). `samples` picks the ids the scripts ask for; `baseline_*`
(`replay_routes`) are the raw baseline's endpoints for them (bench/baseline.py): the statements
the service sent, replayed."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import Table

from app.agencies.models import AGENCIES
from app.budget.models import BUDGET_REQUESTS
from app.directives.models import DIRECTIVES
from app.proposals.models import PROPOSALS

COUNT = 300
# path segment → table
RESOURCES: dict[str, Table] = {
    "agencies": AGENCIES,
    "directives": DIRECTIVES,
    "proposals": PROPOSALS,
    "budget-requests": BUDGET_REQUESTS,
}


def _bodies(n: int, agencies: list[str]) -> dict[str, Any]:
    lead = agencies[n % len(agencies)]
    return {
        "directives": {
            "kind": "meeting_conclusion",
            "title": f"Kết luận buổi làm việc số {n} về chuyển đổi số",
            "issuer_agency_id": agencies[0],
            "issued_on": "2025-03-01",
            "document_number": f"{n + 1}/TB-UBND",
        },
        "proposals": {
            "title": f"Kiến nghị số {n} về hạ tầng số",
            "category": "funding",
            "submitting_agency_id": lead,
        },
        "budget-requests": {
            "title": f"Đề nghị bố trí kinh phí số {n}",
            "expenditure_type": "investment",
            "purpose": "capital_shortfall",
            "funding_source": "provincial",
            "fiscal_year": 2026,
            "amount_requested_vnd": 1_000_000_000 + n,
            "requesting_agency_id": lead,
        },
    }


async def ensure(dsn: str, key: str) -> None:
    """At least COUNT directives, proposals and budget requests, made through the service."""
    from app.core.config import Settings
    from app.main import create_app

    conn = await asyncpg.connect(dsn)
    try:
        have = {
            name: int(await conn.fetchval(f"SELECT count(*) FROM {table.name}"))
            for name, table in RESOURCES.items()
            if name != "agencies"
        }
        agencies = [str(r[0]) for r in await conn.fetch("SELECT id FROM agencies ORDER BY code")]
    finally:
        await conn.close()
    if all(n >= COUNT for n in have.values()):
        return
    url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    app = create_app(Settings(rate_limit_per_minute=0), database_url=url)
    headers = {"Authorization": f"Bearer {key}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for name, n_have in have.items():
                for n in range(n_have, COUNT):
                    r = await client.post(
                        f"/api/v1/{name}", json=_bodies(n, agencies)[name], headers=headers
                    )
                    if r.status_code != 201:
                        raise SystemExit(f"making {name}: {r.status_code} {r.text}")
                    if name == "directives":  # a history of more than one entry
                        r = await client.post(
                            f"/api/v1/directives/{r.json()['id']}/transitions",
                            json={"action": "issue"},
                            headers=headers,
                        )
                        if r.status_code != 200:
                            raise SystemExit(f"issuing a directive: {r.status_code} {r.text}")
    print(f"made {COUNT} directives, proposals and budget requests", flush=True)


async def samples(dsn: str) -> dict[str, list[str]]:
    conn = await asyncpg.connect(dsn)
    try:
        return {
            name: [
                str(r[0])
                for r in await conn.fetch(
                    f"SELECT id FROM {table.name} WHERE deleted_at IS NULL ORDER BY id LIMIT 500"
                )
            ]
            for name, table in RESOURCES.items()
        }
    finally:
        await conn.close()


def lua(name: str, ids: list[str] | None, suffix: str = "", query: str = "") -> str:
    """A wrk script: a random id's read (with `suffix`), or the list with `query`."""
    if ids is None:
        return f"""
request = function()
  return wrk.format("GET", "/api/v1/{name}{query}")
end
"""
    table = "{" + ",".join(f'"{v}"' for v in ids) + "}"
    return f"""
local ids = {table}
request = function()
  return wrk.format("GET", "/api/v1/{name}/" .. ids[math.random(#ids)] .. "{suffix}")
end
"""


def endpoints(data: dict[str, list[str]]) -> dict[str, tuple[str, list[str] | None, str, str]]:
    """Endpoint label → (path segment, ids or None for a list, suffix, query)."""
    out: dict[str, tuple[str, list[str] | None, str, str]] = {}
    for name in RESOURCES:
        out[f"GET /{name}/{{id}}"] = (name, data[name], "", "")
        out[f"GET /{name}"] = (name, None, "", "?limit=50")
    out["GET /directives/{id}/history"] = ("directives", data["directives"], "/history", "")
    out["GET /events"] = ("events", None, "", "?limit=50")
    return out


# --- the baseline's side -------------------------------------------------------------------
#
# The baseline sends the very statements the service sent for the first sample of each
# endpoint (captured by the harness where reads are prepared, bench/run.py), with that sample's
# id replaced by the request's: the same SQL and the same arguments, so the ratio measures the
# service's own work around them. Its JSON is the first statement's rows (one, or a page of
# 50) with the other statements' rows beside them.


def _encode(value: Any) -> Any:
    if isinstance(value, uuid.UUID) or type(value).__name__ == "UUID":
        return {"uuid": str(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return {"str": str(value)}  # an enum: its text


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        ((kind, text),) = value.items()
        if kind == "uuid":
            return uuid.UUID(text)
        if kind == "datetime":
            return datetime.fromisoformat(text)
        if kind == "date":
            return date.fromisoformat(text)
        return text
    return value


def encode_statements(captured: list[tuple[str, Any]]) -> list[Any]:
    return [[sql, [_encode(a) for a in arguments]] for sql, arguments in captured]


def _replace(value: Any, sample: uuid.UUID, wanted: uuid.UUID) -> Any:
    if value == sample:
        return wanted
    if isinstance(value, list):
        return [_replace(v, sample, wanted) for v in value]
    return value


def replay_routes(path: str, json_response: Any) -> list[Any]:
    """The baseline's routes for the endpoints whose statements `path` holds."""
    from starlette.routing import Route

    recorded = json.loads(Path(path).read_text())
    routes = []
    for label, (name, ids, suffix, _) in endpoints(recorded["samples"]).items():
        if label not in recorded["statements"]:
            continue
        statements = [
            (sql, [_decode(a) for a in arguments])
            for sql, arguments in recorded["statements"][label]
        ]
        sample = uuid.UUID(ids[0]) if ids else None
        routes.append(
            Route(
                f"/api/v1/{name}" + ("/{id}" + suffix if ids else ""),
                _replayer(statements, sample, json_response),
                methods=["GET"],
            )
        )
    return routes


def _replayer(statements: list[Any], sample: uuid.UUID | None, json_response: Any) -> Any:
    from starlette.requests import Request

    async def replay(request: Request) -> Any:
        wanted = uuid.UUID(request.path_params["id"]) if sample is not None else None
        results = []
        async with request.app.state.pool.acquire() as conn:
            for sql, arguments in statements:
                if sample is not None:
                    arguments = [_replace(a, sample, wanted) for a in arguments]
                results.append(await conn.fetch(sql, *arguments))
        first, rest = results[0], results[1:]
        extra = [[dict(r) for r in rows] for rows in rest]
        if sample is not None:
            if not first:
                return json_response({"status": 404}, 404)
            return json_response({**dict(first[0]), "allowed_actions": [], "extra": extra})
        items = [{**dict(r), "allowed_actions": []} for r in first[:50]]
        return json_response({"items": items, "next_cursor": None, "extra": extra})

    return replay
