"""The other resources of the contract in the harness: agencies, directives, proposals and
budget requests (the single read and the list of each), a directive's history and the change
feed.

`ensure` makes them through the service itself (in process, as the office) when the loaded
database has fewer than `COUNT` of each: a province has a few hundred directives, proposals
and budget requests a year against tens of thousands of tasks, and every row made this way is
a real one (codes, history, events). `samples` picks the ids the scripts ask for; `baseline_*`
are the raw baseline's endpoints for them (bench/baseline.py): the table's public columns by
id, or the first page in the service's default order, with the same JSON encoder."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
from sqlalchemy import Table

from app.kernel.fields import public_columns
from app.models.agencies import AGENCIES, AgencyRead
from app.models.budget_requests import BUDGET_REQUESTS, BudgetRequestRead
from app.models.directives import DIRECTIVES, DirectiveRead
from app.models.history import HISTORY, HistoryRead
from app.models.proposals import PROPOSALS, ProposalRead

COUNT = 300
# path segment → (table, read model, default order of the service's list)
RESOURCES: dict[str, tuple[Table, Any, str]] = {
    "agencies": (AGENCIES, AgencyRead, "code, id"),
    "directives": (DIRECTIVES, DirectiveRead, "created_at DESC, id DESC"),
    "proposals": (PROPOSALS, ProposalRead, "created_at DESC, id DESC"),
    "budget-requests": (BUDGET_REQUESTS, BudgetRequestRead, "created_at DESC, id DESC"),
}


def columns(table: Table, read: Any) -> str:
    return ", ".join(c.name for c in public_columns(table, read))


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
    from app.config import Settings
    from app.main import create_app

    conn = await asyncpg.connect(dsn)
    try:
        have = {
            name: int(await conn.fetchval(f"SELECT count(*) FROM {table.name}"))
            for name, (table, _, _) in RESOURCES.items()
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
            for name, (table, _, _) in RESOURCES.items()
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

HISTORY_SQL = (
    f"SELECT {columns(HISTORY, HistoryRead)} FROM history"
    " WHERE resource_type = $1 AND resource_id = $2 ORDER BY occurred_at, id LIMIT 51"
)
EVENTS_SQL = (
    "SELECT id, txid::text AS txid_text, type, occurred_at, actor_id, actor_name, actor_role,"
    " request_id, resource_type, resource_id, data FROM events"
    " WHERE (txid, id) > ('0'::xid8, 0)"
    " AND txid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY events.txid, events.id LIMIT 51"
)


def get_sql(name: str) -> str:
    table, read, _ = RESOURCES[name]
    return f"SELECT {columns(table, read)} FROM {table.name} WHERE id = $1 AND deleted_at IS NULL"


def list_sql(name: str) -> str:
    table, read, order = RESOURCES[name]
    return (
        f"SELECT {columns(table, read)} FROM {table.name} WHERE deleted_at IS NULL"
        f" ORDER BY {order} LIMIT 51"
    )


def parse_id(value: str) -> uuid.UUID:
    return uuid.UUID(value)
