"""The lifecycle table of API.md §4, row by row: who, from where, what it needs, what it does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import World, stand_at

ALL = ("admin", "office", "leader", "finance", "viewer", "lead", "coop", "other")
# action -> (roles allowed, state it starts from, fields it needs)
TABLE = {
    "start": ({"admin", "office", "lead"}, "new", {}),
    "submit": ({"admin", "office", "lead"}, "in_progress", {"result": "Xong"}),
    "confirm": ({"admin", "office", "leader"}, "awaiting_confirmation", {}),
    "return": ({"admin", "office", "leader"}, "awaiting_confirmation", {"comment": "Bổ sung"}),
    "pause": ({"admin", "office", "leader"}, "in_progress", {"comment": "Chờ vốn"}),
    "resume": ({"admin", "office", "leader"}, "paused", {}),
    "cancel": ({"admin", "office", "leader"}, "in_progress", {"comment": "Không còn phù hợp"}),
    "reopen": ({"admin", "office", "leader"}, "completed", {"comment": "Làm lại"}),
}
# The states each action may start from, per API.md (open = new, in_progress,
# awaiting_confirmation, paused).
SOURCES = {
    "start": {"new"},
    "submit": {"in_progress"},
    "confirm": {"awaiting_confirmation"},
    "return": {"awaiting_confirmation"},
    "pause": {"new", "in_progress"},
    "resume": {"paused"},
    "cancel": {"new", "in_progress", "awaiting_confirmation", "paused"},
    "reopen": {"completed"},
}
PATH: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "new": [],
    "in_progress": [("start", {})],
    "awaiting_confirmation": [
        ("start", {}),
        ("submit", {"result": "Xong", "completed_on": "2023-05-28"}),
    ],
    "paused": [("start", {}), ("pause", {"comment": "x"})],
    "completed": [
        ("start", {}),
        ("submit", {"result": "Xong", "completed_on": "2023-05-28"}),
        ("confirm", {}),
    ],
}


async def task_in(world: World, state: str) -> dict[str, Any]:
    task = await world.task()
    for action, fields in PATH[state]:
        response = await world.act(task, "office", action, **fields)
        assert response.status_code == 200, response.text
        task = response.json()
    assert task["status"] == state
    return task


@pytest.fixture(autouse=True)
def _in_2023(app) -> None:
    stand_at(app, datetime(2023, 6, 1, 3, 0, tzinfo=UTC))


@pytest.mark.parametrize("action", list(TABLE))
async def test_who_may_take_each_action(world: World, action: str) -> None:
    allowed, state, fields = TABLE[action]
    for role in ALL:
        task = await task_in(world, state)
        response = await world.act(task, role, action, **fields)
        if role == "other":
            assert response.status_code == 404, (action, role)  # cannot even see it
        elif role in allowed:
            assert response.status_code == 200, (action, role, response.text)
        else:
            assert response.status_code == 403, (action, role, response.text)


@pytest.mark.parametrize("action", list(TABLE))
async def test_wrong_state_is_409_with_allowed_actions(world: World, action: str) -> None:
    fields = TABLE[action][2]
    wrong = next(s for s in PATH if s not in SOURCES[action])
    task = await task_in(world, wrong)
    response = await world.act(task, "office", action, **fields)
    assert response.status_code == 409, (action, wrong, response.text)
    body = response.json()
    assert body["type"] == "/problems/invalid-transition"
    fresh = (
        await world.client.get(f"/api/v1/tasks/{task['id']}", headers=world.h["office"])
    ).json()
    assert body["allowed_actions"] == fresh["allowed_actions"]
    assert fresh["version"] == task["version"]


@pytest.mark.parametrize("action", ["submit", "return", "pause", "cancel", "reopen"])
async def test_required_fields_are_422(world: World, action: str) -> None:
    _, state, fields = TABLE[action]
    task = await task_in(world, state)
    response = await world.act(task, "office", action)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == set(fields)
    unchanged = (
        await world.client.get(f"/api/v1/tasks/{task['id']}", headers=world.h["office"])
    ).json()
    assert unchanged["status"] == state


async def test_unknown_action_is_422(world: World) -> None:
    task = await task_in(world, "new")
    response = await world.act(task, "office", "finish")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "action"


async def test_a_field_of_another_action_is_422_naming_it(world: World) -> None:
    # Each action is its own model: `start` takes no result, and says so by name.
    task = await task_in(world, "new")
    response = await world.act(task, "office", "start", result="Xong")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["result"]


async def test_submit_confirm_return_and_reopen_effects(world: World) -> None:
    task = await task_in(world, "in_progress")
    future = await world.act(task, "lead", "submit", result="Xong", completed_on="2023-06-02")
    assert future.status_code == 422
    submitted = await world.act(
        task, "lead", "submit", result="Đã vận hành", completed_on="2023-12-31"
    )
    assert submitted.status_code == 422  # after "today" (1 June 2023)
    submitted = (await world.act(task, "lead", "submit", result="Đã vận hành")).json()
    assert (submitted["status"], submitted["completed_on"], submitted["result"]) == (
        "awaiting_confirmation",
        "2023-06-01",
        "Đã vận hành",
    )
    returned = (await world.act(submitted, "leader", "return", comment="Thiếu số liệu")).json()
    assert (returned["status"], returned["completed_on"]) == ("in_progress", None)
    await world.act(returned, "lead", "submit", result="Bổ sung", completed_on="2023-05-29")
    confirmed = (await world.act(returned, "leader", "confirm")).json()
    assert (confirmed["status"], confirmed["completed_on"], confirmed["progress_percent"]) == (
        "completed",
        "2023-05-29",
        100,
    )
    assert confirmed["timeliness"] == "completed_on_time"
    reopened = (await world.act(confirmed, "office", "reopen", comment="Chưa đạt")).json()
    assert (reopened["status"], reopened["completed_on"]) == ("in_progress", None)
    history = (
        await world.client.get(f"/api/v1/tasks/{task['id']}/history", headers=world.h["office"])
    ).json()["items"]
    actions = [h["action"] for h in history]
    assert actions == ["created", "start", "submit", "return", "submit", "confirm", "reopen"]
    back = history[3]
    assert back["comment"] == "Thiếu số liệu" and back["actor_role"] == "leader"
    assert back["changes"]["status"] == {"old": "awaiting_confirmation", "new": "in_progress"}


async def test_submit_completes_at_once_without_confirmation(world: World) -> None:
    task = await world.task(requires_confirmation=False, due_date="2023-05-23")
    await world.act(task, "lead", "start")
    done = (
        await world.act(task, "lead", "submit", result="Xong", completed_on="2023-05-28")
    ).json()
    assert (done["status"], done["timeliness"], done["days_overdue"]) == (
        "completed",
        "completed_late",
        5,
    )


async def test_eight_concurrent_starts(world: World) -> None:
    task = await world.task()
    responses = await asyncio.gather(*(world.act(task, "office", "start") for _ in range(8)))
    assert sorted(r.status_code for r in responses) == [200] + [409] * 7
    history = (
        await world.client.get(f"/api/v1/tasks/{task['id']}/history", headers=world.h["office"])
    ).json()["items"]
    assert [h["action"] for h in history] == ["created", "start"]


async def test_if_match_is_checked_when_given(world: World) -> None:
    task = await world.task()
    stale = await world.client.post(
        f"/api/v1/tasks/{task['id']}/transitions",
        json={"action": "start"},
        headers={**world.h["office"], "If-Match": '"3"'},
    )
    assert stale.status_code == 412
    ok = await world.client.post(
        f"/api/v1/tasks/{task['id']}/transitions",
        json={"action": "start"},
        headers={**world.h["office"], "If-Match": '"1"'},
    )
    assert ok.status_code == 200 and ok.headers["etag"] == '"2"'


async def test_allowed_actions_follow_the_caller(world: World) -> None:
    task = await task_in(world, "in_progress")
    url = f"/api/v1/tasks/{task['id']}"

    async def actions(role: str) -> list[str]:
        return (await world.client.get(url, headers=world.h[role])).json()["allowed_actions"]  # type: ignore[no-any-return]

    assert await actions("lead") == ["submit"]
    assert await actions("coop") == []
    assert await actions("viewer") == []
    # Started: it leaves the books only by `cancel`, no longer by deletion.
    assert await actions("leader") == ["pause", "cancel", "update"]
    assert await actions("office") == ["submit", "pause", "cancel", "update"]
    fresh = await world.task()
    fresh_actions = (
        await world.client.get(f"/api/v1/tasks/{fresh['id']}", headers=world.h["leader"])
    ).json()["allowed_actions"]
    assert fresh_actions == ["pause", "cancel", "update", "delete"]


@pytest.mark.parametrize(
    ("action", "state"), [(a, s) for a, states in SOURCES.items() for s in sorted(states)]
)
async def test_every_source_state_of_the_table_is_accepted(
    world: World, action: str, state: str
) -> None:
    task = await task_in(world, state)
    response = await world.act(task, "office", action, **TABLE[action][2])
    assert response.status_code == 200, response.text
    expected = {
        "submit": "awaiting_confirmation",
        "confirm": "completed",
        "pause": "paused",
        "cancel": "cancelled",
    }
    assert response.json()["status"] == expected.get(action, "in_progress")
