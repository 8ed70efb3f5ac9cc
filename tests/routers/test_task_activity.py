"""Progress reports, extension requests and decisions, manual reminders."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import World, stand_at


@pytest.fixture(autouse=True)
def _in_2023(app) -> None:
    stand_at(app, datetime(2023, 6, 1, 3, 0, tzinfo=UTC))


def url(task: dict[str, Any], sub: str) -> str:
    return f"/api/v1/tasks/{task['id']}/{sub}"


async def test_lead_report_sets_progress_and_starts_the_task(world: World) -> None:
    task = await world.task()
    report = await world.client.post(
        url(task, "progress-reports"),
        json={
            "progress_percent": 40,
            "results": "Khảo sát xong",
            "attachments": [{"name": "BC.pdf", "url": "https://x.vn/bc.pdf"}],
        },
        headers=world.h["lead"],
    )
    assert report.status_code == 201, report.text
    body = report.json()
    assert (body["reporting_agency_id"], body["reported_on"], body["progress_percent"]) == (
        world.lead["id"],
        "2023-06-01",
        40,
    )
    after = (
        await world.client.get(f"/api/v1/tasks/{task['id']}", headers=world.h["office"])
    ).json()
    assert (after["status"], after["progress_percent"], after["version"]) == ("in_progress", 40, 2)
    coop = await world.client.post(
        url(task, "progress-reports"), json={"progress_percent": 90}, headers=world.h["coop"]
    )
    assert coop.status_code == 201 and coop.json()["reporting_agency_id"] == world.coop["id"]
    unchanged = (
        await world.client.get(f"/api/v1/tasks/{task['id']}", headers=world.h["office"])
    ).json()
    assert unchanged["progress_percent"] == 40
    listed = (
        await world.client.get(url(task, "progress-reports"), headers=world.h["coop"])
    ).json()["items"]
    assert [r["progress_percent"] for r in listed] == [40, 90]
    actions = [
        h["action"]
        for h in (await world.client.get(url(task, "history"), headers=world.h["office"])).json()[
            "items"
        ]
    ]
    assert actions == ["created", "progress_reported", "progress_reported"]


async def test_who_reports(world: World) -> None:
    task = await world.task()
    assert (
        await world.client.post(
            url(task, "progress-reports"), json={"progress_percent": 5}, headers=world.h["other"]
        )
    ).status_code == 404
    for role in ("viewer", "leader", "finance"):
        response = await world.client.post(
            url(task, "progress-reports"), json={"progress_percent": 5}, headers=world.h[role]
        )
        assert response.status_code == 403, role
    spoof = await world.client.post(
        url(task, "progress-reports"),
        json={"progress_percent": 5, "reporting_agency_id": world.lead["id"]},
        headers=world.h["coop"],
    )
    assert spoof.status_code == 422
    for_other = await world.client.post(
        url(task, "progress-reports"),
        json={"progress_percent": 5, "reporting_agency_id": world.other["id"]},
        headers=world.h["office"],
    )
    assert for_other.status_code == 422
    by_office = await world.client.post(
        url(task, "progress-reports"), json={"progress_percent": 5}, headers=world.h["office"]
    )
    assert (
        by_office.status_code == 201 and by_office.json()["reporting_agency_id"] == world.lead["id"]
    )
    for bad in (
        {"progress_percent": 101},
        {"progress_percent": -1},
        {"progress_percent": 5, "reported_on": "2023-06-02"},
    ):
        response = await world.client.post(
            url(task, "progress-reports"), json=bad, headers=world.h["lead"]
        )
        assert response.status_code == 422, bad


async def test_no_reports_on_closed_tasks(world: World) -> None:
    task = await world.task()
    await world.act(task, "office", "cancel", comment="x")
    response = await world.client.post(
        url(task, "progress-reports"), json={"progress_percent": 5}, headers=world.h["lead"]
    )
    assert response.status_code == 409


async def test_extension_approved_moves_the_deadline_and_keeps_the_original(world: World) -> None:
    task = await world.task(due_date="2023-06-30")
    asked = await world.client.post(
        url(task, "extension-requests"),
        json={"proposed_due_date": "2023-09-30", "reason": "Chờ vốn"},
        headers=world.h["lead"],
    )
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert (request["status"], request["current_due_date"]) == ("pending", "2023-06-30")
    second = await world.client.post(
        url(task, "extension-requests"),
        json={"proposed_due_date": "2023-10-30", "reason": "x"},
        headers=world.h["office"],
    )
    assert second.status_code == 409
    decision_url = f"{url(task, 'extension-requests')}/{request['id']}/decision"
    assert (
        await world.client.post(decision_url, json={"approved": True}, headers=world.h["lead"])
    ).status_code == 403
    decided = await world.client.post(
        decision_url,
        json={"approved": True, "approved_due_date": "2023-08-31", "comment": "Đồng ý đến 31/8"},
        headers=world.h["leader"],
    )
    assert decided.status_code == 200, decided.text
    assert (decided.json()["status"], decided.json()["approved_due_date"]) == (
        "approved",
        "2023-08-31",
    )
    after = (
        await world.client.get(f"/api/v1/tasks/{task['id']}", headers=world.h["office"])
    ).json()
    assert (after["due_date"], after["original_due_date"]) == ("2023-08-31", "2023-06-30")
    again = await world.client.post(
        decision_url, json={"approved": False}, headers=world.h["leader"]
    )
    assert again.status_code == 409
    history = (await world.client.get(url(task, "history"), headers=world.h["office"])).json()[
        "items"
    ]
    assert history[-1]["action"] == "extension_decided"
    assert history[-1]["changes"]["due_date"] == {"old": "2023-06-30", "new": "2023-08-31"}


async def test_extension_rejected_and_the_rules(world: World) -> None:
    task = await world.task(due_date="2023-06-30")
    early = await world.client.post(
        url(task, "extension-requests"),
        json={"proposed_due_date": "2023-06-30", "reason": "x"},
        headers=world.h["lead"],
    )
    assert early.status_code == 422
    coop = await world.client.post(
        url(task, "extension-requests"),
        json={"proposed_due_date": "2023-07-30", "reason": "x"},
        headers=world.h["coop"],
    )
    assert coop.status_code == 403
    asked = (
        await world.client.post(
            url(task, "extension-requests"),
            json={"proposed_due_date": "2023-07-30", "reason": "x"},
            headers=world.h["lead"],
        )
    ).json()
    rejected = await world.client.post(
        f"{url(task, 'extension-requests')}/{asked['id']}/decision",
        json={"approved": False, "comment": "Không"},
        headers=world.h["office"],
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    after = (
        await world.client.get(f"/api/v1/tasks/{task['id']}", headers=world.h["office"])
    ).json()
    assert after["due_date"] == "2023-06-30"
    open_ended = await world.task(due_date=None)
    none = await world.client.post(
        url(open_ended, "extension-requests"),
        json={"proposed_due_date": "2023-07-30", "reason": "x"},
        headers=world.h["lead"],
    )
    assert none.status_code == 409


async def test_concurrent_extension_requests_leave_one_pending(world: World) -> None:
    task = await world.task(due_date="2023-06-30")
    responses = await asyncio.gather(
        *(
            world.client.post(
                url(task, "extension-requests"),
                json={"proposed_due_date": f"2023-07-{10 + i}", "reason": "x"},
                headers=world.h["lead"],
            )
            for i in range(6)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5


async def test_manual_reminders(world: World) -> None:
    task = await world.task(due_date="2023-06-30")
    sent = await world.client.post(
        url(task, "reminders"),
        json={
            "channel": "document",
            "message": "Đề nghị báo cáo tiến độ",
            "document_number": "120/VP-TH",
        },
        headers=world.h["office"],
    )
    assert sent.status_code == 201, sent.text
    assert (sent.json()["kind"], sent.json()["due_date"]) == ("manual", "2023-06-30")
    for role in ("lead", "viewer", "finance"):
        assert (
            await world.client.post(
                url(task, "reminders"), json={"message": "x"}, headers=world.h[role]
            )
        ).status_code == 403
    automatic = await world.client.post(
        url(task, "reminders"), json={"message": "x", "kind": "overdue"}, headers=world.h["leader"]
    )
    assert automatic.status_code == 422
    listed = (await world.client.get(url(task, "reminders"), headers=world.h["lead"])).json()[
        "items"
    ]
    assert [r["message"] for r in listed] == ["Đề nghị báo cáo tiến độ"]
    history = (await world.client.get(url(task, "history"), headers=world.h["office"])).json()[
        "items"
    ]
    assert (
        history[-1]["action"] == "reminded" and history[-1]["comment"] == "Đề nghị báo cáo tiến độ"
    )
