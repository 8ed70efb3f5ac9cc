"""The demo scenario."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app import demo


async def test_demo_loads_the_province_once(
    client: httpx.AsyncClient, engine: AsyncEngine, office: dict[str, str]
) -> None:
    async with engine.begin() as conn:
        assert await demo.load(conn) == {"agencies": len(demo.AGENCIES)}
    async with engine.begin() as conn:
        assert await demo.load(conn) == {"agencies": 0}
    found = (
        await client.get("/api/v1/agencies", params={"q": "so khoa hoc cong nghe"}, headers=office)
    ).json()["items"]
    assert [a["name"] for a in found] == ["Sở Khoa học và Công nghệ"]
    ict = (
        await client.get("/api/v1/agencies", params={"q": "thong tin truyen thong"}, headers=office)
    ).json()["items"]
    centre = next(a for a in ict if a["kind"] == "public_service_unit")
    department = next(a for a in ict if a["kind"] == "department")
    assert centre["parent_id"] == department["id"]
