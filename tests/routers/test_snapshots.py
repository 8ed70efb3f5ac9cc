"""Frozen figures: a report kept exactly as it was when frozen, readable in JSON, CSV and xlsx,
never edited, superseded once, and compared with today (the drift, and what caused it)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest

from tests.conftest import World, stand_at

A = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def freeze(world: World, role: str = "leader", **body: Any) -> dict[str, Any]:
    response = await world.client.post(
        f"{A}/reports/snapshots",
        json={
            "kind": "tasks",
            "group_by": "lead_agency",
            "period": "2026-Q2",
            "period_mode": "calendar",
            **body,
        },
        headers=world.h[role],
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_snapshot_stays_as_frozen_and_the_drift_says_why(world: World, app) -> None:
    # Frozen on 25 June for the second quarter, which is still running.
    stand_at(app, datetime(2026, 6, 25, 3, 0, tzinfo=UTC))
    late = await world.task(
        assigned_on="2026-04-01", due_date="2026-06-20", cooperating_agency_ids=[]
    )
    await world.task(assigned_on="2026-04-01", due_date="2026-09-30", cooperating_agency_ids=[])
    snapshot = await freeze(world, note="Báo cáo quý II")
    lead = str(world.lead["id"])
    row = next(r for r in snapshot["report"]["items"] if r["key"] == lead)
    assert (row["assigned"], row["open_overdue"], row["open_on_track"]) == (2, 1, 1)
    assert snapshot["report"]["as_of"] == "2026-06-25" and snapshot["params"]["as_of"] is None
    assert snapshot["created_by_name"] and snapshot["superseded_by_id"] is None
    # The overdue task is cancelled three days later: the frozen figures do not move…
    stand_at(app, datetime(2026, 6, 28, 3, 0, tzinfo=UTC))
    cancelled = await world.act(late, "leader", "cancel", comment="Giao nhầm")
    assert cancelled.status_code == 200
    again = (
        await world.client.get(f"{A}/reports/snapshots/{snapshot['id']}", headers=world.h["viewer"])
    ).json()
    assert again["report"] == snapshot["report"]
    # … and the drift names the task and the change, by whom.
    drift = (
        await world.client.get(
            f"{A}/reports/snapshots/{snapshot['id']}/drift", headers=world.h["office"]
        )
    ).json()
    assert [i["task_id"] for i in drift["items"]] == [late["id"]]
    item = drift["items"][0]
    assert item["frozen"]["timeliness"] == "overdue" and item["frozen"]["cancelled"] is False
    assert item["now"]["cancelled"] is True and item["now"]["timeliness"] is None
    assert [c["action"] for c in item["changes"]] == ["cancel"]
    assert item["changes"][0]["actor_role"] == "leader"


async def test_a_snapshot_is_never_edited_and_superseded_once(world: World, app) -> None:
    stand_at(app, datetime(2026, 7, 2, 3, 0, tzinfo=UTC))
    first = await freeze(world)
    path = f"{A}/reports/snapshots/{first['id']}"
    for method in ("PATCH", "PUT", "DELETE"):
        response = await world.client.request(method, path, json={}, headers=world.h["admin"])
        assert response.status_code == 405, method
    second = await freeze(world, supersedes_id=first["id"])
    assert second["supersedes_id"] == first["id"]
    assert (await world.client.get(path, headers=world.h["office"])).json()[
        "superseded_by_id"
    ] == second["id"]
    twice = await world.client.post(
        f"{A}/reports/snapshots",
        json={"kind": "tasks", "supersedes_id": first["id"]},
        headers=world.h["office"],
    )
    assert twice.status_code == 409
    # Superseding a snapshot that does not exist is a bad body, naming the field.
    nothing = await world.client.post(
        f"{A}/reports/snapshots",
        json={"kind": "tasks", "supersedes_id": "00000000-0000-0000-0000-000000000000"},
        headers=world.h["office"],
    )
    assert nothing.status_code == 422
    assert nothing.json()["errors"][0]["field"] == "supersedes_id"


async def test_who_freezes_and_who_reads(world: World) -> None:
    for role in ("finance", "viewer", "lead"):
        response = await world.client.post(
            f"{A}/reports/snapshots", json={"kind": "tasks"}, headers=world.h[role]
        )
        assert response.status_code == 403, role
    snapshot = await freeze(world, role="office", period=None)
    path = f"{A}/reports/snapshots/{snapshot['id']}"
    assert (await world.client.get(path, headers=world.h["lead"])).status_code == 403
    assert (await world.client.get(path, headers=world.h["viewer"])).status_code == 200
    listed = (await world.client.get(f"{A}/reports/snapshots", headers=world.h["office"])).json()
    assert [s["id"] for s in listed["items"]] == [snapshot["id"]]


@pytest.mark.feed
async def test_freezing_is_in_history_and_the_feed_but_not_for_agencies(world: World) -> None:
    from tests.routers.test_events import drain

    snapshot = await freeze(world, role="office", period=None, note="Chốt số liệu")
    office_events, _ = await drain(world.client, world.h["office"])
    frozen = [e for e in office_events if e["type"] == "report_snapshot.created"]
    assert [e["resource_id"] for e in frozen] == [snapshot["id"]]
    assert frozen[0]["data"]["comment"] == "Chốt số liệu"
    assert frozen[0]["data"]["changes"]["params"]["new"]["group_by"] == "lead_agency"
    agency_events, _ = await drain(world.client, world.h["lead"])
    assert not [e for e in agency_events if e["type"] == "report_snapshot.created"]


async def test_a_snapshot_downloads_as_frozen(world: World, app) -> None:
    stand_at(app, datetime(2026, 7, 2, 3, 0, tzinfo=UTC))
    await world.task(assigned_on="2026-04-01", due_date="2026-06-30", cooperating_agency_ids=[])
    snapshot = await freeze(world)
    response = await world.client.get(
        f"{A}/reports/snapshots/{snapshot['id']}", headers={**world.h["office"], "Accept": XLSX}
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "Tổng cộng" in values
    csv = await world.client.get(
        f"{A}/reports/snapshots/{snapshot['id']}",
        headers={**world.h["office"], "Accept": "text/csv"},
    )
    assert csv.status_code == 200 and "Tổng cộng" in csv.text
