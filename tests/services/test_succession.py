"""Agency succession: open tasks move, closed ones stay, every move is in history and the feed."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import World, make_agency


@pytest.mark.feed
async def test_merge_moves_open_tasks_and_keeps_closed_ones(
    world: World, office: dict[str, str]
) -> None:
    successor = await make_agency(world.client, office, name="Sở Khoa học và Công nghệ")
    led_open = await world.task(cooperating_agency_ids=[world.coop["id"]])
    led_with_successor = await world.task(cooperating_agency_ids=[successor["id"]])
    led_done = await world.task()
    await world.act(led_done, "office", "start")
    await world.act(
        led_done,
        "office",
        "submit",
        result="Xong",
        completed_on="2023-05-01",
        reason="Nhập bổ sung",
    )
    await world.act(led_done, "office", "confirm")
    led_cancelled = await world.task()
    await world.act(led_cancelled, "office", "cancel", comment="Không còn phù hợp")
    cooperated = await world.task(
        lead_agency_id=world.other["id"],
        cooperating_agency_ids=[world.lead["id"], world.coop["id"]],
    )
    cooperated_with_successor = await world.task(
        lead_agency_id=successor["id"], cooperating_agency_ids=[world.lead["id"]]
    )

    url = f"/api/v1/agencies/{world.lead['id']}/succession"
    body = {"successor_id": successor["id"], "effective_on": "2025-03-01", "status": "merged"}
    assert (await world.client.post(url, json=body, headers=world.h["leader"])).status_code == 403
    response = await world.client.post(url, json=body, headers=office)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["moved_lead"], result["moved_cooperating"]) == (2, 2)
    agency = result["agency"]
    assert (agency["status"], agency["successor_id"], agency["valid_to"]) == (
        "merged",
        successor["id"],
        "2025-02-28",
    )

    async def get(task: dict[str, Any]) -> dict[str, Any]:
        return (await world.client.get(f"/api/v1/tasks/{task['id']}", headers=office)).json()  # type: ignore[no-any-return]

    moved = await get(led_open)
    assert (moved["lead_agency_id"], moved["cooperating_agency_ids"]) == (
        successor["id"],
        [world.coop["id"]],
    )
    merged = await get(led_with_successor)
    assert (merged["lead_agency_id"], merged["cooperating_agency_ids"]) == (successor["id"], [])
    assert (await get(led_done))["lead_agency_id"] == world.lead["id"]
    assert (await get(led_cancelled))["lead_agency_id"] == world.lead["id"]
    assert (await get(cooperated))["cooperating_agency_ids"] == [successor["id"], world.coop["id"]]
    assert (await get(cooperated_with_successor))["cooperating_agency_ids"] == []

    history = (
        await world.client.get(f"/api/v1/tasks/{led_open['id']}/history", headers=office)
    ).json()["items"]
    assert history[-1]["changes"]["lead_agency_id"] == {
        "old": world.lead["id"],
        "new": successor["id"],
    }
    assert "succession" in history[-1]["comment"]
    feed = (
        await world.client.get(
            "/api/v1/events",
            params={"type": ["agency.succession", "task.updated"], "limit": 100},
            headers=office,
        )
    ).json()["items"]
    assert [e["type"] for e in feed].count("task.updated") == 4
    assert feed[-1]["type"] == "agency.succession"

    again = await world.client.post(url, json=body, headers=office)
    assert again.status_code == 409
    new_task = await world.client.post(
        "/api/v1/tasks", json={"title": "x", "lead_agency_id": world.lead["id"]}, headers=office
    )
    assert new_task.status_code == 422  # a merged agency takes no new tasks


async def test_successor_must_be_another_active_agency(
    world: World, office: dict[str, str]
) -> None:
    url = f"/api/v1/agencies/{world.lead['id']}/succession"
    itself = await world.client.post(
        url,
        json={"successor_id": world.lead["id"], "effective_on": "2025-03-01", "status": "merged"},
        headers=office,
    )
    assert itself.status_code == 422
    active = await world.client.post(
        url,
        json={"successor_id": world.coop["id"], "effective_on": "2025-03-01", "status": "active"},
        headers=office,
    )
    assert active.status_code == 422
    await world.client.post(
        f"/api/v1/agencies/{world.other['id']}/succession",
        json={
            "successor_id": world.coop["id"],
            "effective_on": "2025-01-01",
            "status": "dissolved",
        },
        headers=office,
    )
    gone = await world.client.post(
        url,
        json={"successor_id": world.other["id"], "effective_on": "2025-03-01", "status": "merged"},
        headers=office,
    )
    assert gone.status_code == 422 and gone.json()["errors"][0]["field"] == "successor_id"


async def test_work_given_during_a_succession_lands_on_the_successor(
    world: World, office: dict[str, str], engine: AsyncEngine
) -> None:
    # Tasks led by (or cooperating with) an agency, created while it is being merged: each is
    # either refused (the agency is no longer active) or moved by the succession — never left
    # with the merged agency. The agency already leads many tasks, so the merge takes a while.
    successor = await make_agency(world.client, office, name="Sở Khoa học và Công nghệ")
    merged = world.lead["id"]
    backlog = 5000
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO tasks (id, code, title, year, lead_agency_id, cooperating_agency_ids,"
                " assigned_on, status, progress_percent, priority, recurrence,"
                " requires_confirmation, is_key_task, version, created_at, updated_at)"
                " SELECT gen_random_uuid(), 'OLD-' || i, 'Nhiệm vụ cũ ' || i, 2024, :lead, '{}',"
                " DATE '2024-01-01', 'in_progress', 0, 'normal', 'none', true, false, 1, now(),"
                " now() FROM generate_series(1, :n) AS i"
            ),
            {"lead": merged, "n": backlog},
        )

    async def create(i: int) -> httpx.Response:
        body: dict[str, Any] = {"title": f"Nhiệm vụ {i}", "assigned_on": "2025-02-20"}
        if i % 2:
            body |= {"lead_agency_id": merged, "cooperating_agency_ids": [world.coop["id"]]}
        else:
            body |= {"lead_agency_id": world.coop["id"], "cooperating_agency_ids": [merged]}
        return await world.client.post("/api/v1/tasks", json=body, headers=office)

    async def merge() -> httpx.Response:
        await asyncio.sleep(0.02)  # creations are under way
        return await world.client.post(
            f"/api/v1/agencies/{merged}/succession",
            json={
                "successor_id": successor["id"],
                "effective_on": "2025-03-01",
                "status": "merged",
            },
            headers=office,
        )

    async def creations() -> list[httpx.Response]:
        done = []
        for wave in range(8):  # before, during and after the merge
            done += await asyncio.gather(*(create(wave * 8 + i) for i in range(8)))
        return done

    created, succession = await asyncio.gather(creations(), merge())
    assert succession.status_code == 200, succession.text
    refused = [r for r in created if r.status_code != 201]
    assert all(r.status_code == 422 for r in refused), [r.text for r in refused]
    assert len(refused) < len(created)
    left = []
    for response in created:
        if response.status_code == 201:
            task = (
                await world.client.get(f"/api/v1/tasks/{response.json()['id']}", headers=office)
            ).json()
            if task["lead_agency_id"] == merged or merged in task["cooperating_agency_ids"]:
                left.append(task["code"])
    assert left == []
    # Whatever was accepted, was accepted before the merge and moved by it.
    moved = succession.json()
    assert moved["moved_lead"] + moved["moved_cooperating"] == backlog + len(created) - len(refused)
