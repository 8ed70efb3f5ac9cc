"""FastAPI's `dependency_overrides`, as FastAPI documents them, reach every route: reads, lists
and writes run FastAPI's own request handling, so an override is not a different path."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.access.auth import Caller, authenticate
from app.api.connections import list_context, read_context, write_context
from app.api.deps import today_only, today_rules
from app.core.day import Day
from app.core.enums import Role
from tests.conftest import World

A = "/api/v1"


async def test_an_overridden_caller_reaches_reads_lists_and_writes(
    world: World, app: FastAPI
) -> None:
    task = await world.task()
    other = Caller(role=Role.agency, agency_id=uuid.UUID(str(world.other["id"])), name="x")
    app.dependency_overrides[authenticate] = lambda: other
    try:
        # The caller is the other agency's, whatever credential the request carries.
        read = await world.client.get(f"{A}/tasks/{task['id']}", headers=world.h["office"])
        listed = await world.client.get(f"{A}/tasks", headers=world.h["office"])
        created = await world.client.post(
            f"{A}/tasks",
            json={"title": "Việc", "lead_agency_id": world.lead["id"]},
            headers=world.h["office"],
        )
    finally:
        app.dependency_overrides.clear()
    assert read.status_code == 404
    assert listed.status_code == 200 and listed.json()["items"] == []
    assert created.status_code == 403
    # Without the override the office's key sees the task again.
    again = await world.client.get(f"{A}/tasks/{task['id']}", headers=world.h["office"])
    assert again.status_code == 200


async def test_an_overridden_day_judges_the_deadline(world: World, app: FastAPI) -> None:
    task = await world.task(assigned_on="2023-03-01", due_date="2023-12-31")

    def before_the_deadline() -> Day:
        settings = app.state.settings
        return Day(date(2023, 6, 1), settings.due_soon_days, settings.completion_backdate_days)

    path = f"{A}/tasks/{task['id']}"
    late: dict[str, Any] = (await world.client.get(path, headers=world.h["office"])).json()
    app.dependency_overrides[today_rules] = before_the_deadline
    try:
        early: dict[str, Any] = (await world.client.get(path, headers=world.h["office"])).json()
    finally:
        app.dependency_overrides.clear()
    assert late["timeliness"] == "overdue"
    assert early["timeliness"] != "overdue" and early["days_overdue"] in (None, 0)


async def test_an_overridden_today_judges_lists_and_reads(world: World, app: FastAPI) -> None:
    """`today_only` is the one day every route starts from: a list (its query model) and a
    single read judge on the overridden day, and a list's `as_of` still wins over it."""
    task = await world.task(assigned_on="2023-03-01", due_date="2023-12-31")
    h = world.h["office"]

    def in_june() -> Day:
        settings = app.state.settings
        return Day(date(2023, 6, 1), settings.due_soon_days, settings.completion_backdate_days)

    def timeliness(body: dict[str, Any]) -> Any:
        return next(t["timeliness"] for t in body["items"] if t["id"] == task["id"])

    before = (await world.client.get(f"{A}/tasks", headers=h)).json()
    app.dependency_overrides[today_only] = in_june
    try:
        listed = (await world.client.get(f"{A}/tasks", headers=h)).json()
        read = (await world.client.get(f"{A}/tasks/{task['id']}", headers=h)).json()
        as_of = await world.client.get(f"{A}/tasks", params={"as_of": "2024-01-02"}, headers=h)
    finally:
        app.dependency_overrides.clear()
    assert timeliness(before) == "overdue"
    assert timeliness(listed) == "on_track" and read["timeliness"] == "on_track"
    assert timeliness(as_of.json()) == "overdue"


def test_every_route_takes_one_context(app: FastAPI) -> None:
    """A route's caller and connection come from one context dependency (Reading, Listing,
    Writing); none asks for the caller beside its context, and none takes two contexts."""
    contexts = {read_context, list_context, write_context}
    seen = 0
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        direct = [d.call for d in route.dependant.dependencies]
        taken = [call for call in direct if call in contexts]
        assert len(taken) <= 1, route.path
        if taken:
            seen += 1
            assert authenticate not in direct, route.path
    assert seen > 80
