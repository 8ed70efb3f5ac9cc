"""Split succession (issue 19): several successors, each its share of the open work — listed
tasks, fields, pillars, the rest — with a dry run, child units re-parented and work in flight
moved, all in one transaction."""

from __future__ import annotations

from typing import Any

from tests.conftest import World, make_agency

A = "/api/v1"


async def _scene(world: World) -> dict[str, Any]:
    c, office = world.client, world.h["office"]
    old = await make_agency(c, office, name="Sở Thông tin và Truyền thông")
    science = await make_agency(c, office, name="Sở Khoa học và Công nghệ")
    culture = await make_agency(c, office, name="Sở Văn hóa, Thể thao và Du lịch")
    industry = await make_agency(c, office, name="Sở Công Thương")
    police = await make_agency(c, office, name="Công an tỉnh")
    centre = await make_agency(
        c, office, name="Trung tâm CNTT&TT", kind="public_service_unit", parent_id=old["id"]
    )

    async def task(**fields: Any) -> dict[str, Any]:
        return await world.task(lead_agency_id=old["id"], cooperating_agency_ids=[], **fields)

    tasks = {
        "press": await task(field="Báo chí"),
        "digital": await task(field="Chuyển đổi số"),
        "economy": await task(pillar="digital_economy"),
        "security": await task(field="Chuyển đổi số", title="An toàn, an ninh mạng"),
        "done": await task(field="Báo chí"),
        "coop": await world.task(
            lead_agency_id=world.lead["id"], cooperating_agency_ids=[old["id"]], field="Báo chí"
        ),
    }
    assert (await world.act(tasks["done"], "office", "cancel", comment="Thôi")).status_code == 200
    asked = await c.post(
        f"{A}/proposals",
        json={"title": "Kiến nghị", "category": "other", "submitting_agency_id": old["id"]},
        headers=office,
    )
    assert asked.status_code == 201
    return {
        "old": old,
        "science": science,
        "culture": culture,
        "industry": industry,
        "police": police,
        "centre": centre,
        "tasks": tasks,
        "proposal": asked.json(),
    }


def _body(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "effective_on": "2025-03-01",
        "status": "merged",
        "successors": [
            {"successor_id": s["science"]["id"], "rest": True},
            {"successor_id": s["culture"]["code"], "fields": ["Báo chí", "Xuất bản"]},
            {"successor_id": s["industry"]["id"], "pillars": ["digital_economy"]},
            {"successor_id": s["police"]["id"], "task_ids": [s["tasks"]["security"]["id"]]},
        ],
    }


async def test_a_dry_run_says_what_would_move_and_changes_nothing(world: World) -> None:
    c, office = world.client, world.h["office"]
    s = await _scene(world)
    url = f"{A}/agencies/{s['old']['id']}/succession"
    r = await c.post(url, params={"dry_run": "true"}, json=_body(s), headers=office)
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["dry_run"] is True and plan["agency"]["status"] == "active"
    by = {m["successor_id"]: m for m in plan["successors"]}
    t = s["tasks"]
    assert by[s["science"]["id"]]["task_ids"] == [t["digital"]["id"]]
    assert by[s["culture"]["id"]]["task_ids"] == [t["press"]["id"]]
    assert by[s["culture"]["id"]]["moved_cooperating"] == 1
    assert by[s["industry"]["id"]]["task_ids"] == [t["economy"]["id"]]
    assert by[s["police"]["id"]]["task_ids"] == [t["security"]["id"]]
    assert (plan["moved_lead"], plan["moved_proposals"]) == (4, 1)
    assert plan["reparented"] == [s["centre"]["id"]]
    # nothing moved
    for key in ("press", "digital", "economy", "security"):
        task = (await c.get(f"{A}/tasks/{t[key]['id']}", headers=office)).json()
        assert task["lead_agency_id"] == s["old"]["id"] and task["version"] == t[key]["version"]
    agency = (await c.get(f"{A}/agencies/{s['old']['id']}", headers=office)).json()
    assert agency["status"] == "active" and agency["version"] == s["old"]["version"]
    history = (await c.get(f"{A}/agencies/{s['old']['id']}/history", headers=office)).json()[
        "items"
    ]
    assert [h["action"] for h in history] == ["created"]


async def test_each_successor_takes_its_share(world: World) -> None:
    c, office = world.client, world.h["office"]
    s = await _scene(world)
    t = s["tasks"]
    body = {**_body(s), "children_successor_id": s["science"]["code"]}
    r = await c.post(f"{A}/agencies/{s['old']['id']}/succession", json=body, headers=office)
    assert r.status_code == 200, r.text
    assert r.json()["dry_run"] is False

    async def lead(key: str) -> str:
        task = (await c.get(f"{A}/tasks/{t[key]['id']}", headers=office)).json()
        return str(task["lead_agency_id"])

    assert await lead("press") == s["culture"]["id"]
    assert await lead("digital") == s["science"]["id"]
    assert await lead("economy") == s["industry"]["id"]
    assert await lead("security") == s["police"]["id"]
    assert await lead("done") == s["old"]["id"]  # cancelled work keeps its agency
    coop = (await c.get(f"{A}/tasks/{t['coop']['id']}", headers=office)).json()
    assert coop["cooperating_agency_ids"] == [s["culture"]["id"]]
    centre = (await c.get(f"{A}/agencies/{s['centre']['id']}", headers=office)).json()
    assert centre["parent_id"] == s["science"]["id"]
    proposal = (await c.get(f"{A}/proposals/{s['proposal']['id']}", headers=office)).json()
    assert proposal["submitting_agency_id"] == s["science"]["id"]
    old = (await c.get(f"{A}/agencies/{s['old']['id']}", headers=office)).json()
    assert (old["status"], old["successor_id"], old["valid_to"]) == (
        "merged",
        s["science"]["id"],
        "2025-02-28",
    )
    history = (await c.get(f"{A}/tasks/{t['press']['id']}/history", headers=office)).json()["items"]
    assert history[-1]["changes"]["lead_agency_id"] == {
        "old": s["old"]["id"],
        "new": s["culture"]["id"],
    }


async def test_a_split_must_be_whole(world: World) -> None:
    c, office = world.client, world.h["office"]
    s = await _scene(world)
    url = f"{A}/agencies/{s['old']['id']}/succession"
    base = _body(s)
    shares = base["successors"]
    wrong = [
        {
            **base,
            "successors": [{**shares[0], "rest": False}, *shares[1:]],
        },  # nobody takes the rest
        {**base, "successors": [shares[0], {**shares[1], "rest": True}]},  # two take it
        {**base, "successors": [shares[0], {"successor_id": s["police"]["id"]}]},  # takes nothing
        {**base, "successors": [shares[0], {**shares[1], "successor_id": s["science"]["id"]}]},
        {**base, "successors": [shares[0], {"successor_id": s["old"]["id"], "fields": ["x"]}]},
        {**base, "successor_id": s["science"]["id"]},  # both forms
        {"effective_on": "2025-03-01", "status": "merged"},  # neither
        {**base, "children_successor_id": world.other["id"]},
    ]
    for body in wrong:
        r = await c.post(url, json=body, headers=office)
        assert r.status_code == 422, (body, r.text)
    agency = (await c.get(f"{A}/agencies/{s['old']['id']}", headers=office)).json()
    assert agency["status"] == "active"


async def test_a_merged_provinces_agencies_keep_their_old_codes(world: World) -> None:
    """Two-level local government: a commune under the province directly; a merged province's
    department imported with its old code as an alias, which still names it everywhere."""
    c, office = world.client, world.h["office"]
    province = await make_agency(c, office, name="UBND tỉnh", kind="provincial_committee")
    commune = await make_agency(
        c, office, name="UBND xã Tân Hòa", kind="commune_committee", parent_id=province["id"]
    )
    assert commune["parent_id"] == province["id"]
    merged = await make_agency(
        c, office, name="Sở Tài chính (hợp nhất)", former_codes=["000.00.15.H98", "H98.15"]
    )
    assert merged["former_codes"] == ["000.00.15.H98", "H98.15"]
    r = await c.post(
        f"{A}/tasks",
        json={"title": "Theo mã cũ", "lead_agency_id": "000.00.15.H98"},
        headers=office,
    )
    assert r.status_code == 201 and r.json()["lead_agency_id"] == merged["id"]
    found = (await c.get(f"{A}/tasks", params={"lead_agency_id": "H98.15"}, headers=office)).json()[
        "items"
    ]
    assert [t["id"] for t in found] == [r.json()["id"]]
    # one code, one agency: an alias cannot be another's code or alias
    clash = await c.post(
        f"{A}/agencies",
        json={"code": "X1", "name": "x", "kind": "other", "former_codes": [merged["code"]]},
        headers=office,
    )
    assert clash.status_code == 409
    clash = await c.post(
        f"{A}/agencies", json={"code": "H98.15", "name": "x", "kind": "other"}, headers=office
    )
    assert clash.status_code == 409
    bad = await c.post(
        f"{A}/agencies",
        json={"code": "X2", "name": "x", "kind": "other", "former_codes": ["không hợp lệ"]},
        headers=office,
    )
    assert bad.status_code == 422


async def test_a_dissolved_district_is_split_among_its_communes(world: World) -> None:
    """1 July 2025: a district is dissolved; its open tasks go to the communes named for them,
    the rest to the province."""
    c, office = world.client, world.h["office"]
    province = await make_agency(c, office, name="UBND tỉnh", kind="provincial_committee")
    district = await make_agency(
        c, office, name="UBND huyện A", kind="district_committee", parent_id=province["id"]
    )
    east = await make_agency(c, office, name="UBND xã Đông", kind="commune_committee")
    west = await make_agency(c, office, name="UBND xã Tây", kind="commune_committee")
    first = await world.task(lead_agency_id=district["id"], cooperating_agency_ids=[])
    second = await world.task(lead_agency_id=district["id"], cooperating_agency_ids=[])
    third = await world.task(lead_agency_id=district["id"], cooperating_agency_ids=[])
    r = await c.post(
        f"{A}/agencies/{district['id']}/succession",
        json={
            "effective_on": "2025-07-01",
            "status": "dissolved",
            "successors": [
                {"successor_id": east["id"], "task_ids": [first["id"]]},
                {"successor_id": west["id"], "task_ids": [second["id"]]},
                {"successor_id": province["id"], "rest": True},
            ],
        },
        headers=office,
    )
    assert r.status_code == 200, r.text
    leads = [
        (await c.get(f"{A}/tasks/{t['id']}", headers=office)).json()["lead_agency_id"]
        for t in (first, second, third)
    ]
    assert leads == [east["id"], west["id"], province["id"]]
    assert r.json()["agency"]["status"] == "dissolved"
