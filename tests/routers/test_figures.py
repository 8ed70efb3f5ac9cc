"""Figures nobody can bend: completion dates are not backdated, deadlines move only by decision,
and deleting is for mistakes — through HTTP on real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import World, stand_at

A = "/api/v1"
NOVEMBER_2026 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 in the province
DECISION = {
    "reason": "Điều chỉnh theo kế hoạch vốn",
    "decision_number": "1205/UBND-KT",
    "decision_date": "2026-11-18",
    "decided_by": "Phó Chủ tịch UBND tỉnh",
}


async def started(world: World, **fields: Any) -> dict[str, Any]:
    task = await world.task(**fields)
    response = await world.act(task, "lead", "start")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def get(world: World, task: dict[str, Any]) -> dict[str, Any]:
    response = await world.client.get(f"{A}/tasks/{task['id']}", headers=world.h["office"])
    return response.json()  # type: ignore[no-any-return]


async def history_actions(world: World, task: dict[str, Any]) -> list[str]:
    response = await world.client.get(f"{A}/tasks/{task['id']}/history", headers=world.h["office"])
    return [e["action"] for e in response.json()["items"]]


# --- completion dates ----------------------------------------------------------------------


async def test_an_agency_cannot_backdate_a_completion_by_three_years(world: World, app) -> None:
    # The reported case: submitted in November 2026 as completed on 2023-06-01, 1,065 days
    # after a deadline of 2023-06-30 … which would then count as on time.
    stand_at(app, NOVEMBER_2026)
    task = await started(world, due_date="2023-06-30")
    response = await world.act(task, "lead", "submit", result="Xong", completed_on="2023-06-01")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["completed_on"]
    assert (await get(world, task))["status"] == "in_progress"
    # Within the window (5 days by default) the agency's own date stands.
    ok = await world.act(task, "lead", "submit", result="Xong", completed_on="2026-11-15")
    assert ok.status_code == 200, ok.text
    assert ok.json()["completed_on"] == "2026-11-15" and ok.json()["completed_on_reason"] is None
    assert ok.json()["status"] == "awaiting_confirmation"


async def test_six_days_back_is_refused_to_an_agency(world: World, app) -> None:
    stand_at(app, NOVEMBER_2026)
    task = await started(world, due_date="2026-12-31")
    six = (NOVEMBER_2026.date() - timedelta(days=6)).isoformat()
    five = (NOVEMBER_2026.date() - timedelta(days=5)).isoformat()
    assert (
        await world.act(task, "lead", "submit", result="x", completed_on=six)
    ).status_code == 422
    assert (
        await world.act(task, "lead", "submit", result="x", completed_on=five)
    ).status_code == 200


async def test_the_office_records_an_old_date_only_with_a_reason(world: World, app) -> None:
    stand_at(app, NOVEMBER_2026)
    task = await started(world, due_date="2023-06-30")
    refused = await world.act(task, "office", "submit", result="Xong", completed_on="2023-06-01")
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["reason"]
    reason = "Hồ sơ giấy năm 2023, nhập bổ sung theo Công văn 88/VP"
    done = await world.act(
        task, "office", "submit", result="Xong", completed_on="2023-06-01", reason=reason
    )
    assert done.status_code == 200, done.text
    assert done.json()["completed_on_reason"] == reason
    entry = (
        await world.client.get(f"{A}/tasks/{task['id']}/history", headers=world.h["office"])
    ).json()["items"][-1]
    assert entry["action"] == "submit"
    assert entry["changes"]["completed_on_reason"]["new"] == reason


async def test_a_completion_is_never_in_the_future(world: World, app) -> None:
    stand_at(app, NOVEMBER_2026)
    task = await started(world, due_date="2026-12-31")
    response = await world.act(
        task, "office", "submit", result="x", completed_on="2026-11-21", reason="x"
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["completed_on"]


# --- deadlines -----------------------------------------------------------------------------


async def test_a_deadline_is_not_patched(world: World, app) -> None:
    # The reported case: PATCH due_date turned an overdue task on track, with no decision.
    stand_at(app, NOVEMBER_2026)
    task = await started(world, due_date="2026-06-30")
    assert (await get(world, task))["timeliness"] == "overdue"
    response = await world.client.patch(
        f"{A}/tasks/{task['id']}",
        json={"due_date": "2027-06-30"},
        headers={
            **world.h["office"],
            "If-Match": f'"{task["version"]}"',
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["due_date"]
    after = await get(world, task)
    assert (after["due_date"], after["timeliness"]) == ("2026-06-30", "overdue")


async def test_a_first_deadline_may_be_set_by_an_edit(world: World) -> None:
    task = await world.task(due_date=None)
    response = await world.client.patch(
        f"{A}/tasks/{task['id']}",
        json={"due_date": "2027-06-30"},
        headers={
            **world.h["office"],
            "If-Match": f'"{task["version"]}"',
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["original_due_date"] == "2027-06-30"


async def test_an_adjustment_moves_the_deadline_with_its_decision(world: World, app) -> None:
    stand_at(app, NOVEMBER_2026)
    task = await started(world, due_date="2026-12-31")
    path = f"{A}/tasks/{task['id']}/deadline-changes"
    for role in ("lead", "coop", "finance", "viewer"):
        refused = await world.client.post(
            path, json={**DECISION, "new_due_date": "2027-03-31"}, headers=world.h[role]
        )
        assert refused.status_code in (403, 404), role
    made = await world.client.post(
        path, json={**DECISION, "new_due_date": "2027-03-31"}, headers=world.h["leader"]
    )
    assert made.status_code == 201, made.text
    change = made.json()
    assert (change["kind"], change["old_due_date"], change["new_due_date"]) == (
        "adjustment",
        "2026-12-31",
        "2027-03-31",
    )
    assert change["decision_number"] == "1205/UBND-KT" and change["after_deadline"] is False
    assert change["decided_on"] == "2026-11-20"
    assert (await world.client.get(made.headers["location"], headers=world.h["lead"])).json() == (
        change
    )
    now = await get(world, task)
    assert (now["due_date"], now["original_due_date"]) == ("2027-03-31", "2026-12-31")
    listed = (await world.client.get(path, headers=world.h["coop"])).json()["items"]
    assert [c["id"] for c in listed] == [change["id"]]
    assert "deadline_adjusted" in await history_actions(world, task)


async def test_an_adjustment_names_its_decision(world: World) -> None:
    task = await started(world, due_date="2099-12-31")
    path = f"{A}/tasks/{task['id']}/deadline-changes"
    response = await world.client.post(
        path, json={"new_due_date": "2100-03-31"}, headers=world.h["office"]
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "reason",
        "decision_number",
        "decision_date",
        "decided_by",
    }
    assert (await world.client.get(path, headers=world.h["office"])).json()["items"] == []


async def test_a_late_extension_request_is_marked_and_so_is_its_change(world: World, app) -> None:
    # The reported case: an extension asked for three years after the deadline.
    stand_at(app, NOVEMBER_2026)
    task = await started(world, due_date="2023-06-30")
    asked = await world.client.post(
        f"{A}/tasks/{task['id']}/extension-requests",
        json={"proposed_due_date": "2026-12-31", "reason": "Chờ vốn"},
        headers=world.h["lead"],
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["requested_after_deadline"] is True
    decided = await world.client.post(
        f"{A}/tasks/{task['id']}/extension-requests/{asked.json()['id']}/decision",
        json={"approved": True},
        headers=world.h["leader"],
    )
    assert decided.status_code == 200, decided.text
    changes = (
        await world.client.get(f"{A}/tasks/{task['id']}/deadline-changes", headers=world.h["lead"])
    ).json()["items"]
    assert len(changes) == 1
    change = changes[0]
    assert (change["kind"], change["after_deadline"], change["extension_request_id"]) == (
        "extension",
        True,
        asked.json()["id"],
    )
    assert (change["old_due_date"], change["new_due_date"]) == ("2023-06-30", "2026-12-31")
    assert (await get(world, task))["original_due_date"] == "2023-06-30"


async def test_a_timely_extension_request_is_not_marked(world: World, app) -> None:
    stand_at(app, NOVEMBER_2026)
    task = await started(world, due_date="2026-12-31")
    asked = await world.client.post(
        f"{A}/tasks/{task['id']}/extension-requests",
        json={"proposed_due_date": "2027-03-31", "reason": "Chờ vốn"},
        headers=world.h["lead"],
    )
    assert asked.json()["requested_after_deadline"] is False


# --- deletion ------------------------------------------------------------------------------


async def delete(world: World, task: dict[str, Any], role: str = "leader") -> httpx.Response:
    return await world.client.delete(f"{A}/tasks/{task['id']}", headers=world.h[role])


async def test_an_overdue_task_with_progress_is_cancelled_not_deleted(world: World, app) -> None:
    # The reported case: a leader deleted an overdue task and the report lost it.
    stand_at(app, NOVEMBER_2026)
    task = await world.task(due_date="2026-06-30")
    report = await world.client.post(
        f"{A}/tasks/{task['id']}/progress-reports",
        json={"progress_percent": 20},
        headers=world.h["lead"],
    )
    assert report.status_code == 201
    body = await get(world, task)
    assert "delete" not in body["allowed_actions"] and "cancel" in body["allowed_actions"]
    refused = await delete(world, task)
    assert refused.status_code == 409
    assert "cancel" in refused.json()["allowed_actions"]
    assert (await get(world, task))["deleted_at"] is None


async def test_a_cooperating_agency_report_also_counts_as_activity(world: World) -> None:
    task = await world.task(due_date="2099-12-31")
    await world.client.post(
        f"{A}/tasks/{task['id']}/progress-reports",
        json={"progress_percent": 20},
        headers=world.h["coop"],
    )
    assert (await delete(world, task)).status_code == 409


async def test_a_task_older_than_the_grace_period_is_not_deleted(
    world: World, engine: AsyncEngine
) -> None:
    task = await world.task(due_date="2099-12-31")
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE tasks SET created_at = now() - interval '8 days' WHERE id = :id"),
            {"id": task["id"]},
        )
    assert "delete" not in (await get(world, task))["allowed_actions"]
    assert (await delete(world, task)).status_code == 409


async def test_a_mistake_is_deleted_at_once(world: World) -> None:
    task = await world.task(due_date="2099-12-31")
    assert "delete" in (await get(world, task))["allowed_actions"]
    assert (await delete(world, task)).status_code == 204


async def test_a_started_task_is_not_deleted(world: World) -> None:
    task = await started(world, due_date="2099-12-31")
    assert (await delete(world, task)).status_code == 409
    cancelled = await world.act(task, "leader", "cancel", comment="Giao nhầm đơn vị")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
