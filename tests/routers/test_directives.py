"""Directives: records, document numbers, lifecycle, task summary, batch task creation."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import World, stand_at

API = "/api/v1/directives"


@pytest.fixture(autouse=True)
def _in_2023(app) -> None:
    stand_at(app, datetime(2023, 6, 1, 3, 0, tzinfo=UTC))


async def directive(world: World, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "meeting_conclusion",
        "title": "Kết luận buổi làm việc với Sở Thông tin và Truyền thông",
        "issuer_agency_id": world.lead["id"],
        "issued_on": "2023-03-01",
        "document_number": "45/TB-UBND",
        "meeting": {
            "held_on": "2023-02-28",
            "chair_title": "Phó Chủ tịch UBND tỉnh",
            "participant_agency_ids": [world.coop["id"]],
        },
    }
    body.update(fields)
    response = await world.client.post(API, json=body, headers=world.h["office"])
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_create_and_read(world: World) -> None:
    made = await directive(world)
    assert re.fullmatch(r"CD-2023-\d{5}", str(made["code"]))
    assert (made["status"], made["year"], made["version"]) == ("draft", 2023, 1)
    assert made["meeting"]["held_on"] == "2023-02-28"
    assert made["meeting"]["participant_agency_ids"] == [world.coop["id"]]
    assert made["task_summary"]["assigned"] == 0
    got = await world.client.get(f"{API}/{made['id']}", headers=world.h["lead"])
    assert got.status_code == 200 and got.headers["etag"] == '"1"'
    assert (
        await world.client.post(
            API,
            json={"kind": "plan", "title": "x", "issuer_agency_id": world.lead["id"]},
            headers=world.h["lead"],
        )
    ).status_code == 403
    unknown = await world.client.post(
        API,
        json={
            "kind": "plan",
            "title": "x",
            "issuer_agency_id": world.lead["id"],
            "meeting": {"host_agency_id": "01a22508-0000-7000-8000-000000000000"},
        },
        headers=world.h["office"],
    )
    assert (
        unknown.status_code == 422
        and unknown.json()["errors"][0]["field"] == "meeting.host_agency_id"
    )


async def test_document_number_is_unique_per_issuer_and_year(world: World) -> None:
    await directive(world)
    same = await world.client.post(
        API,
        json={
            "kind": "decision",
            "title": "Khác",
            "issuer_agency_id": world.lead["id"],
            "issued_on": "2023-05-01",
            "document_number": "45/TB-UBND",
        },
        headers=world.h["office"],
    )
    assert same.status_code == 409
    await directive(world, issued_on="2024-01-10")  # another year
    await directive(world, issuer_agency_id=world.coop["id"])  # another issuer
    listed = await world.client.get(API, params={"count": "true"}, headers=world.h["office"])
    assert listed.json()["total"] == 3


async def test_lifecycle(world: World) -> None:
    made = await directive(world, issued_on=None, document_number=None)
    url = f"{API}/{made['id']}/transitions"
    assert (
        await world.client.post(url, json={"action": "close"}, headers=world.h["office"])
    ).status_code == 409
    assert (
        await world.client.post(url, json={"action": "issue"}, headers=world.h["lead"])
    ).status_code == 403
    issued = await world.client.post(url, json={"action": "issue"}, headers=world.h["leader"])
    assert issued.status_code == 200
    assert (issued.json()["status"], issued.json()["issued_on"]) == ("issued", "2023-06-01")
    closed = await world.client.post(
        url, json={"action": "close", "comment": "Hoàn thành"}, headers=world.h["office"]
    )
    assert closed.json()["status"] == "closed"
    assert closed.json()["allowed_actions"] == ["reopen", "update", "delete"]
    reopened = await world.client.post(url, json={"action": "reopen"}, headers=world.h["office"])
    assert reopened.json()["status"] == "issued"
    withdrawn = await world.client.post(url, json={"action": "withdraw"}, headers=world.h["office"])
    assert withdrawn.json()["status"] == "withdrawn"
    refused = await world.client.post(url, json={"action": "reopen"}, headers=world.h["office"])
    assert refused.status_code == 409 and refused.json()["allowed_actions"] == ["update", "delete"]
    history = (
        await world.client.get(f"{API}/{made['id']}/history", headers=world.h["office"])
    ).json()["items"]
    assert [h["action"] for h in history] == ["created", "issue", "close", "reopen", "withdraw"]


async def test_batch_tasks_are_all_or_nothing(world: World) -> None:
    made = await directive(world)
    tasks_url = f"{API}/{made['id']}/tasks"
    good = {
        "title": "Đẩy nhanh chuyển đổi số",
        "lead_agency_id": world.lead["id"],
        "assigned_on": "2023-03-01",
        "due_date": "2023-12-31",
    }
    bad_item = {
        "title": "Thuê chuyên gia",
        "lead_agency_id": world.lead["id"],
        "assigned_on": "2023-03-01",
        "due_date": "2023-01-01",
    }
    refused = await world.client.post(
        tasks_url, json={"tasks": [good, good, bad_item]}, headers=world.h["office"]
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "tasks.2.due_date"
    schema_bad = await world.client.post(
        tasks_url, json={"tasks": [good, {"title": "x"}]}, headers=world.h["office"]
    )
    assert (
        schema_bad.status_code == 422
        and schema_bad.json()["errors"][0]["field"] == "tasks.1.lead_agency_id"
    )
    listed = await world.client.get(
        "/api/v1/tasks",
        params={"directive_id": made["id"], "count": "true"},
        headers=world.h["office"],
    )
    assert listed.json()["total"] == 0
    created = await world.client.post(
        tasks_url,
        json={"tasks": [good, {**good, "due_date": "2023-05-31"}, {**good, "due_date": None}]},
        headers=world.h["office"],
    )
    assert created.status_code == 201, created.text
    items = created.json()["items"]
    assert len(items) == 3 and all(t["directive_id"] == made["id"] for t in items)
    assert len({t["code"] for t in items}) == 3
    await world.act(items[0], "office", "start")
    await world.act(
        items[0],
        "office",
        "submit",
        result="Xong",
        completed_on="2023-05-01",
        reason="Nhập bổ sung",
    )
    await world.act(items[0], "office", "confirm")
    summary = (await world.client.get(f"{API}/{made['id']}", headers=world.h["office"])).json()[
        "task_summary"
    ]
    assert summary == {
        "assigned": 3,
        "completed_on_time": 1,
        "completed_late": 0,
        "completed_no_deadline": 0,
        "open_on_track": 0,
        "open_due_soon": 0,
        "open_overdue": 1,
        "open_no_deadline": 1,
        "open_awaiting_confirmation": 0,
        "open_paused": 0,
        "cancelled": 0,
    }
    listed = (await world.client.get(API, headers=world.h["office"])).json()["items"]
    assert listed[0]["task_summary"] == summary
    as_of = (
        await world.client.get(
            f"{API}/{made['id']}", params={"as_of": "2023-04-01"}, headers=world.h["office"]
        )
    ).json()
    assert (
        as_of["task_summary"]["open_on_track"] == 2
        and as_of["task_summary"]["completed_on_time"] == 0
    )


async def test_closed_directives_take_no_tasks(world: World) -> None:
    made = await directive(world)
    for action in ("issue", "close"):
        await world.client.post(
            f"{API}/{made['id']}/transitions", json={"action": action}, headers=world.h["office"]
        )
    response = await world.client.post(
        f"{API}/{made['id']}/tasks",
        json={"tasks": [{"title": "x", "lead_agency_id": world.lead["id"]}]},
        headers=world.h["office"],
    )
    assert response.status_code == 409


async def test_patch_merges_the_meeting(world: World) -> None:
    made = await directive(world)
    url = f"{API}/{made['id']}"
    patched = await world.client.patch(
        url,
        json={
            "signer_name": "Nguyễn Văn Chương",
            "meeting": {"location": "Trụ sở UBND tỉnh", "chair_title": None},
        },
        headers={**world.h["office"], "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    meeting = patched.json()["meeting"]
    assert (meeting["held_on"], meeting["location"], meeting["chair_title"]) == (
        "2023-02-28",
        "Trụ sở UBND tỉnh",
        None,
    )
    assert patched.json()["signer_name"] == "Nguyễn Văn Chương"
    bad = await world.client.patch(
        url,
        json={"meeting": {"held_on": "not a date"}},
        headers={**world.h["office"], "If-Match": '"2"'},
    )
    assert bad.status_code == 422
    status = await world.client.patch(
        url, json={"status": "issued"}, headers={**world.h["office"], "If-Match": '"2"'}
    )
    assert status.status_code == 422
    await directive(world, document_number="46/TB-UBND")
    clash = await world.client.patch(
        url,
        json={"document_number": "46/TB-UBND"},
        headers={**world.h["office"], "If-Match": '"2"'},
    )
    assert clash.status_code == 409


async def test_search_and_filters(world: World) -> None:
    a = await directive(world, title="Kết luận về chuyển đổi số")
    b = await directive(
        world, kind="plan", title="Kế hoạch bưu chính", document_number="12/KH-UBND"
    )

    async def ids(**params: Any) -> set[str]:
        return {
            d["id"]
            for d in (await world.client.get(API, params=params, headers=world.h["viewer"])).json()[
                "items"
            ]
        }

    assert await ids(q="chuyen doi") == {a["id"]}
    assert await ids(q="12/KH") == {b["id"]}
    assert await ids(kind="plan") == {b["id"]}
    assert await ids(status="draft") == {a["id"], b["id"]}
    assert await ids(year=2023) == {a["id"], b["id"]}
    assert await ids(q=str(a["code"])) == {a["id"]}


async def test_soft_delete_and_restore(world: World) -> None:
    made = await directive(world)
    url = f"{API}/{made['id']}"
    assert (await world.client.delete(url, headers=world.h["office"])).status_code == 204
    assert (await world.client.get(url, headers=world.h["office"])).status_code == 404
    restored = await world.client.post(f"{url}/restore", headers=world.h["office"])
    assert restored.status_code == 200 and restored.json()["version"] == 3


async def test_task_summary_counts_only_what_the_caller_sees(world: World) -> None:
    made = await directive(world)
    for _ in range(3):
        await world.task(directive_id=made["id"])  # led by `lead`, `coop` cooperating
    await world.task(
        directive_id=made["id"], lead_agency_id=world.other["id"], cooperating_agency_ids=[]
    )
    url = f"{API}/{made['id']}"
    for role, assigned in (("office", 4), ("viewer", 4), ("lead", 3), ("coop", 3), ("other", 1)):
        one = (await world.client.get(url, headers=world.h[role])).json()
        assert one["task_summary"]["assigned"] == assigned, role
        listed = (await world.client.get(API, headers=world.h[role])).json()["items"]
        assert [d["task_summary"]["assigned"] for d in listed] == [assigned], role
