"""Proposals through HTTP: who proposes, the lifecycle, answers, tasks linked both ways."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import World, stand_at

API = "/api/v1/proposals"


@pytest.fixture(autouse=True)
def _in_2023(app) -> None:
    stand_at(app, datetime(2023, 3, 10, 3, 0, tzinfo=UTC))


async def propose(world: World, role: str = "lead", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Bố trí kinh phí thuê chuyên gia vận hành trung tâm dữ liệu tỉnh",
        "category": "funding",
        "response_due_date": "2023-04-30",
    }
    if role == "office":
        body["submitting_agency_id"] = world.lead["id"]
    body.update(fields)
    response = await world.client.post(API, json=body, headers=world.h[role])
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def act(world: World, proposal: dict[str, Any], role: str, action: str, **fields: Any):
    return await world.client.post(
        f"{API}/{proposal['id']}/transitions",
        json={"action": action, **fields},
        headers=world.h[role],
    )


async def test_agency_proposes_for_itself(world: World) -> None:
    made = await propose(world)
    assert re.fullmatch(r"KN-2023-\d{5}", str(made["code"]))
    assert (
        made["submitting_agency_id"],
        made["status"],
        made["task_ids"],
        made["budget_request_ids"],
    ) == (world.lead["id"], "draft", [], [])
    assert made["allowed_actions"] == ["submit", "withdraw", "update", "delete"]
    other = await world.client.post(
        API,
        json={"title": "x", "category": "other", "submitting_agency_id": world.coop["id"]},
        headers=world.h["lead"],
    )
    assert other.status_code == 422
    office_without = await world.client.post(
        API, json={"title": "x", "category": "other"}, headers=world.h["office"]
    )
    assert office_without.status_code == 422
    for role in ("viewer", "leader", "finance"):
        assert (
            await world.client.post(
                API, json={"title": "x", "category": "other"}, headers=world.h[role]
            )
        ).status_code == 403


async def test_agencies_see_only_their_own(world: World) -> None:
    mine = await propose(world)
    theirs = await propose(world, "coop")
    listed = await world.client.get(API, params={"count": "true"}, headers=world.h["lead"])
    assert [p["id"] for p in listed.json()["items"]] == [mine["id"]] and listed.json()["total"] == 1
    assert (
        await world.client.get(f"{API}/{theirs['id']}", headers=world.h["lead"])
    ).status_code == 404
    assert (await act(world, theirs, "lead", "submit")).status_code == 404
    everyone = await world.client.get(API, params={"count": "true"}, headers=world.h["viewer"])
    assert everyone.json()["total"] == 2


async def test_lifecycle_and_answer(world: World) -> None:
    made = await propose(world)
    assert (await act(world, made, "lead", "review")).status_code == 403
    submitted = await act(world, made, "lead", "submit")
    assert submitted.status_code == 200 and submitted.json()["submitted_on"] == "2023-03-10"
    assert (
        await world.client.patch(
            f"{API}/{made['id']}",
            json={"title": "x"},
            headers={**world.h["lead"], "If-Match": '"2"'},
        )
    ).status_code == 409
    assert (
        await act(world, made, "office", "resolve", resolution="accepted", response={"text": "x"})
    ).status_code == 409
    reviewed = await act(world, made, "office", "review")
    assert reviewed.json()["status"] == "under_review"
    missing = await act(world, made, "leader", "resolve")
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {"resolution", "response"}
    resolved = await act(
        world,
        made,
        "leader",
        "resolve",
        resolution="referred",
        response={
            "text": "Trình Bộ Thông tin và Truyền thông xem xét",
            "responder_name": "Nguyễn Văn Chương",
            "responder_title": "Phó Chủ tịch UBND tỉnh",
        },
    )
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert (body["status"], body["resolution"], body["response"]["responded_on"]) == (
        "resolved",
        "referred",
        "2023-03-10",
    )
    assert (await act(world, made, "office", "reopen")).status_code == 422  # needs a comment
    reopened = (await act(world, made, "office", "reopen", comment="Bổ sung ý kiến")).json()
    assert (reopened["status"], reopened["resolution"]) == ("under_review", None)
    history = (
        await world.client.get(f"{API}/{made['id']}/history", headers=world.h["lead"])
    ).json()["items"]
    assert [h["action"] for h in history] == ["created", "submit", "review", "resolve", "reopen"]


async def test_withdraw_is_for_the_agency(world: World) -> None:
    made = await propose(world)
    assert (await act(world, made, "office", "withdraw")).status_code == 403
    assert (await act(world, made, "lead", "withdraw")).json()["status"] == "withdrawn"
    assert (await act(world, made, "lead", "submit")).status_code == 409


async def test_response_overdue_filter(world: World, app) -> None:
    late = await propose(world, response_due_date="2023-03-20")
    on_time = await propose(world, response_due_date="2023-06-30")
    draft = await propose(world, response_due_date="2023-03-15")
    for p in (late, on_time):
        await act(world, p, "lead", "submit")
    stand_at(app, datetime(2023, 4, 1, 3, 0, tzinfo=UTC))
    overdue = (
        await world.client.get(API, params={"response_overdue": "true"}, headers=world.h["office"])
    ).json()["items"]
    assert [p["id"] for p in overdue] == [late["id"]] and overdue[0]["response_overdue"] is True
    fine = (
        await world.client.get(API, params={"response_overdue": "false"}, headers=world.h["office"])
    ).json()["items"]
    assert {p["id"] for p in fine} == {on_time["id"], draft["id"]}


async def test_filters_and_search(world: World) -> None:
    a = await propose(world, title="Đẩy nhanh chuyển đổi số tại các huyện", category="direction")
    b = await propose(world, title="Đào tạo an toàn thông tin", category="personnel_training")

    async def ids(**params: Any) -> set[str]:
        return {
            p["id"]
            for p in (await world.client.get(API, params=params, headers=world.h["office"])).json()[
                "items"
            ]
        }

    assert await ids(q="chuyen doi so") == {a["id"]}
    assert await ids(category=["direction", "personnel_training"]) == {a["id"], b["id"]}
    assert await ids(category="funding") == set()
    assert await ids(submitting_agency_id=world.lead["id"], status="draft") == {a["id"], b["id"]}
    await act(world, a, "lead", "submit")
    assert await ids(status="submitted") == {a["id"]}


async def test_tasks_from_a_proposal_are_linked_both_ways(world: World) -> None:
    made = await propose(world)
    url = f"{API}/{made['id']}/tasks"
    item = {
        "title": "Tổng hợp, báo cáo cấp có thẩm quyền",
        "lead_agency_id": world.coop["id"],
        "due_date": "2023-04-30",
    }
    assert (
        await world.client.post(url, json={"tasks": [item]}, headers=world.h["office"])
    ).status_code == 409  # still a draft
    await act(world, made, "lead", "submit")
    assert (
        await world.client.post(url, json={"tasks": [item]}, headers=world.h["lead"])
    ).status_code == 403
    created = await world.client.post(
        url,
        json={"tasks": [item, {**item, "lead_agency_id": world.other["id"]}]},
        headers=world.h["office"],
    )
    assert created.status_code == 201, created.text
    tasks = created.json()["items"]
    assert all(t["proposal_id"] == made["id"] for t in tasks)
    again = (await world.client.get(f"{API}/{made['id']}", headers=world.h["office"])).json()
    assert again["task_ids"] == [t["id"] for t in tasks]
    by_proposal = await world.client.get(
        "/api/v1/tasks",
        params={"proposal_id": made["id"], "count": "true"},
        headers=world.h["office"],
    )
    assert by_proposal.json()["total"] == 2


async def test_edit_while_draft_with_if_match(world: World) -> None:
    made = await propose(world)
    url = f"{API}/{made['id']}"
    assert (
        await world.client.patch(url, json={"title": "Mới"}, headers=world.h["lead"])
    ).status_code == 428
    ok = await world.client.patch(
        url,
        json={"title": "Mới", "handler_agency_ids": [world.coop["id"]]},
        headers={**world.h["lead"], "If-Match": '"1"'},
    )
    assert ok.status_code == 200 and ok.json()["handler_agency_ids"] == [world.coop["id"]]
    assert (
        await world.client.patch(
            url, json={"status": "resolved"}, headers={**world.h["lead"], "If-Match": '"2"'}
        )
    ).status_code == 422
    assert (await world.client.delete(url, headers=world.h["coop"])).status_code == 404
    assert (await world.client.delete(url, headers=world.h["lead"])).status_code == 204
    assert (await world.client.post(f"{url}/restore", headers=world.h["lead"])).status_code == 200
