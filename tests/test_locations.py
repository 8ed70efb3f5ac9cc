"""Every `Location` a creation answers with is a URL that serves what was created — to those who
may see it, and only them."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from tests.conftest import World, stand_at
from tests.routers.test_budget_requests import approved


async def follow(world: World, created: httpx.Response, role: str = "office") -> None:
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    shown = await world.client.get(location, headers=world.h[role])
    assert shown.status_code == 200, location
    body = created.json()
    body.pop("key", None)  # an API key is shown once, on creation
    assert shown.json() == body, location


async def test_every_location_can_be_read(world: World, app: FastAPI) -> None:
    stand_at(app, datetime(2023, 6, 1, 3, 0, tzinfo=UTC))
    task = await world.task(due_date="2023-12-31")
    base = f"/api/v1/tasks/{task['id']}"
    await follow(
        world,
        await world.client.post(
            f"{base}/progress-reports",
            json={"progress_percent": 30, "results": "Đã khảo sát"},
            headers=world.h["lead"],
        ),
        "lead",
    )
    await follow(
        world,
        await world.client.post(
            f"{base}/extension-requests",
            json={"proposed_due_date": "2024-03-31", "reason": "Chờ kinh phí"},
            headers=world.h["lead"],
        ),
        "coop",
    )
    await follow(
        world,
        await world.client.post(
            f"{base}/reminders", json={"message": "Đề nghị khẩn trương"}, headers=world.h["office"]
        ),
        "viewer",
    )
    request = await approved(world, amount=1_000)
    money = f"/api/v1/budget-requests/{request['id']}"
    await follow(
        world,
        await world.client.post(
            f"{money}/disbursements", json={"amount_vnd": 600}, headers=world.h["finance"]
        ),
        "lead",
    )
    await follow(
        world,
        await world.client.post(
            f"{money}/deadline-extensions",
            json={
                "new_deadline": "2024-06-30",
                "reason": "Chậm giải phóng mặt bằng",
                "decided_by": "Chủ tịch UBND tỉnh",
                "decision_number": "88/QĐ-UBND",
            },
            headers=world.h["leader"],
        ),
        "finance",
    )
    await follow(
        world,
        await world.client.post(
            "/api/v1/api-keys",
            json={"name": "Cổng tỉnh", "role": "viewer"},
            headers=world.h["admin"],
        ),
        "admin",
    )

    # Seen through its parent: another agency's staff get 404, as for the task itself.
    report = (await world.client.get(f"{base}/progress-reports", headers=world.h["lead"])).json()
    hidden = f"{base}/progress-reports/{report['items'][0]['id']}"
    assert (await world.client.get(hidden, headers=world.h["other"])).status_code == 404
    other_task = await world.task()
    misplaced = f"/api/v1/tasks/{other_task['id']}/progress-reports/{report['items'][0]['id']}"
    assert (await world.client.get(misplaced, headers=world.h["office"])).status_code == 404
