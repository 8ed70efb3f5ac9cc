"""Comments on tasks, proposals and budget requests (issue 17): who writes, who sees, mentions,
history and the feed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World
from tests.people import People


@pytest.mark.feed
async def test_a_task_thread(world: World, people: People) -> None:
    c = world.client
    task = await world.task()
    url = f"/api/v1/tasks/{task['id']}/comments"
    first = await c.post(
        url,
        json={
            "body": "Đề nghị Sở báo cáo rõ khó khăn.\nCần gấp.",
            "mentions": [people.focal["id"]],
        },
        headers=world.h["office"],
    )
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["author_role"] == "office" and body["mentions"] == [people.focal["id"]]
    assert first.headers["Location"].endswith(f"{url}/{body['id']}")
    one = await c.get(
        first.headers["Location"].removeprefix("http://test"), headers=world.h["lead"]
    )
    assert one.status_code == 200 and one.json()["body"].endswith("Cần gấp.")
    # the lead and the cooperating agency answer; another agency neither sees nor writes
    assert (
        await c.post(url, json={"body": "Sở đã báo cáo."}, headers=people.h["focal"])
    ).status_code == 201
    assert (await c.post(url, json={"body": "Đồng ý."}, headers=world.h["coop"])).status_code == 201
    assert (await c.post(url, json={"body": "x"}, headers=world.h["other"])).status_code == 404
    assert (await c.get(url, headers=world.h["other"])).status_code == 404
    # viewers read the thread, never write to it
    assert (await c.post(url, json={"body": "x"}, headers=world.h["viewer"])).status_code == 403
    thread = (await c.get(url, headers=world.h["viewer"])).json()["items"]
    assert [t["body"][:6] for t in thread] == ["Đề ngh", "Sở đã ", "Đồng ý"]
    assert thread[1]["author_official_id"] == people.focal["id"]
    newest = (
        await c.get(url, params={"sort": "-created_at", "limit": 1}, headers=world.h["lead"])
    ).json()
    assert newest["items"][0]["body"] == "Đồng ý." and newest["next_cursor"]
    # each comment is a history entry and an event
    hist = (await c.get(f"/api/v1/tasks/{task['id']}/history", headers=world.h["office"])).json()[
        "items"
    ]
    commented = [h for h in hist if h["action"] == "commented"]
    assert len(commented) == 3 and commented[0]["comment"].startswith("Đề nghị")
    assert commented[0]["changes"]["mentions"]["new"] == [people.focal["id"]]
    events = (
        await c.get("/api/v1/events", params={"type": "task.commented"}, headers=world.h["coop"])
    ).json()["items"]
    assert len(events) == 3


async def test_bad_comments_change_nothing(world: World, people: People) -> None:
    c = world.client
    task = await world.task()
    url = f"/api/v1/tasks/{task['id']}/comments"
    for body, field in [
        ({"body": ""}, "body"),
        ({"body": "x\x07y"}, "body"),
        ({"body": "x", "mentions": ["00000000-0000-0000-0000-000000000009"]}, "mentions"),
        # an official of an agency the task does not involve would see it through the mention
        ({"body": "x", "mentions": [people.outsider["id"]]}, "mentions"),
    ]:
        r = await c.post(url, json=body, headers=world.h["office"])
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == field
    assert (await c.get(url, headers=world.h["office"])).json()["items"] == []
    r = await c.get(f"/api/v1/tasks/{task['id']}/comments/{task['id']}", headers=world.h["office"])
    assert r.status_code == 404


async def test_proposal_and_budget_request_threads(world: World, people: People) -> None:
    c = world.client
    proposal = await c.post(
        "/api/v1/proposals",
        json={
            "title": "Kiến nghị bổ sung biên chế",
            "category": "other",
            "submitting_agency_id": world.lead["id"],
        },
        headers=world.h["lead"],
    )
    assert proposal.status_code == 201, proposal.text
    url = f"/api/v1/proposals/{proposal.json()['id']}/comments"
    assert (
        await c.post(url, json={"body": "Bổ sung số liệu"}, headers=world.h["leader"])
    ).status_code == 201
    assert (
        await c.post(url, json={"body": "Đã bổ sung"}, headers=world.h["lead"])
    ).status_code == 201
    assert (await c.post(url, json={"body": "x"}, headers=world.h["coop"])).status_code == 404
    assert (await c.post(url, json={"body": "x"}, headers=world.h["finance"])).status_code == 403
    assert len((await c.get(url, headers=world.h["viewer"])).json()["items"]) == 2
    request: dict[str, Any] = (
        await c.post(
            "/api/v1/budget-requests",
            json={
                "title": "Kinh phí thuê chuyên gia",
                "requesting_agency_id": world.lead["id"],
                "expenditure_type": "recurrent",
                "purpose": "expert_hiring",
                "funding_source": "provincial",
                "fiscal_year": 2023,
                "amount_requested_vnd": 1_000_000_000,
            },
            headers=world.h["lead"],
        )
    ).json()
    url = f"/api/v1/budget-requests/{request['id']}/comments"
    # finance takes part in a budget request's thread
    assert (
        await c.post(url, json={"body": "Thẩm định"}, headers=world.h["finance"])
    ).status_code == 201
    assert (await c.get(url, headers=world.h["other"])).status_code == 404
