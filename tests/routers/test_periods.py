"""Periods the way the province reports them: the backlog carried in, what fell due, what was
completed, what stays open at the period's end, and the two rates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.conftest import World, stand_at

A = "/api/v1"


async def make(
    world: World, assigned: str, due: str | None, completed: str | None = None
) -> dict[str, Any]:
    task = await world.task(
        assigned_on=assigned, due_date=due, cooperating_agency_ids=[], requires_confirmation=False
    )
    if completed:
        assert (await world.act(task, "office", "start")).status_code == 200
        done = await world.act(
            task, "office", "submit", result="Xong", completed_on=completed, reason="Nhập sau"
        )
        assert done.status_code == 200, done.text
    return task


async def report(world: World, **params: str) -> dict[str, Any]:
    response = await world.client.get(
        f"{A}/reports/tasks",
        params={"group_by": "lead_agency", "period_mode": "calendar", **params},
        headers=world.h["office"],
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_year_shows_the_backlog_it_carried_in(world: World, app) -> None:
    # The reported case: period=2026 showed 0 overdue while tasks were overdue that day,
    # because only tasks assigned in 2026 were looked at.
    stand_at(app, datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
    for _ in range(3):
        await make(world, "2025-03-01", "2025-12-31")  # carried in, overdue all 2026
    await make(world, "2025-03-01", "2026-03-31", "2026-03-20")  # carried in, done on time
    await make(world, "2025-03-01", "2025-06-30", "2025-06-15")  # done before 2026: not carried
    await make(world, "2026-02-01", "2026-05-31", "2026-06-10")  # assigned, done late
    await make(world, "2026-02-01", "2026-12-31")  # assigned, still on track
    await make(world, "2026-02-01", "2026-09-30")  # assigned, overdue
    body = await report(world, period="2026")
    assert body["as_of"] == "2026-11-30"  # the period is not over: today
    row = body["items"][0]
    assert row["carried_in"] == 4
    assert row["assigned_in_period"] == 3
    assert row["fell_due"] == 3  # 2026-03-31, 2026-05-31, 2026-09-30
    assert (row["completed_in_period_on_time"], row["completed_in_period_late"]) == (1, 1)
    assert (row["open_at_end_on_track"], row["open_at_end_due_soon"]) == (1, 0)
    assert row["open_at_end_overdue"] == 4  # the three carried in and the one of 2026
    # Of what fell due in 2026, completed by the end: the two done (one late) of three.
    assert row["completion_rate"] == round(2 / 3, 4)
    # The fields kept from before count only what was assigned in the period.
    assert (row["assigned"], row["open_overdue"], row["completed_late"]) == (3, 1, 1)
    assert body["totals"]["open_at_end_overdue"] == 4


async def test_a_finished_period_is_judged_on_its_last_day(world: World, app) -> None:
    stand_at(app, datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
    await make(world, "2026-01-10", "2026-03-20", "2026-04-05")  # late, completed in Q2
    await make(world, "2026-01-10", "2026-06-30")  # open at the end of Q1, on track
    body = await report(world, period="2026-Q1")
    assert body["as_of"] == "2026-03-31"
    row = body["items"][0]
    assert row["fell_due"] == 1 and row["completion_rate"] == 0.0
    assert row["open_at_end_overdue"] == 1  # the first was still open on 31 March
    assert row["open_at_end_on_track"] == 1
    assert row["completed_in_period_late"] == 0
