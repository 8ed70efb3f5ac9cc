"""Officials and a division of the lead agency, for the tests of issue 17 (a fixture every
test module sees through tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.enums import Role
from tests.conftest import Keys, World


async def division(world: World, headers: dict[str, str], name: str) -> dict[str, Any]:
    r = await world.client.post(
        "/api/v1/agencies",
        json={
            "code": f"D{abs(hash(name)) % 10**8}",
            "name": name,
            "kind": "division",
            "parent_id": world.lead["id"],
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def official(world: World, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": "Cán bộ minh hoạ", "agency_id": world.lead["id"], **fields}
    r = await world.client.post("/api/v1/officials", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


class People:
    def __init__(self, world: World) -> None:
        self.world = world
        self.division: dict[str, Any] = {}
        self.focal: dict[str, Any] = {}
        self.specialist: dict[str, Any] = {}
        self.outsider: dict[str, Any] = {}
        self.h: dict[str, dict[str, str]] = {}


@pytest.fixture
async def people(world: World, keys: Keys) -> People:
    p = People(world)
    # The lead agency's own staff set up their division and officials.
    p.division = await division(world, world.h["lead"], "Phòng Bưu chính, Viễn thông")
    p.focal = await official(
        world,
        world.h["lead"],
        name="Trần Thị Đầu Mối",
        title="Chánh Văn phòng Sở",
        email="daumoi@sotttt.example.gov.vn",
        focal=True,
    )
    p.specialist = await official(
        world,
        world.h["lead"],
        name="Lê Văn Chuyên Viên",
        title="Chuyên viên",
        division_id=p.division["id"],
        email="chuyenvien@sotttt.example.gov.vn",
    )
    p.outsider = await official(
        world, world.h["office"], name="Phạm Văn Khác", agency_id=world.other["id"]
    )
    p.h = {
        "specialist": await keys.make(Role.agency, world.lead["id"], p.specialist["id"]),
        "focal": await keys.make(Role.agency, world.lead["id"], p.focal["id"]),
    }
    return p
