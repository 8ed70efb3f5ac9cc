"""Agencies over time (issue 19): a new name, parent or status takes effect on its day, and
whatever is shown as of a day — a report, its download, its detail of late tasks, an agency
read as of the day — names the agency as it was then and says who holds its work now."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from tests.conftest import World, make_agency

A = "/api/v1"


async def _patch(world: World, agency: dict[str, Any], **body: Any) -> Any:
    c, office = world.client, world.h["office"]
    current = await c.get(f"{A}/agencies/{agency['id']}", headers=office)
    return await c.patch(
        f"{A}/agencies/{agency['id']}",
        json=body,
        headers={
            **office,
            "If-Match": current.headers["etag"],
            "Content-Type": "application/merge-patch+json",
        },
    )


async def _report(world: World, as_of: str | None, **params: Any) -> dict[str, Any]:
    day = {} if as_of is None else {"as_of": as_of}
    r = await world.client.get(
        f"{A}/reports/tasks",
        params={"group_by": "lead_agency", **day, **params},
        headers=world.h["office"],
    )
    assert r.status_code == 200, r.text
    return {row["key"]: row for row in r.json()["items"]}


async def _agency_on(world: World, agency: dict[str, Any], day: str) -> dict[str, Any]:
    r = await world.client.get(
        f"{A}/agencies/{agency['id']}", params={"as_of": day}, headers=world.h["office"]
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_rename_takes_effect_on_its_day(world: World) -> None:
    c, office = world.client, world.h["office"]
    town = await make_agency(
        c, office, name="Ủy ban nhân dân huyện Hòa An", kind="district_committee"
    )
    await world.task(lead_agency_id=town["id"], due_date="2023-06-30")
    r = await _patch(world, town, name="Ủy ban nhân dân thị xã Hòa An", effective_on="2024-01-01")
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Ủy ban nhân dân thị xã Hòa An"

    assert (await _agency_on(world, town, "2023-12-31"))["name"] == "Ủy ban nhân dân huyện Hòa An"
    assert (await _agency_on(world, town, "2024-01-01"))["name"] == "Ủy ban nhân dân thị xã Hòa An"
    versions = (await c.get(f"{A}/agencies/{town['id']}/versions", headers=office)).json()
    assert [(v["valid_from"], v["valid_to"], v["name"]) for v in versions["items"]] == [
        (None, "2023-12-31", "Ủy ban nhân dân huyện Hòa An"),
        ("2024-01-01", None, "Ủy ban nhân dân thị xã Hòa An"),
    ]
    then = await _report(world, "2023-12-31")
    now = await _report(world, "2024-01-02")
    assert then[town["id"]]["label"] == "Ủy ban nhân dân huyện Hòa An"
    assert now[town["id"]]["label"] == "Ủy ban nhân dân thị xã Hòa An"
    assert then[town["id"]]["successor_id"] is None


async def test_a_change_dated_in_the_future_or_before_the_last_is_refused(world: World) -> None:
    c, office = world.client, world.h["office"]
    unit = await make_agency(c, office, name="Sở Lao động - Thương binh và Xã hội")
    r = await _patch(world, unit, name="Sở Nội vụ", effective_on="2999-01-01")
    assert r.status_code == 422 and "effective_on" in r.text
    assert (await _patch(world, unit, name="Sở LĐ-TB&XH", effective_on="2025-03-01")).is_success
    r = await _patch(world, unit, name="Sở Nội vụ", effective_on="2024-12-31")
    assert r.status_code == 422 and "2025-03-01" in r.json()["detail"] + str(r.json())
    # Nothing changed: the name and the versions are as before the refused patch.
    assert (await c.get(f"{A}/agencies/{unit['id']}", headers=office)).json()["name"] == (
        "Sở LĐ-TB&XH"
    )
    versions = (await c.get(f"{A}/agencies/{unit['id']}/versions", headers=office)).json()
    assert [v["name"] for v in versions["items"]] == [
        "Sở Lao động - Thương binh và Xã hội",
        "Sở LĐ-TB&XH",
    ]
    # A patch of fields that are not kept over time starts no version.
    assert (await _patch(world, unit, valid_from="2008-04-01")).is_success
    versions = (await c.get(f"{A}/agencies/{unit['id']}/versions", headers=office)).json()
    assert len(versions["items"]) == 2


async def _merged_scene(world: World) -> dict[str, Any]:
    """The lead department is merged into Science on 2025-03-01 and Science itself into a third
    agency on 2026-01-01; the cooperating one renamed on 2025-03-01."""
    c, office = world.client, world.h["office"]
    science = await make_agency(c, office, name="Sở Khoa học và Công nghệ")
    later = await make_agency(c, office, name="Sở Khoa học, Công nghệ và Chuyển đổi số")
    task = await world.task(due_date="2023-06-30")
    assert (await world.act(task, "lead", "start")).status_code == 200
    renamed = await _patch(world, world.coop, name="Sở Tài chính (mới)", effective_on="2025-03-01")
    assert renamed.status_code == 200
    for old, new, day in (
        (world.lead, science, "2025-03-01"),
        (science, later, "2026-01-01"),
    ):
        r = await c.post(
            f"{A}/agencies/{old['id']}/succession",
            json={"successor_id": new["id"], "effective_on": day, "status": "merged"},
            headers=office,
        )
        assert r.status_code == 200, r.text
    return {"science": science, "later": later, "task": task}


async def test_a_report_of_2023_names_who_held_the_work_then_and_who_holds_it_now(
    world: World,
) -> None:
    s = await _merged_scene(world)
    then = await _report(world, "2023-12-14")
    row = then[world.lead["id"]]
    assert (row["label"], row["assigned"], row["open_overdue"]) == (
        "Sở Thông tin và Truyền thông",
        1,
        1,
    )
    # The end of the chain of successors holds the work now.
    assert (row["successor_id"], row["successor_label"]) == (
        s["later"]["id"],
        "Sở Khoa học, Công nghệ và Chuyển đổi số",
    )
    # Today the work stands with its holder (the moves were recorded today).
    today = await _report(world, None)
    assert world.lead["id"] not in today
    assert today[s["later"]["id"]]["open_overdue"] == 1
    assert today[s["later"]["id"]]["successor_id"] is None
    # The old department read as of 2024 is active, with no successor; today it is merged.
    before = await _agency_on(world, world.lead, "2024-06-01")
    assert (before["status"], before["successor_id"]) == ("active", None)
    after = await _agency_on(world, world.lead, "2025-03-01")
    assert (after["status"], after["successor_id"]) == ("merged", s["science"]["id"])


async def test_the_downloads_as_of_a_past_day_name_the_agencies_as_they_were(
    world: World,
) -> None:
    s = await _merged_scene(world)
    params = {"group_by": "lead_agency", "as_of": "2023-12-14"}
    r = await world.client.get(
        f"{A}/reports/tasks",
        params=params,
        headers={**world.h["office"], "Accept": "text/csv"},
    )
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    header = next(row for row in rows if row and row[0] == "Đơn vị chủ trì")
    line = next(row for row in rows if row and row[0] == "Sở Thông tin và Truyền thông")
    assert line[header.index("Đơn vị đang đảm nhận (sau sắp xếp)")] == s["later"]["name"]
    r = await world.client.get(f"{A}/reports/tasks.xlsx", params=params, headers=world.h["office"])
    assert r.status_code == 200, r.text
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    cells = [[c for c in row] for sheet in book for row in sheet.iter_rows(values_only=True)]
    late = next(row for row in cells if row and row[1] == "Nhiệm vụ chuyển đổi số")
    # The detail of late tasks: lead and cooperating agencies as of the report's day.
    assert late[2] == "Sở Thông tin và Truyền thông" and late[3] == "Sở Tài chính"


async def test_succession_keeps_the_children_s_old_parent_for_the_past(world: World) -> None:
    c, office = world.client, world.h["office"]
    science = await make_agency(c, office, name="Sở Khoa học và Công nghệ")
    centre = await make_agency(
        c, office, name="Trung tâm CNTT", kind="public_service_unit", parent_id=world.lead["id"]
    )
    r = await c.post(
        f"{A}/agencies/{world.lead['id']}/succession",
        json={"successor_id": science["id"], "effective_on": "2025-03-01", "status": "merged"},
        headers=office,
    )
    assert r.status_code == 200 and r.json()["reparented"] == [centre["id"]]
    assert (await _agency_on(world, centre, "2025-02-28"))["parent_id"] == world.lead["id"]
    assert (await _agency_on(world, centre, "2025-03-01"))["parent_id"] == science["id"]
    # A succession dated before the agency's last recorded change is refused.
    other = await make_agency(c, office, name="Sở Nội vụ mới")
    assert (await _patch(world, other, name="Sở Nội vụ", effective_on="2025-07-01")).is_success
    r = await c.post(
        f"{A}/agencies/{other['id']}/succession",
        json={"successor_id": science["id"], "effective_on": "2025-03-01", "status": "merged"},
        headers=office,
    )
    assert r.status_code == 422 and "effective_on" in r.text
    assert (await c.get(f"{A}/agencies/{other['id']}", headers=office)).json()["status"] == (
        "active"
    )


async def test_the_proposal_report_names_the_submitting_agency_as_it_was(world: World) -> None:
    c, office = world.client, world.h["office"]
    asked = await c.post(
        f"{A}/proposals",
        json={"title": "Kiến nghị", "category": "other", "submitting_agency_id": world.lead["id"]},
        headers=office,
    )
    assert asked.status_code == 201, asked.text
    renamed = await _patch(world, world.lead, name="Sở KH&CN (hợp nhất)", effective_on="2025-03-01")
    assert renamed.status_code == 200

    async def label(day: str) -> str:
        r = await c.get(
            f"{A}/reports/proposals", params={"group_by": "agency", "as_of": day}, headers=office
        )
        assert r.status_code == 200, r.text
        label: str = next(i["label"] for i in r.json()["items"] if i["key"] == world.lead["id"])
        return label

    assert await label("2024-12-31") == "Sở Thông tin và Truyền thông"
    assert await label("2025-03-01") == "Sở KH&CN (hợp nhất)"


async def test_a_task_s_history_names_agencies_as_they_were_on_the_day(
    world: World, engine: Any
) -> None:
    """The history of a task moved by a succession names the agencies as they were called on
    the day of the move, though the successor has been renamed since."""
    from sqlalchemy import text

    c, office = world.client, world.h["office"]
    science = await make_agency(c, office, name="Sở Khoa học và Công nghệ")
    task = await world.task(due_date="2025-06-30")
    r = await c.post(
        f"{A}/agencies/{world.lead['id']}/succession",
        json={"successor_id": science["id"], "effective_on": "2025-03-01", "status": "merged"},
        headers=office,
    )
    assert r.status_code == 200, r.text
    # The move as if recorded on 1 March 2025, a year before the successor's rename.
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE history SET occurred_at = '2025-03-01T03:00Z' WHERE resource_id = :t"
                " AND changes->'lead_agency_id'->>'old' IS NOT NULL"
            ),
            {"t": task["id"]},
        )
    renamed = await _patch(world, science, name="Sở KH, CN và ĐMST", effective_on="2026-03-01")
    assert renamed.status_code == 200, renamed.text
    entries = (await c.get(f"{A}/tasks/{task['id']}/history", headers=office)).json()["items"]
    moved = next(e for e in entries if (e["changes"].get("lead_agency_id") or {}).get("old"))
    assert moved["agency_names"] == {
        world.lead["id"]: "Sở Thông tin và Truyền thông",
        science["id"]: "Sở Khoa học và Công nghệ",
    }
    created = next(e for e in entries if e["action"] == "created")
    # Today's names for what was recorded today.
    assert created["agency_names"][world.coop["id"]] == "Sở Tài chính"
    assert created["agency_names"][world.lead["id"]] == "Sở Thông tin và Truyền thông"
