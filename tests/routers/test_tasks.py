"""Tasks through HTTP: creation, codes, validation, visibility, filters, search, timeliness,
merge patch, soft delete."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.conftest import World, make_agency, stand_at

API = "/api/v1/tasks"


async def test_create_fills_defaults_and_code(world: World, app) -> None:
    # 23:30 UTC on 31 Dec 2023 is already 1 Jan 2024 in Hà Nội.
    stand_at(app, datetime(2023, 12, 31, 23, 30, tzinfo=UTC))
    response = await world.client.post(
        API,
        json={
            "title": "  Báo cáo chuyển đổi số  ",
            "lead_agency_id": world.lead["id"],
            "due_date": "2024-01-15",
        },
        headers=world.h["office"],
    )
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["assigned_on"] == "2024-01-01" and task["year"] == 2024
    assert re.fullmatch(r"NV-2024-\d{5}", task["code"])
    assert task["title"] == "Báo cáo chuyển đổi số"
    assert (task["status"], task["priority"], task["recurrence"]) == ("new", "normal", "none")
    assert task["requires_confirmation"] is True and task["progress_percent"] == 0
    assert task["original_due_date"] == "2024-01-15"
    assert task["timeliness"] == "on_track" and task["days_overdue"] is None
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"{API}/{task['id']}"


async def test_codes_restart_each_year_and_never_repeat_under_concurrency(world: World) -> None:
    first = await world.task(assigned_on="2023-02-01", due_date=None)
    other_year = await world.task(assigned_on="2024-02-01", due_date=None)
    assert first["code"] == "NV-2023-00001" and other_year["code"] == "NV-2024-00001"
    made = await asyncio.gather(*(world.task(due_date=None) for _ in range(20)))
    numbers = sorted(int(str(t["code"]).rsplit("-", 1)[1]) for t in made)
    assert len(set(numbers)) == 20 and all(str(t["code"]).startswith("NV-2023-") for t in made)
    assert numbers[0] >= 2


async def test_given_code_must_be_unique(world: World) -> None:
    await world.task(code="NV-2023-00500")
    again = await world.client.post(
        API,
        json={"code": "NV-2023-00500", "title": "X", "lead_agency_id": world.lead["id"]},
        headers=world.h["office"],
    )
    assert again.status_code == 409


async def test_agencies_must_exist_and_be_active(world: World, office: dict[str, str]) -> None:
    gone = await make_agency(world.client, office)
    await world.client.delete(f"/api/v1/agencies/{gone['id']}", headers=office)
    cases = {
        "lead_agency_id": {"lead_agency_id": gone["id"]},
        "cooperating_agency_ids": {"cooperating_agency_ids": [world.coop["id"], gone["id"]]},
        "assigned_by_agency_id": {"assigned_by_agency_id": "01a22508-0000-7000-8000-000000000000"},
    }
    for field, fields in cases.items():
        body = {"title": "X", "lead_agency_id": world.lead["id"], **fields}
        response = await world.client.post(API, json=body, headers=office)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field
    listed = await world.client.get(API, params={"count": "true"}, headers=office)
    assert listed.json()["total"] == 0


async def test_shape_rules(world: World) -> None:
    office = world.h["office"]
    before = await world.client.post(
        API,
        json={
            "title": "X",
            "lead_agency_id": world.lead["id"],
            "assigned_on": "2023-03-01",
            "due_date": "2023-02-01",
        },
        headers=office,
    )
    assert before.status_code == 422 and before.json()["errors"][0]["field"] == "due_date"
    both = await world.client.post(
        API,
        json={
            "title": "X",
            "lead_agency_id": world.lead["id"],
            "cooperating_agency_ids": [world.lead["id"]],
        },
        headers=office,
    )
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "cooperating_agency_ids"
    for bad in (
        {"priority": "later"},
        {"pillar": "moon"},
        {"status": "completed"},
        {"progress_percent": 5},
        {"title": ""},
    ):
        response = await world.client.post(
            API, json={"title": "X", "lead_agency_id": world.lead["id"], **bad}, headers=office
        )
        assert response.status_code == 422, bad


async def test_only_office_and_leaders_assign(world: World) -> None:
    for role in ("viewer", "finance", "lead"):
        response = await world.client.post(
            API, json={"title": "X", "lead_agency_id": world.lead["id"]}, headers=world.h[role]
        )
        assert response.status_code == 403, role
    ok = await world.client.post(
        API, json={"title": "X", "lead_agency_id": world.lead["id"]}, headers=world.h["leader"]
    )
    assert ok.status_code == 201


async def test_agency_staff_see_only_their_tasks(world: World) -> None:
    mine = await world.task()
    as_coop = await world.task(
        lead_agency_id=world.coop["id"], cooperating_agency_ids=[world.lead["id"]]
    )
    foreign = await world.task(lead_agency_id=world.other["id"], cooperating_agency_ids=[])
    listed = await world.client.get(API, params={"count": "true"}, headers=world.h["lead"])
    assert {t["id"] for t in listed.json()["items"]} == {mine["id"], as_coop["id"]}
    assert listed.json()["total"] == 2
    assert (
        await world.client.get(f"{API}/{foreign['id']}", headers=world.h["lead"])
    ).status_code == 404
    assert (
        await world.client.get(f"{API}/{foreign['id']}/history", headers=world.h["lead"])
    ).status_code == 404
    hidden = await world.client.post(
        f"{API}/{foreign['id']}/transitions", json={"action": "start"}, headers=world.h["lead"]
    )
    assert hidden.status_code == 404
    other = await world.client.get(API, params={"count": "true"}, headers=world.h["other"])
    assert other.json()["total"] == 1
    viewer = await world.client.get(API, params={"count": "true"}, headers=world.h["viewer"])
    assert viewer.json()["total"] == 3


async def test_filters(world: World) -> None:
    h = world.h["office"]
    key = await world.task(
        is_key_task=True,
        pillar="digital_government",
        field="Bưu chính",
        priority="urgent",
        due_date="2023-06-30",
    )
    plain = await world.task(
        pillar="digital_economy",
        field="Viễn thông",
        cooperating_agency_ids=[],
        due_date="2023-09-30",
    )
    other = await world.task(
        lead_agency_id=world.other["id"],
        cooperating_agency_ids=[world.coop["id"]],
        assigned_on="2024-01-05",
        due_date=None,
    )
    child = await world.task(parent_id=key["id"], cooperating_agency_ids=[])

    async def ids(**params: Any) -> set[str]:
        response = await world.client.get(API, params=params, headers=h)
        assert response.status_code == 200, response.text
        return {t["id"] for t in response.json()["items"]}

    assert await ids(is_key_task="true") == {key["id"]}
    assert await ids(pillar=["digital_government", "digital_economy"]) == {key["id"], plain["id"]}
    assert await ids(field="Viễn thông") == {plain["id"]}
    assert await ids(priority="urgent") == {key["id"]}
    assert await ids(lead_agency_id=world.other["id"]) == {other["id"]}
    assert await ids(agency_id=world.coop["id"]) == {key["id"], other["id"]}
    assert await ids(year=2024) == {other["id"]}
    assert await ids(parent_id=key["id"]) == {child["id"]}
    assert await ids(due_from="2023-07-01", due_to="2023-10-01") == {plain["id"]}
    assert await ids(status="new") == {key["id"], plain["id"], other["id"], child["id"]}
    await world.act(plain, "office", "start")
    assert await ids(status=["in_progress", "paused"]) == {plain["id"]}
    bad = await world.client.get(API, params={"status": "asleep"}, headers=h)
    assert bad.status_code == 400


async def test_timeliness_filter_and_as_of_use_the_province_day(world: World, app) -> None:
    due_today = await world.task(due_date="2023-03-31")
    later = await world.task(due_date="2023-06-30")
    open_ended = await world.task(due_date=None)
    # 16:59 UTC on 31 March is 23:59 in Hà Nội: still the due day.
    stand_at(app, datetime(2023, 3, 31, 16, 59, tzinfo=UTC))
    got = (await world.client.get(f"{API}/{due_today['id']}", headers=world.h["office"])).json()
    assert got["timeliness"] == "due_soon"
    # 17:00 UTC is midnight in Hà Nội: from 1 April the task is overdue.
    stand_at(app, datetime(2023, 3, 31, 17, 0, tzinfo=UTC))
    got = (await world.client.get(f"{API}/{due_today['id']}", headers=world.h["office"])).json()
    assert (got["timeliness"], got["days_overdue"]) == ("overdue", 1)

    async def ids(**params: Any) -> set[str]:
        response = await world.client.get(API, params=params, headers=world.h["office"])
        return {t["id"] for t in response.json()["items"]}

    assert await ids(timeliness="overdue") == {due_today["id"]}
    assert await ids(timeliness=["on_track", "no_deadline"]) == {later["id"], open_ended["id"]}
    assert await ids(timeliness="overdue", as_of="2023-03-15") == set()
    assert await ids(timeliness="due_soon", as_of="2023-06-28") == {later["id"]}
    listed = (
        await world.client.get(API, params={"as_of": "2023-07-03"}, headers=world.h["office"])
    ).json()["items"]
    assert {t["id"]: t["days_overdue"] for t in listed} == {
        due_today["id"]: 94,
        later["id"]: 3,
        open_ended["id"]: None,
    }


async def test_search_is_diacritics_insensitive_over_code_title_description(world: World) -> None:
    a = await world.task(title="Chuyển đổi số toàn tỉnh", description="Ba trụ cột")
    b = await world.task(
        title="Bảo đảm chất lượng dịch vụ bưu chính", description="Doanh nghiệp bưu chính"
    )
    c = await world.task(title="Đào tạo an toàn thông tin")

    async def ids(q: str) -> set[str]:
        response = await world.client.get(API, params={"q": q}, headers=world.h["office"])
        return {t["id"] for t in response.json()["items"]}

    assert await ids("chuyen doi so") == {a["id"]}
    assert await ids("TRU COT") == {a["id"]}
    assert await ids("buu chinh doanh") == {b["id"]}
    assert await ids("dao tao") == {c["id"]}
    assert await ids(str(a["code"])) == {a["id"]}
    assert await ids(str(b["code"]).lower()) == {b["id"]}
    assert await ids("chuyen buu") == set()


async def test_sort_by_due_date_puts_no_deadline_last_and_pages(world: World) -> None:
    dues = ["2023-05-01", None, "2023-04-01", "2023-05-01", None, "2023-12-01", "2023-04-15"]
    made = [await world.task(due_date=d) for d in dues]
    for sort, reverse in (("due_date", False), ("-due_date", True)):
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"sort": f"{sort},code", "limit": 2}
            if cursor:
                params["cursor"] = cursor
            body = (await world.client.get(API, params=params, headers=world.h["office"])).json()
            seen += [t["id"] for t in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        key = {t["id"]: (t["due_date"] or "9999-01-01") for t in made}
        code = {t["id"]: t["code"] for t in made}
        expected = sorted(
            key, key=lambda i: (key[i], code[i] if not reverse else "~" + str(code[i]))
        )
        if reverse:
            expected = sorted(key, key=lambda i: key[i], reverse=True)
            assert [key[i] for i in seen] == [key[i] for i in expected]
            assert len(seen) == len(set(seen)) == len(made)
        else:
            assert seen == expected
    priorities = await world.client.get(
        API, params={"sort": "-priority"}, headers=world.h["office"]
    )
    assert priorities.status_code == 200
    assert (
        await world.client.get(API, params={"sort": "title"}, headers=world.h["office"])
    ).status_code == 400


async def test_patch_needs_if_match_and_keeps_the_original_deadline(world: World) -> None:
    # A first deadline is set by an edit (moving one is a decision: tests/routers/test_figures).
    task = await world.task(due_date=None)
    url = f"{API}/{task['id']}"
    assert (
        await world.client.patch(url, json={"due_date": "2023-07-31"}, headers=world.h["office"])
    ).status_code == 428
    stale = await world.client.patch(
        url, json={"due_date": "2023-07-31"}, headers={**world.h["office"], "If-Match": '"5"'}
    )
    assert stale.status_code == 412
    ok = await world.client.patch(
        url,
        json={"due_date": "2023-07-31", "field": "Bưu chính", "cooperating_agency_ids": []},
        headers={**world.h["office"], "If-Match": '"1"'},
    )
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert (body["due_date"], body["original_due_date"], body["version"]) == (
        "2023-07-31",
        "2023-07-31",
        2,
    )
    assert body["cooperating_agency_ids"] == []
    for readonly in (
        {"status": "completed"},
        {"code": "NV-1"},
        {"progress_percent": 9},
        {"original_due_date": "2023-01-01"},
        {"title": None},
    ):
        response = await world.client.patch(
            url, json=readonly, headers={**world.h["office"], "If-Match": '"2"'}
        )
        assert response.status_code == 422, readonly
    early = await world.client.patch(
        url, json={"due_date": "2023-01-01"}, headers={**world.h["office"], "If-Match": '"2"'}
    )
    assert early.status_code == 422
    agency_edit = await world.client.patch(
        url, json={"title": "X"}, headers={**world.h["lead"], "If-Match": '"2"'}
    )
    assert agency_edit.status_code == 403
    history = (await world.client.get(f"{url}/history", headers=world.h["office"])).json()["items"]
    assert history[-1]["action"] == "updated"
    assert history[-1]["changes"]["due_date"] == {"old": None, "new": "2023-07-31"}


async def test_soft_delete_and_restore(world: World) -> None:
    task = await world.task()
    url = f"{API}/{task['id']}"
    assert (await world.client.delete(url, headers=world.h["lead"])).status_code == 403
    assert (await world.client.delete(url, headers=world.h["office"])).status_code == 204
    assert (await world.client.get(url, headers=world.h["office"])).status_code == 404
    assert (await world.client.get(API, headers=world.h["office"])).json()["items"] == []
    deleted = await world.client.get(
        url, params={"include_deleted": "true"}, headers=world.h["office"]
    )
    assert deleted.json()["allowed_actions"] == ["restore"]
    restored = await world.client.post(f"{url}/restore", headers=world.h["office"])
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None


async def test_idempotent_task_creation(world: World) -> None:
    body = {"title": "X", "lead_agency_id": world.lead["id"]}
    headers = {**world.h["office"], "Idempotency-Key": "nv-1"}
    responses = await asyncio.gather(
        *(world.client.post(API, json=body, headers=headers) for _ in range(6))
    )
    assert len({r.json()["id"] for r in responses if r.status_code == 201}) == 1
    listed = await world.client.get(API, params={"count": "true"}, headers=world.h["office"])
    assert listed.json()["total"] == 1


async def test_list_agrees_with_single_reads(world: World, app) -> None:
    for due in ("2023-03-01", "2023-03-20", "2023-04-30", None):
        await world.task(due_date=due)
    stand_at(app, datetime(2023, 3, 19, 12, 0, tzinfo=UTC))
    listed = (await world.client.get(API, headers=world.h["office"])).json()["items"]
    for item in listed:
        single = (await world.client.get(f"{API}/{item['id']}", headers=world.h["office"])).json()
        assert single.pop("documents") == []  # a single read lists the task's documents
        assert single == item
    assert isinstance(httpx, object)


async def test_implausible_dates_are_422(world: World) -> None:
    for due in ("9999-12-31", "0001-01-01", "3000-01-01"):
        response = await world.client.post(
            API,
            json={
                "title": "X",
                "lead_agency_id": world.lead["id"],
                "assigned_on": "2023-01-01",
                "due_date": due,
            },
            headers=world.h["office"],
        )
        assert response.status_code == 422, due
        assert response.json()["errors"][0]["field"] == "due_date"


async def test_no_chain_of_parents_loops(world: World) -> None:
    a = await world.task(title="A")
    b = await world.task(title="B", parent_id=a["id"])
    c = await world.task(title="C", parent_id=b["id"])

    async def move(task: dict[str, Any], parent: object) -> httpx.Response:
        current = await world.client.get(f"/api/v1/tasks/{task['id']}", headers=world.h["office"])
        return await world.client.patch(
            f"/api/v1/tasks/{task['id']}",
            json={"parent_id": parent},
            headers={**world.h["office"], "If-Match": current.headers["etag"]},
        )

    for parent in (c["id"], b["id"], a["id"]):  # below A, or A itself
        refused = await move(a, parent)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "parent_id"
    assert (await move(c, a["id"])).status_code == 200  # no loop: C now under A directly
    assert (await move(b, None)).status_code == 200
    assert (await move(b, c["id"])).status_code == 200  # A → C → B
    assert (await move(a, b["id"])).status_code == 422


async def test_concurrent_moves_cannot_close_a_loop(world: World) -> None:
    pairs = [(await world.task(title=f"P{i}"), await world.task(title=f"Q{i}")) for i in range(5)]

    async def move(task: dict[str, Any], parent: dict[str, Any]) -> int:
        response = await world.client.patch(
            f"/api/v1/tasks/{task['id']}",
            json={"parent_id": parent["id"]},
            headers={**world.h["office"], "If-Match": '"1"'},
        )
        return response.status_code

    for p, q in pairs:  # P under Q and Q under P, at the same moment
        codes = await asyncio.gather(move(p, q), move(q, p))
        assert sorted(codes) == [200, 422], codes


async def test_agency_filter_finds_led_and_cooperating_tasks(world: World) -> None:
    """`agency_id` matches the lead or any cooperating agency; repeated, any of the agencies."""
    office = world.h["office"]

    async def task(lead: str, coop: list[str]) -> str:
        r = await world.client.post(
            "/api/v1/tasks",
            json={"title": "Phối hợp", "lead_agency_id": lead, "cooperating_agency_ids": coop},
            headers=office,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["code"])

    lead, coop, other = world.lead["id"], world.coop["id"], world.other["id"]
    a, b, c = await task(lead, [coop]), await task(other, []), await task(coop, [])

    async def codes(*agencies: str) -> set[str]:
        r = await world.client.get(
            "/api/v1/tasks", params=[("agency_id", x) for x in agencies], headers=office
        )
        assert r.status_code == 200, r.text
        return {item["code"] for item in r.json()["items"]}

    assert await codes(coop) == {a, c}
    assert await codes(lead, other) == {a, b}
    assert await codes(other) == {b}
    # The download reads the same statement.
    csv = await world.client.get("/api/v1/tasks.csv", params={"agency_id": coop}, headers=office)
    assert csv.status_code == 200, csv.text
    assert a in csv.text and c in csv.text and b not in csv.text
