"""The deadline scheduler: once per task and deadline, also with two instances at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.db import create_engine
from app.tasks import scheduler
from tests.conftest import World, stand_at


async def count(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


@pytest.mark.feed
async def test_notices_once_per_task_and_deadline(world: World, engine: AsyncEngine, app) -> None:
    stand_at(app, datetime(2023, 6, 28, 3, 0, tzinfo=UTC))
    soon = await world.task(due_date="2023-06-30")
    late = await world.task(due_date="2023-06-15")
    await world.task(due_date="2023-12-31")  # neither
    done = await world.task(due_date="2023-06-01")
    await world.act(done, "office", "cancel", comment="x")
    async with engine.begin() as conn:
        sent = await scheduler.tick(conn, date(2023, 6, 28), 3)
    assert sent == {"overdue": 1, "due_soon": 1}
    async with engine.begin() as conn:
        assert await scheduler.tick(conn, date(2023, 6, 28), 3) == {"overdue": 0, "due_soon": 0}
    reminders = (
        await world.client.get(f"/api/v1/tasks/{late['id']}/reminders", headers=world.h["lead"])
    ).json()["items"]
    assert [(r["kind"], r["due_date"], r["channel"]) for r in reminders] == [
        ("overdue", "2023-06-15", "system")
    ]
    events = (
        await world.client.get(
            "/api/v1/events",
            params={"type": ["task.due_soon", "task.overdue"]},
            headers=world.h["office"],
        )
    ).json()["items"]
    assert sorted((e["type"], e["resource_id"]) for e in events) == sorted(
        [("task.due_soon", soon["id"]), ("task.overdue", late["id"])]
    )
    # Three days later the due-soon task is overdue (a new kind, sent once), and the late one,
    # 16 days overdue, enters its third week: the overdue notice repeats (every 7 days).
    async with engine.begin() as conn:
        assert await scheduler.tick(conn, date(2023, 7, 1), 3) == {"overdue": 2, "due_soon": 0}
    async with engine.begin() as conn:
        assert await scheduler.tick(conn, date(2023, 7, 1), 3) == {"overdue": 0, "due_soon": 0}


async def test_overdue_notice_repeats_every_period(world: World, engine: AsyncEngine, app) -> None:
    """Day 1 overdue → round 0; days 2–7 nothing; day 8 → round 1; with a 3-day period,
    day 4 → round 1. Each repetition is a reminder and a history entry saying its round."""
    stand_at(app, datetime(2023, 6, 1, 3, 0, tzinfo=UTC))
    task = await world.task(due_date="2023-06-01")
    sent = []
    for day in range(2, 17):
        async with engine.begin() as conn:
            sent.append((await scheduler.tick(conn, date(2023, 6, day), 0))["overdue"])
    # overdue from 2 June: rounds start on 2, 9 and 16 June
    assert [d for d, n in zip(range(2, 17), sent, strict=True) if n] == [2, 9, 16]
    history = (
        await world.client.get(f"/api/v1/tasks/{task['id']}/history", headers=world.h["office"])
    ).json()["items"]
    rounds = [
        h["changes"].get("round", {}).get("new", 0) for h in history if h["action"] == "overdue"
    ]
    assert sorted(rounds) == [0, 1, 2]
    other = await world.task(due_date="2023-06-01")
    async with engine.begin() as conn:
        assert (await scheduler.tick(conn, date(2023, 6, 5), 0, repeat_days=3))["overdue"] == 1
    async with engine.begin() as conn:
        assert (await scheduler.tick(conn, date(2023, 6, 5), 0, repeat_days=3))["overdue"] == 0
    reminders = (
        await world.client.get(f"/api/v1/tasks/{other['id']}/reminders", headers=world.h["office"])
    ).json()["items"]
    assert len(reminders) == 1  # created late: only the round in force (day 4 → round 1)


async def test_an_extension_arms_the_notices_again(world: World, engine: AsyncEngine, app) -> None:
    stand_at(app, datetime(2023, 6, 20, 3, 0, tzinfo=UTC))
    task = await world.task(due_date="2023-06-15")
    async with engine.begin() as conn:
        assert (await scheduler.tick(conn, date(2023, 6, 20), 3))["overdue"] == 1
    asked = (
        await world.client.post(
            f"/api/v1/tasks/{task['id']}/extension-requests",
            json={"proposed_due_date": "2023-06-22", "reason": "x"},
            headers=world.h["lead"],
        )
    ).json()
    await world.client.post(
        f"/api/v1/tasks/{task['id']}/extension-requests/{asked['id']}/decision",
        json={"approved": True},
        headers=world.h["leader"],
    )
    async with engine.begin() as conn:
        assert await scheduler.tick(conn, date(2023, 6, 20), 3) == {"overdue": 0, "due_soon": 1}
    async with engine.begin() as conn:
        assert await scheduler.tick(conn, date(2023, 6, 23), 3) == {"overdue": 1, "due_soon": 0}


async def test_two_instances_never_send_twice(
    world: World, database_url: str, engine: AsyncEngine
) -> None:
    for i in range(30):
        await world.task(title=f"Nhiệm vụ {i}", due_date="2023-06-10" if i % 2 else "2023-06-29")
    settings = Settings()
    first, second = create_engine(database_url, settings), create_engine(database_url, settings)

    async def run(instance: AsyncEngine) -> dict[str, int]:
        async with instance.begin() as conn:
            return await scheduler.tick(conn, date(2023, 6, 28), 3)

    try:
        results = await asyncio.gather(*(run(e) for e in (first, second, first, second)))
    finally:
        await first.dispose()
        await second.dispose()
    assert sum(r["overdue"] for r in results) == 15 and sum(r["due_soon"] for r in results) == 15
    assert await count(engine, "SELECT count(*) FROM task_reminders") == 30
    assert (
        await count(
            engine, "SELECT count(*) FROM events WHERE type IN ('task.due_soon', 'task.overdue')"
        )
        == 30
    )


async def test_serve_runs_the_scheduler_in_the_background(
    world: World, database_url: str, engine: AsyncEngine
) -> None:
    from app.main import create_app

    await world.task(assigned_on="2020-01-02", due_date="2020-01-31")
    background = create_app(
        Settings(worker=True, scheduler_interval_seconds=0.05), database_url=database_url
    )
    async with background.router.lifespan_context(background):
        deadline = asyncio.get_running_loop().time() + 10
        while (
            await count(engine, "SELECT count(*) FROM task_reminders WHERE kind = 'overdue'") == 0
        ):
            assert asyncio.get_running_loop().time() < deadline, "the scheduler never ran"
            await asyncio.sleep(0.05)


async def test_dondoc_worker_runs_alone_and_stops_on_sigterm(
    world: World, database_url: str, engine: AsyncEngine
) -> None:
    import os
    import signal
    import sys

    await world.task(assigned_on="2020-01-02", due_date="2020-01-31")
    env = {**os.environ, "DATABASE_URL": database_url, "DONDOC_SCHEDULER_INTERVAL_SECONDS": "0.1"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while (
            await count(engine, "SELECT count(*) FROM task_reminders WHERE kind = 'overdue'") == 0
        ):
            assert asyncio.get_running_loop().time() < deadline, "the worker never ran"
            await asyncio.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=15)
    assert code == 0


async def test_large_backlogs_go_out_in_short_batches(world: World, engine: AsyncEngine) -> None:
    from app.core.clock import FixedClock
    from app.worker import run_scheduler_once

    for i in range(5):
        await world.task(title=f"Nhiệm vụ {i}", due_date="2023-06-10")
    async with engine.begin() as conn:
        assert (await scheduler.tick(conn, date(2023, 6, 28), 3, batch=2))["overdue"] == 2
    settings = Settings()
    clock = FixedClock(settings.tz, datetime(2023, 6, 28, 3, 0, tzinfo=UTC))
    original = scheduler.BATCH
    scheduler.BATCH = 2
    try:
        assert await run_scheduler_once(engine, clock, settings) == {"overdue": 3, "due_soon": 0}
    finally:
        scheduler.BATCH = original


async def test_one_pass_drains_every_notice_due(engine: AsyncEngine) -> None:
    # 2,500 tasks due on one day: one pass of the scheduler sends every notice (in batches of
    # BATCH, each its own transaction), not one batch per DONDOC_SCHEDULER_INTERVAL_SECONDS.
    from app.core.clock import FixedClock
    from app.worker import run_scheduler_once
    from tests.server import insert_tasks

    async with engine.begin() as conn:
        await insert_tasks(conn, "SCHED1", 2500, date(2023, 12, 31))
    settings = Settings()
    clock = FixedClock(settings.tz, datetime(2024, 1, 2, 3, 0, tzinfo=UTC))
    assert await run_scheduler_once(engine, clock, settings) == {"overdue": 2500, "due_soon": 0}
    async with engine.connect() as conn:
        reminders = (
            await conn.execute(
                text("SELECT count(DISTINCT task_id) FROM task_reminders WHERE kind = 'overdue'")
            )
        ).scalar()
        transactions = (
            await conn.execute(text("SELECT count(DISTINCT xmin::text) FROM task_reminders"))
        ).scalar()
    assert reminders == 2500
    assert transactions == 3  # batches of 1,000 in short transactions
    assert await run_scheduler_once(engine, clock, settings) == {"overdue": 0, "due_soon": 0}


async def test_waiting_and_paused_work_is_not_told_it_is_overdue(
    world: World, engine: AsyncEngine, app
) -> None:
    """A task submitted and waiting for the office, or paused by decision, is not overdue:
    the scheduler sends it neither notice; resumed, it is told again."""
    stand_at(app, datetime(2023, 6, 10, 3, 0, tzinfo=UTC))
    waiting = await world.task(due_date="2023-06-15")
    paused = await world.task(due_date="2023-06-15")
    for task in (waiting, paused):
        assert (await world.act(task, "lead", "start")).status_code == 200
    assert (await world.act(waiting, "lead", "submit", result="Xong")).status_code == 200
    assert (await world.act(paused, "office", "pause", comment="Theo chỉ đạo")).status_code == 200
    async with engine.begin() as conn:
        assert await scheduler.tick(conn, date(2023, 6, 28), 3) == {"overdue": 0, "due_soon": 0}
    assert (await world.act(paused, "office", "resume")).status_code == 200
    async with engine.begin() as conn:
        assert await scheduler.tick(conn, date(2023, 6, 28), 3) == {"overdue": 1, "due_soon": 0}
