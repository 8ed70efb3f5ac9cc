"""Officials, divisions, `/me`, assignment down the line and sub-tasks (issue 17)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.core.enums import Role
from tests.conftest import Keys, World, stand_at
from tests.people import People, official


async def test_agency_staff_keep_their_divisions_and_officials(
    world: World, people: People
) -> None:
    c = world.client
    # not another agency's division, nor an agency of another kind
    r = await c.post(
        "/api/v1/agencies",
        json={"code": "DX1", "name": "Phòng X", "kind": "division", "parent_id": world.coop["id"]},
        headers=world.h["lead"],
    )
    assert r.status_code == 403
    r = await c.post(
        "/api/v1/agencies",
        json={"code": "DX2", "name": "Sở mới", "kind": "department"},
        headers=world.h["lead"],
    )
    assert r.status_code == 403
    r = await c.post(
        "/api/v1/agencies",
        json={"code": "DX3", "name": "Phòng không thuộc đâu", "kind": "division"},
        headers=world.h["office"],
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parent_id"
    # rename their own division, but not move it
    d = people.division
    etag = {"If-Match": f'"{d["version"]}"'}
    r = await c.patch(
        f"/api/v1/agencies/{d['id']}",
        json={"name": "Phòng Bưu chính - Viễn thông"},
        headers={**world.h["lead"], **etag},
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    r = await c.patch(
        f"/api/v1/agencies/{d['id']}",
        json={"parent_id": world.coop["id"]},
        headers={**world.h["lead"], "If-Match": '"2"'},
    )
    assert r.status_code == 403
    r = await c.patch(
        f"/api/v1/agencies/{d['id']}",
        json={"name": "Không được"},
        headers={**world.h["coop"], "If-Match": '"2"'},
    )
    assert r.status_code == 403
    # officials of another agency: not theirs to create, and not seen
    r = await c.post(
        "/api/v1/officials",
        json={"name": "X", "agency_id": world.coop["id"]},
        headers=world.h["lead"],
    )
    assert r.status_code == 403
    r = await c.get(f"/api/v1/officials/{people.outsider['id']}", headers=world.h["lead"])
    assert r.status_code == 404
    listed = (await c.get("/api/v1/officials", headers=world.h["lead"])).json()["items"]
    assert {o["id"] for o in listed} == {people.focal["id"], people.specialist["id"]}
    everyone = (await c.get("/api/v1/officials", headers=world.h["viewer"])).json()["items"]
    assert len(everyone) == 3
    # viewers read, never write
    r = await c.post(
        "/api/v1/officials",
        json={"name": "X", "agency_id": world.lead["id"]},
        headers=world.h["viewer"],
    )
    assert r.status_code == 403


async def test_official_validation(world: World, people: People) -> None:
    c = world.client
    bad = [
        ({"division_id": people.division["id"], "agency_id": world.coop["id"]}, "division_id"),
        ({"division_id": world.coop["id"]}, "division_id"),
        ({"email": "not an address"}, "email"),
        ({"email": "a@b.vn\r\nBcc: x@y.vn"}, "email"),
        ({"notify": "sms"}, "notify"),
        ({"agency_id": "00000000-0000-0000-0000-000000000001"}, "agency_id"),
    ]
    for fields, field in bad:
        body = {"name": "X", "agency_id": world.lead["id"], **fields}
        r = await c.post("/api/v1/officials", json=body, headers=world.h["office"])
        assert r.status_code == 422, (fields, r.text)
        assert field in r.text
    # one OIDC subject, one official
    await official(world, world.h["office"], name="A", oidc_subject="kc-123")
    r = await c.post(
        "/api/v1/officials",
        json={"name": "B", "agency_id": world.lead["id"], "oidc_subject": "kc-123"},
        headers=world.h["office"],
    )
    assert r.status_code == 409 and "OIDC subject" in r.json()["detail"]
    # PATCH needs If-Match; the office retires an official
    s = people.specialist
    r = await c.patch(
        f"/api/v1/officials/{s['id']}", json={"active": False}, headers=world.h["office"]
    )
    assert r.status_code == 428
    r = await c.patch(
        f"/api/v1/officials/{s['id']}",
        json={"active": False, "notify": "digest"},
        headers={**world.h["office"], "If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    assert r.json()["active"] is False and r.json()["notify"] == "digest"
    hist = (await c.get(f"/api/v1/officials/{s['id']}/history", headers=world.h["office"])).json()[
        "items"
    ]
    assert [h["action"] for h in hist] == ["created", "updated"]
    assert hist[1]["changes"]["active"] == {"old": True, "new": False}


async def test_me_shows_the_linked_official(world: World, people: People) -> None:
    me = (await world.client.get("/api/v1/me", headers=people.h["specialist"])).json()
    assert me["official"]["id"] == people.specialist["id"]
    assert me["official"]["division_id"] == people.division["id"]
    plain = (await world.client.get("/api/v1/me", headers=world.h["lead"])).json()
    assert plain["official"] is None


async def test_an_api_key_names_an_official_of_its_agency(
    world: World, people: People, admin: dict[str, str]
) -> None:
    c = world.client
    r = await c.post(
        "/api/v1/api-keys",
        json={
            "name": "k",
            "role": "agency",
            "agency_id": world.coop["id"],
            "official_id": people.specialist["id"],
        },
        headers=admin,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "official_id"
    r = await c.post(
        "/api/v1/api-keys",
        json={
            "name": "k",
            "role": "agency",
            "agency_id": world.lead["id"],
            "official_id": people.specialist["id"],
        },
        headers=admin,
    )
    assert r.status_code == 201 and r.json()["official_id"] == people.specialist["id"]
    me = (await c.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['key']}"})).json()
    assert me["official"]["name"] == "Lê Văn Chuyên Viên"


async def test_assignment_down_the_line(world: World, people: People, app: Any) -> None:
    stand_at(app, datetime(2023, 4, 1, 3, 0, tzinfo=UTC))
    c = world.client
    task = await world.task(lead_official_id=people.focal["id"])
    assert task["lead_official_id"] == people.focal["id"]
    # the focal official must be of the lead agency; divisions must be the lead's
    r = await c.post(
        "/api/v1/tasks",
        json={
            "title": "x",
            "lead_agency_id": world.lead["id"],
            "lead_official_id": people.outsider["id"],
        },
        headers=world.h["office"],
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lead_official_id"
    r = await c.post(
        "/api/v1/tasks",
        json={
            "title": "x",
            "lead_agency_id": world.coop["id"],
            "division_ids": [people.division["id"]],
        },
        headers=world.h["office"],
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "division_ids"
    # the lead agency's staff split their task: no office rights needed
    r = await c.post(
        f"/api/v1/tasks/{task['id']}/subtasks",
        json={
            "title": "Rà soát hạ tầng mạng",
            "division_ids": [people.division["id"]],
            "lead_official_id": people.specialist["id"],
        },
        headers=world.h["lead"],
    )
    assert r.status_code == 201, r.text
    sub = r.json()
    assert sub["parent_id"] == task["id"] and sub["lead_agency_id"] == world.lead["id"]
    assert sub["due_date"] == task["due_date"] and sub["code"].startswith("NV-")
    assert r.headers["Location"].endswith(f"/api/v1/tasks/{sub['id']}")
    # a cooperating agency may not; nor a deadline past the parent's
    r = await c.post(
        f"/api/v1/tasks/{task['id']}/subtasks", json={"title": "x"}, headers=world.h["coop"]
    )
    assert r.status_code == 403
    r = await c.post(
        f"/api/v1/tasks/{task['id']}/subtasks",
        json={"title": "x", "due_date": "2024-01-01"},
        headers=world.h["lead"],
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "due_date"

    # filters: focal official, division, assignee=me
    async def ids(headers: dict[str, str], **params: Any) -> set[str]:
        r = await c.get("/api/v1/tasks", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return {t["id"] for t in r.json()["items"]}

    assert await ids(world.h["office"], lead_official_id=people.focal["id"]) == {task["id"]}
    assert await ids(world.h["office"], division_id=people.division["id"]) == {sub["id"]}
    assert await ids(people.h["specialist"], assignee="me") == {sub["id"]}
    assert await ids(people.h["focal"], assignee="me") == {task["id"]}
    assert await ids(world.h["office"], parent_id=task["id"]) == {sub["id"]}
    r = await c.get("/api/v1/tasks", params={"assignee": "me"}, headers=world.h["lead"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "assignee"
    r = await c.get("/api/v1/tasks", params={"assignee": "you"}, headers=people.h["focal"])
    assert r.status_code == 400
    # the parent is not submitted while a sub-task is open, unless the lead says so
    assert (await world.act(task, "lead", "start")).status_code == 200
    r = await world.act(task, "lead", "submit", result="Xong")
    assert r.status_code == 409 and "sub-task" in r.json()["detail"]
    r = await world.act(task, "lead", "submit", result="Xong", close_open_subtasks=True)
    assert r.status_code == 200 and r.json()["status"] == "awaiting_confirmation"
    hist = (await c.get(f"/api/v1/tasks/{task['id']}/history", headers=world.h["office"])).json()[
        "items"
    ]
    assert hist[-1]["changes"]["open_subtasks_left"] == {"old": None, "new": 1}


async def test_portfolio_of_a_leader(world: World, people: People, keys: Keys) -> None:
    c = world.client
    leader = await official(
        world,
        world.h["office"],
        name="Phó Chủ tịch (minh hoạ)",
        agency_id=world.other["id"],
        portfolio_fields=["Thông tin và Truyền thông"],
        portfolio_agency_ids=[world.coop["id"]],
    )
    headers = await keys.make(Role.leader, None, leader["id"])
    in_field = await world.task(field="Thông tin và Truyền thông")
    of_agency = await world.task(lead_agency_id=world.coop["id"], cooperating_agency_ids=[])
    await world.task(field="Y tế")
    r = await c.get("/api/v1/tasks", params={"portfolio": "me"}, headers=headers)
    assert r.status_code == 200
    assert {t["id"] for t in r.json()["items"]} == {in_field["id"], of_agency["id"]}
    r = await c.get("/api/v1/tasks", params={"portfolio": "me"}, headers=world.h["leader"])
    assert r.status_code == 422


async def test_officials_choose_how_they_are_told(world: World, people: People, keys: Keys) -> None:
    """Any official signed in as themself sets `notify`, and nothing else of their record."""
    c = world.client
    leader = await official(
        world, world.h["office"], name="Lãnh đạo (minh hoạ)", agency_id=world.other["id"]
    )
    headers = await keys.make(Role.leader, None, leader["id"])
    seen = (await c.get(f"/api/v1/officials/{leader['id']}", headers=headers)).json()
    assert seen["allowed_actions"] == ["choose_notify"]
    r = await c.patch(
        f"/api/v1/officials/{leader['id']}",
        json={"notify": "digest"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.json()["notify"] == "digest"
    r = await c.patch(
        f"/api/v1/officials/{leader['id']}",
        json={"notify": "off", "title": "Chủ tịch"},
        headers={**headers, "If-Match": '"2"'},
    )
    assert r.status_code == 403
    # not someone else's choice
    r = await c.patch(
        f"/api/v1/officials/{people.focal['id']}",
        json={"notify": "off"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert r.status_code == 403
