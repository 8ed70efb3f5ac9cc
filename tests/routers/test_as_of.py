"""A report as of a day counts each task as it stood that day: an extension decided, a completion
recorded, a succession or a cancellation after the day changes nothing in it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.conftest import World, stand_at

A = "/api/v1"
JUNE = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
LATER = datetime(2026, 7, 20, 3, 0, tzinfo=UTC)  # after the day reported on
DAY = "2026-07-17"


async def report(world: World, as_of: str) -> dict[str, dict[str, Any]]:
    response = await world.client.get(
        f"{A}/reports/tasks",
        params={"group_by": "lead_agency", "as_of": as_of},
        headers=world.h["office"],
    )
    assert response.status_code == 200, response.text
    return {row["key"]: row for row in response.json()["items"]}


async def overdue_task(world: World, app: Any) -> dict[str, Any]:
    """Assigned in June 2026, due 30 June, started: overdue on 17 July."""
    stand_at(app, JUNE)
    task = await world.task(assigned_on="2026-06-01", due_date="2026-06-30")
    assert (await world.act(task, "lead", "start")).status_code == 200
    return task


def counts(row: dict[str, Any]) -> tuple[int, int, int, int]:
    return (row["assigned"], row["open_overdue"], row["open_on_track"], row["completed_late"])


async def test_an_extension_decided_later_does_not_change_the_past(world: World, app) -> None:
    task = await overdue_task(world, app)
    stand_at(app, LATER)
    before = await report(world, DAY)
    asked = await world.client.post(
        f"{A}/tasks/{task['id']}/extension-requests",
        json={"proposed_due_date": "2026-12-31", "reason": "Chờ vốn"},
        headers=world.h["lead"],
    )
    decided = await world.client.post(
        f"{A}/tasks/{task['id']}/extension-requests/{asked.json()['id']}/decision",
        json={"approved": True},
        headers=world.h["leader"],
    )
    assert decided.status_code == 200, decided.text
    after = await report(world, DAY)
    assert counts(after[str(world.lead["id"])]) == counts(before[str(world.lead["id"])])
    assert counts(after[str(world.lead["id"])]) == (1, 1, 0, 0)
    # Today the new deadline stands.
    today = await report(world, LATER.date().isoformat())
    assert counts(today[str(world.lead["id"])]) == (1, 0, 1, 0)


async def test_a_completion_recorded_later_does_not_change_the_past(world: World, app) -> None:
    task = await overdue_task(world, app)
    stand_at(app, LATER)
    # Completed on 16 July, but only reported on 20 July: on the 17th nobody knew.
    done = await world.act(task, "lead", "submit", result="Xong", completed_on="2026-07-16")
    assert done.status_code == 200, done.text
    assert (await world.act(task, "leader", "confirm")).status_code == 200
    assert counts((await report(world, DAY))[str(world.lead["id"])]) == (1, 1, 0, 0)
    today = await report(world, LATER.date().isoformat())
    assert counts(today[str(world.lead["id"])]) == (1, 0, 0, 1)


async def test_a_succession_later_does_not_change_the_past(world: World, app) -> None:
    await overdue_task(world, app)
    stand_at(app, LATER)
    merged = await world.client.post(
        f"{A}/agencies/{world.lead['id']}/succession",
        json={"successor_id": world.other["id"], "effective_on": "2026-07-20", "status": "merged"},
        headers=world.h["office"],
    )
    assert merged.status_code == 200, merged.text
    past = await report(world, DAY)
    assert counts(past[str(world.lead["id"])]) == (1, 1, 0, 0)
    assert str(world.other["id"]) not in past
    today = await report(world, LATER.date().isoformat())
    assert str(world.lead["id"]) not in today
    assert counts(today[str(world.other["id"])]) == (1, 1, 0, 0)


async def test_a_cancellation_later_does_not_change_the_past(world: World, app) -> None:
    task = await overdue_task(world, app)
    stand_at(app, LATER)
    cancelled = await world.act(task, "leader", "cancel", comment="Không còn phù hợp")
    assert cancelled.status_code == 200
    past = (await report(world, DAY))[str(world.lead["id"])]
    assert counts(past) == (1, 1, 0, 0) and past["cancelled"] == 0
    # Today it stays on the books, as cancelled: no longer assigned nor overdue.
    today = (await report(world, LATER.date().isoformat()))[str(world.lead["id"])]
    assert counts(today) == (0, 0, 0, 0) and today["cancelled"] == 1


async def test_a_backlog_entered_later_is_counted_as_entered(world: World, app) -> None:
    # A task assigned in 2025 but typed in only now: the past reports count it as it was
    # entered, not leave it out.
    stand_at(app, LATER)
    await world.task(assigned_on="2025-03-01", due_date="2025-06-30")
    row = (await report(world, "2025-12-31"))[str(world.lead["id"])]
    assert counts(row) == (1, 1, 0, 0)


async def test_a_task_changed_on_several_later_days_counts_once_as_it_was(
    world: World, app: Any
) -> None:
    task = await overdue_task(world, app)
    stand_at(app, LATER)
    moved = await world.client.post(
        f"{A}/tasks/{task['id']}/deadline-changes",
        json={
            "new_due_date": "2026-09-30",
            "reason": "Điều chỉnh theo kết luận",
            "decision_number": "12/QĐ-UBND",
            "decision_date": "2026-07-20",
            "decided_by": "Phó Chủ tịch UBND tỉnh",
        },
        headers=world.h["office"],
    )
    assert moved.status_code == 201, moved.text
    stand_at(app, datetime(2026, 8, 3, 3, 0, tzinfo=UTC))
    done = await world.act(task, "lead", "submit", result="Xong", completed_on="2026-08-01")
    assert done.status_code == 200, done.text
    # Three versions after the day; as of the day the task is one, open and overdue.
    assert counts((await report(world, DAY))[str(world.lead["id"])]) == (1, 1, 0, 0)
    # Between the two later days: one task, deadline moved, on track.
    between = await report(world, "2026-07-25")
    assert counts(between[str(world.lead["id"])]) == (1, 0, 1, 0)


async def test_a_task_deleted_before_the_day_stays_out_when_others_changed_after(
    world: World, app: Any
) -> None:
    await overdue_task(world, app)
    mistake = await world.task(assigned_on="2026-06-01", due_date="2026-06-30")
    gone = await world.client.delete(f"{A}/tasks/{mistake['id']}", headers=world.h["office"])
    assert gone.status_code == 204, gone.text
    stand_at(app, LATER)
    back = await world.client.post(f"{A}/tasks/{mistake['id']}/restore", headers=world.h["office"])
    assert back.status_code == 200, back.text
    # Restored after the day: as of the day it was deleted, and is not counted.
    assert counts((await report(world, DAY))[str(world.lead["id"])]) == (1, 1, 0, 0)
    assert counts((await report(world, LATER.date().isoformat()))[str(world.lead["id"])])[0] == 2


async def test_the_report_statement_is_planned_for_its_day(world: World, app: Any) -> None:
    """The day is written into the statement, not sent as a parameter: PostgreSQL plans each
    report for its own day instead of settling on a generic plan made for none."""
    from sqlalchemy import event

    await overdue_task(world, app)
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        seen.append((statement, parameters))

    engine = app.state.read_db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        await report(world, "2026-06-20")
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    grid = [(sql, params) for sql, params in seen if "count(*) FILTER" in sql]
    assert grid and "'2026-06-20'" in grid[-1][0]
    assert not any(str(p).startswith("2026-06") for p in grid[-1][1] or ())
