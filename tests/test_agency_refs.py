"""Agencies named by their code wherever a request names an agency (issue 17): bodies,
nested bodies, lists, filters; ids keep working; an unknown or malformed code is a 422 naming
its field and changes nothing."""

from __future__ import annotations

from typing import Any

from tests.conftest import World


async def test_codes_in_bodies(world: World) -> None:
    c, office = world.client, world.h["office"]
    lead, coop = world.lead["code"], world.coop["code"]
    r = await c.post(
        "/api/v1/tasks",
        json={"title": "Theo mã", "lead_agency_id": lead, "cooperating_agency_ids": [coop]},
        headers=office,
    )
    assert r.status_code == 201, r.text
    assert r.json()["lead_agency_id"] == world.lead["id"]
    assert r.json()["cooperating_agency_ids"] == [world.coop["id"]]
    # a merge patch too, and ids as before
    task = r.json()
    r = await c.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"cooperating_agency_ids": [world.other["code"], world.coop["id"]]},
        headers={**office, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["cooperating_agency_ids"] == [world.other["id"], world.coop["id"]]
    # nested: a directive's meeting
    r = await c.post(
        "/api/v1/directives",
        json={
            "kind": "meeting_conclusion",
            "title": "Kết luận",
            "issuer_agency_id": lead,
            "meeting": {"host_agency_id": coop, "participant_agency_ids": [lead, coop]},
        },
        headers=office,
    )
    assert r.status_code == 201, r.text
    meeting = r.json()["meeting"]
    assert r.json()["issuer_agency_id"] == world.lead["id"]
    assert meeting["participant_agency_ids"] == [world.lead["id"], world.coop["id"]]
    # officials, and a division under its department named by code
    r = await c.post(
        "/api/v1/agencies",
        json={"code": "000.99.12.H99", "name": "Phòng thử", "kind": "division", "parent_id": lead},
        headers=office,
    )
    assert r.status_code == 201 and r.json()["parent_id"] == world.lead["id"]
    r = await c.post(
        "/api/v1/officials",
        json={"name": "Cán bộ", "agency_id": lead, "division_id": "000.99.12.H99"},
        headers=office,
    )
    assert r.status_code == 201 and r.json()["agency_id"] == world.lead["id"]


async def test_codes_in_filters(world: World) -> None:
    c, office = world.client, world.h["office"]
    mine = await world.task()
    await world.task(lead_agency_id=world.other["id"], cooperating_agency_ids=[])

    async def ids(**params: Any) -> list[str]:
        r = await c.get("/api/v1/tasks", params=params, headers=office)
        assert r.status_code == 200, r.text
        return [t["id"] for t in r.json()["items"]]

    assert await ids(lead_agency_id=world.lead["code"]) == [mine["id"]]
    assert await ids(agency_id=world.coop["code"]) == [mine["id"]]
    assert await ids(lead_agency_id=[world.lead["code"], world.other["id"]]) != [mine["id"]]
    r = await c.get(
        "/api/v1/tasks.csv", params={"lead_agency_id": world.lead["code"]}, headers=office
    )
    assert r.status_code == 200 and r.text.count("\n") == 6  # 3 title rows, a blank, header, 1 task


async def test_unknown_and_malformed_codes_change_nothing(world: World) -> None:
    c, office = world.client, world.h["office"]
    cases = [
        ({"lead_agency_id": "000.99.99.H00"}, "lead_agency_id", "no agency with code"),
        (
            {"lead_agency_id": world.lead["code"], "cooperating_agency_ids": ["X.1"]},
            "cooperating_agency_ids",
            "no agency with code X.1",
        ),
        ({"lead_agency_id": "not a code!"}, "lead_agency_id", "agency's id"),
        ({"lead_agency_id": "A" * 36}, "lead_agency_id", "agency's id"),
    ]
    for fields, field, message in cases:
        r = await c.post("/api/v1/tasks", json={"title": "x", **fields}, headers=office)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == field and message in r.text
    # a deleted agency's code names nothing
    deleted = world.other
    assert (
        await c.delete(f"/api/v1/agencies/{deleted['id']}", headers=world.h["office"])
    ).status_code == 204
    r = await c.post(
        "/api/v1/tasks", json={"title": "x", "lead_agency_id": deleted["code"]}, headers=office
    )
    assert r.status_code == 422
    r = await c.get("/api/v1/tasks", params={"lead_agency_id": "ZZZ.1"}, headers=office)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lead_agency_id"
    listed = (await c.get("/api/v1/tasks", headers=office)).json()["items"]
    assert listed == []
