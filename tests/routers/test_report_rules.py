"""The figures a leader signs, by the rules: period files carry every column of their JSON,
a sub-task is not counted again, a deadline moved after it passed keeps the lateness, the end of
a period is judged on its last day, every period row balances, and work waiting for the office
or paused by decision counts against no one — through HTTP on real PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from app.reports.period_columns import INTO_PERIOD, OUT_OF_PERIOD
from app.reports.router import GROUP_HEADERS, HEADERS_VI, RATES
from app.tasks.timeliness import BUCKETS
from tests.conftest import World, make_agency, stand_at

A = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def at(day: str | date) -> datetime:
    """10:00 in the province on `day`."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime(d.year, d.month, d.day, 3, 0, tzinfo=UTC)


async def report(world: World, **params: Any) -> dict[str, Any]:
    response = await world.client.get(
        f"{A}/reports/tasks",
        params={"group_by": "lead_agency", **params},
        headers=world.h["office"],
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def row_of(world: World, agency: dict[str, Any], **params: Any) -> dict[str, Any]:
    body = await report(world, **params)
    return next(r for r in body["items"] if r["key"] == agency["id"])


async def done(world: World, task: dict[str, Any], completed_on: str) -> None:
    assert (await world.act(task, "office", "start")).status_code == 200
    r = await world.act(
        task, "office", "submit", result="Xong", completed_on=completed_on, reason="Nhập sau"
    )
    assert r.status_code == 200, r.text


async def adjust_deadline(
    world: World, task: dict[str, Any], new_due_date: str, decided_on: str
) -> None:
    """A leader moves the deadline on the strength of a decision of `decided_on`."""
    r = await world.client.post(
        f"{A}/tasks/{task['id']}/deadline-changes",
        json={
            "new_due_date": new_due_date,
            "reason": "Điều chỉnh kế hoạch",
            "decision_number": "12/QĐ-UBND",
            "decision_date": decided_on,
            "decided_by": "Chủ tịch UBND tỉnh",
        },
        headers=world.h["leader"],
    )
    assert r.status_code == 201, r.text


async def get_task(world: World, task: dict[str, Any]) -> dict[str, Any]:
    r = await world.client.get(f"{A}/tasks/{task['id']}", headers=world.h["office"])
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


# --- 1. the files carry what the JSON carries -----------------------------------------------


def _csv_cell(value: Any, name: str) -> str:
    if value is None:
        return ""
    if name in RATES:
        return f"{value * 100:.1f}%".replace(".", ",")
    return str(value)


def _compare(body: dict[str, Any], csv_bytes: bytes, xlsx_bytes: bytes) -> None:
    """Every field of every JSON row (ids aside) is a column of both files, cell by cell."""
    rows = [*body["items"], body["totals"]]
    fields = [k for k in body["items"][0] if k not in ("key", "successor_id")]
    assert {"carried_in", "open_at_end_no_deadline", "completion_rate"} <= set(fields)
    headers = [GROUP_HEADERS[body["group_by"]], *(HEADERS_VI[f] for f in fields if f != "label")]
    by_header = dict(zip(headers, ["label", *(f for f in fields if f != "label")], strict=True))

    lines = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert lines[1][0].startswith("Kỳ báo cáo: Quý II/2023 (15/03/2023 – 14/06/2023)")
    assert sorted(lines[4]) == sorted(headers)
    assert len(lines[5:]) == len(rows)
    for line, row in zip(lines[5:], rows, strict=True):
        for header, cell in zip(lines[4], line, strict=True):
            name = by_header[header]
            assert cell == _csv_cell(row.get(name), name), (header, row)

    sheet = load_workbook(io.BytesIO(xlsx_bytes))["Báo cáo"]
    cells = list(sheet.iter_rows(min_row=5))
    header_row = [c.value for c in cells[0]]
    assert sorted(header_row) == sorted(headers)
    for line, row in zip(cells[1:], rows, strict=True):
        for header, cell in zip(header_row, line, strict=True):
            name = by_header[header]
            assert cell.value == row.get(name), (header, row)
            if name in RATES and row.get(name) is not None:
                assert cell.number_format == "0.0%"


async def test_period_files_carry_every_column_of_their_json(world: World, app) -> None:
    # The reported case: the Q2 files had only the nine "assigned" columns, all 0.
    stand_at(app, at("2023-02-01"))
    for due in ("2023-04-30", "2023-05-31", None):
        await world.task(assigned_on="2023-02-01", due_date=due)
    late = await world.task(
        assigned_on="2023-02-01", due_date="2023-04-10", requires_confirmation=False
    )
    stand_at(app, at("2023-04-20"))
    await done(world, late, "2023-04-20")
    params = {"period": "2023-Q2", "as_of": "2023-06-14"}
    body = await report(world, **params)
    assert body["totals"]["carried_in"] == 4 and body["totals"]["completed_in_period_late"] == 1
    office = world.h["office"]
    got_csv = await world.client.get(f"{A}/reports/tasks.csv", params=params, headers=office)
    got_xlsx = await world.client.get(f"{A}/reports/tasks.xlsx", params=params, headers=office)
    _compare(body, got_csv.content, got_xlsx.content)
    # A frozen report's files are the frozen JSON, cell by cell, whatever happens later.
    frozen = await world.client.post(
        f"{A}/reports/snapshots",
        json={"kind": "tasks", "group_by": "lead_agency", **params},
        headers=office,
    )
    assert frozen.status_code == 201, frozen.text
    path = f"{A}/reports/snapshots/{frozen.json()['id']}"
    snapshot = (await world.client.get(path, headers=office)).json()
    await world.task(assigned_on="2023-03-20", due_date="2023-05-01")
    frozen_csv = await world.client.get(path, headers={**office, "Accept": "text/csv"})
    frozen_xlsx = await world.client.get(path, headers={**office, "Accept": XLSX})
    _compare(snapshot["report"], frozen_csv.content, frozen_xlsx.content)
    assert snapshot["report"]["totals"] == body["totals"]


# --- 2. sub-tasks ---------------------------------------------------------------------------


async def test_a_split_is_not_counted_again(world: World, app) -> None:
    # The reported case: each split of the department's task added one assigned and one overdue.
    stand_at(app, at("2023-03-10"))
    parent = await world.task(assigned_on="2023-03-01", due_date="2023-06-30")
    params = [
        {"period": "2023", "period_mode": "calendar", "as_of": "2023-07-10"},
        {"period": "2023-Q3", "as_of": "2023-07-10"},
        {"as_of": "2023-07-10"},
    ]
    before = [await report(world, **p) for p in params]
    for title in ("Phần 1", "Phần 2"):
        split = await world.client.post(
            f"{A}/tasks/{parent['id']}/subtasks",
            json={"title": title, "due_date": "2023-05-31"},
            headers=world.h["lead"],
        )
        assert split.status_code == 201, split.text
    after = [await report(world, **p) for p in params]
    assert after == before
    assert before[0]["totals"]["assigned"] == 1 and before[0]["totals"]["open_overdue"] == 1
    # The parts are still listed, under their parent.
    parts = await world.client.get(
        f"{A}/tasks", params={"parent_id": parent["id"]}, headers=world.h["office"]
    )
    assert len(parts.json()["items"]) == 2


# --- 3. a deadline moved after it had passed ------------------------------------------------


async def test_an_extension_asked_after_the_deadline_keeps_the_lateness(world: World, app) -> None:
    # The reported case: due 29/12/2023, extension asked in 2026, approved, then completed:
    # it read completed_on_time and the agency's on-time rate rose.
    stand_at(app, at("2023-06-01"))
    task = await world.task(assigned_on="2023-06-01", due_date="2023-12-29")
    assert (await world.act(task, "lead", "start")).status_code == 200
    stand_at(app, at("2026-11-20"))
    before = await row_of(world, world.lead)
    assert (before["open_overdue"], before["on_time_rate"]) == (1, 0.0)
    asked = await world.client.post(
        f"{A}/tasks/{task['id']}/extension-requests",
        json={"proposed_due_date": "2026-12-31", "reason": "Chờ bố trí vốn"},
        headers=world.h["lead"],
    )
    assert asked.json()["requested_after_deadline"] is True
    decided = await world.client.post(
        f"{A}/tasks/{task['id']}/extension-requests/{asked.json()['id']}/decision",
        json={"approved": True},
        headers=world.h["leader"],
    )
    assert decided.status_code == 200, decided.text
    moved = await get_task(world, task)
    # The work left runs to the new deadline …
    assert (moved["due_date"], moved["missed_due_date"]) == ("2026-12-31", "2023-12-29")
    assert (moved["timeliness"], moved["days_overdue"]) == ("on_track", None)
    assert (await world.act(task, "lead", "submit", result="Xong")).status_code == 200
    assert (await world.act(task, "office", "confirm")).status_code == 200
    # … but the completion is judged against the deadline it missed.
    completed = await get_task(world, task)
    assert completed["timeliness"] == "completed_late"
    assert completed["days_overdue"] == (date(2026, 11, 20) - date(2023, 12, 29)).days
    after = await row_of(world, world.lead)
    assert (after["completed_late"], after["completed_on_time"], after["on_time_rate"]) == (
        1,
        0,
        0.0,
    )
    # Every period in which it was overdue keeps it overdue.
    for period, as_of in (("2024-Q1", "2024-03-14"), ("2025", "2025-12-14")):
        past = await row_of(world, world.lead, period=period, as_of=as_of)
        assert past["open_at_end_overdue"] == 1, period
    year = await row_of(world, world.lead, period="2026", period_mode="calendar")
    assert (year["completed_in_period_late"], year["completed_in_period_on_time"]) == (1, 0)


async def test_an_adjustment_decided_before_the_deadline_moves_the_judgement(
    world: World, app
) -> None:
    stand_at(app, at("2023-06-01"))
    task = await world.task(
        assigned_on="2023-06-01", due_date="2023-12-29", requires_confirmation=False
    )
    await adjust_deadline(world, task, "2024-03-31", decided_on="2023-06-01")
    await done(world, task, "2023-06-01")
    stand_at(app, at("2024-02-01"))
    task = await get_task(world, task)
    assert (task["missed_due_date"], task["timeliness"]) == (None, "completed_on_time")


# --- 4. the end of a period is its last day --------------------------------------------------


async def test_open_at_the_end_is_judged_on_the_period_s_last_day(world: World, app) -> None:
    # The reported case: period=2023-Q4&as_of=2023-12-31 (the quarter runs 15/09–14/12)
    # counted deadlines of 29/12 as overdue at the quarter's end.
    stand_at(app, at("2024-01-15"))
    for _ in range(3):
        await world.task(assigned_on="2023-10-01", due_date="2023-12-29")
    await world.task(assigned_on="2023-10-01", due_date="2023-12-10")
    row = await row_of(world, world.lead, period="2023-Q4", as_of="2023-12-31")
    assert row["open_at_end_overdue"] == 1  # only the one due 10/12
    assert row["open_at_end_on_track"] == 3  # due 29/12: fifteen days left on 14/12
    assert row["fell_due"] == 1
    # The columns of before stay judged on as_of itself.
    assert row["open_overdue"] == 4
    # An as_of inside the period judges its end on as_of.
    early = await row_of(world, world.lead, period="2023-Q4", as_of="2023-12-11")
    assert (early["open_at_end_overdue"], early["fell_due"]) == (1, 1)


# --- 5. every row balances -------------------------------------------------------------------


def _balances(row: dict[str, Any]) -> None:
    into = sum(row[n] for n in INTO_PERIOD)
    out = sum(row[n] for n in OUT_OF_PERIOD)
    assert into == out, row


async def test_the_demo_s_quarter_balances(world: World, app) -> None:
    # The reported case: 13 carried in, 0 completed, open-at-end columns summing to 10.
    stand_at(app, at("2023-03-01"))
    for due in (None, None, "2023-12-29", "2023-06-30"):
        await world.task(assigned_on="2023-03-01", due_date=due)
    body = await report(world, period="2023-Q2")
    for row in [*body["items"], body["totals"]]:
        _balances(row)
    assert body["totals"]["open_at_end_no_deadline"] == 2


HISTORY = st.fixed_dictionaries(
    {
        "assigned": st.integers(min_value=0, max_value=300),
        "due": st.none() | st.integers(min_value=0, max_value=200),
        "end": st.sampled_from(["open", "completed", "awaiting", "paused", "cancelled"]),
        "after": st.integers(min_value=0, max_value=300),
    }
)
START = date(2023, 1, 1)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    histories=st.lists(HISTORY, min_size=1, max_size=5),
    period=st.sampled_from(["2023-Q1", "2023-Q2", "2023-Q3", "2023-H1", "2023-05", "2023"]),
    calendar=st.booleans(),
    as_of=st.integers(min_value=30, max_value=700),
)
async def test_every_row_balances_on_random_histories(
    world: World, app, histories: list[dict[str, Any]], period: str, calendar: bool, as_of: int
) -> None:
    """carried_in + assigned_in_period = completed_in_period (each kind) + cancelled_in_period
    + open_at_end (every bucket), for random tasks, endings and days."""
    agency = await make_agency(world.client, world.h["office"])
    for h in histories:
        assigned = START + timedelta(days=h["assigned"])
        ended = assigned + timedelta(days=h["after"])
        stand_at(app, at(assigned))
        task = await world.task(
            lead_agency_id=agency["id"],
            cooperating_agency_ids=[],
            assigned_on=assigned.isoformat(),
            due_date=None
            if h["due"] is None
            else (assigned + timedelta(days=h["due"])).isoformat(),
            requires_confirmation=h["end"] == "awaiting",
        )
        if h["end"] == "open":
            continue
        stand_at(app, at(ended))
        if h["end"] in ("completed", "awaiting"):
            await done(world, task, ended.isoformat())
        else:
            action = "pause" if h["end"] == "paused" else "cancel"
            r = await world.act(task, "office", action, comment="Theo chỉ đạo")
            assert r.status_code == 200, r.text
    stand_at(app, at(START + timedelta(days=800)))
    body = await report(
        world,
        period=period,
        period_mode="calendar" if calendar else "decree_09",
        as_of=(START + timedelta(days=as_of)).isoformat(),
        agency_id=agency["id"],
    )
    for row in [*body["items"], body["totals"]]:
        _balances(row)


# --- 6. waiting for the office ----------------------------------------------------------------


async def test_work_waiting_for_confirmation_counts_against_no_one(world: World, app) -> None:
    # The reported case: submitted on 12/10 and 20/11, confirmed 29/12: in Q4 (as of 14/12)
    # the agency had completion 0.0 and one overdue.
    stand_at(app, at("2023-09-20"))
    first = await world.task(assigned_on="2023-09-20", due_date="2023-10-31")
    second = await world.task(assigned_on="2023-09-20", due_date="2023-11-15")
    for task, day in ((first, "2023-10-12"), (second, "2023-11-20")):
        stand_at(app, at(day))
        assert (await world.act(task, "lead", "start")).status_code == 200
        assert (await world.act(task, "lead", "submit", result="Xong")).status_code == 200
    stand_at(app, at("2023-12-14"))
    waiting = await get_task(world, second)
    assert (waiting["timeliness"], waiting["days_overdue"]) == ("awaiting_confirmation", None)
    stand_at(app, at("2023-12-29"))
    for task in (first, second):
        assert (await world.act(task, "office", "confirm")).status_code == 200
    q4 = await row_of(world, world.lead, period="2023-Q4", as_of="2023-12-14")
    assert q4["open_at_end_awaiting_confirmation"] == 2
    assert (q4["open_at_end_overdue"], q4["open_overdue"], q4["fell_due"]) == (0, 0, 0)
    assert q4["open_awaiting_confirmation"] == 2
    assert q4["completion_rate"] is None  # nothing that fell due counts against the agency
    # Once confirmed, each is judged by its completion day.
    year = await row_of(world, world.lead, period="2023", period_mode="calendar")
    assert (year["completed_in_period_on_time"], year["completed_in_period_late"]) == (1, 1)
    assert (year["completed_on_time"], year["completed_late"]) == (1, 1)


# --- 7. paused by decision ------------------------------------------------------------------


async def test_a_paused_task_is_not_overdue_and_its_days_stop(world: World, app) -> None:
    # The reported case: a task paused "theo chỉ đạo" read 1,073 days overdue.
    stand_at(app, at("2023-03-01"))
    task = await world.task(assigned_on="2023-03-01", due_date="2023-04-30")
    assert (await world.act(task, "lead", "start")).status_code == 200
    stand_at(app, at("2023-05-10"))
    r = await world.act(task, "office", "pause", comment="Tạm dừng theo chỉ đạo")
    assert r.status_code == 200, r.text
    stand_at(app, at("2026-11-20"))
    paused = await get_task(world, task)
    assert (paused["timeliness"], paused["days_overdue"], paused["paused_on"]) == (
        "paused",
        10,
        "2023-05-10",
    )
    row = await row_of(world, world.lead)
    assert (row["open_paused"], row["open_overdue"], row["on_time_rate"]) == (1, 0, None)
    q2 = await row_of(world, world.lead, period="2023-Q2")
    assert (q2["open_at_end_paused"], q2["open_at_end_overdue"]) == (1, 0)
    # Before it was paused it was overdue, and that period keeps it so.
    assert (await row_of(world, world.lead, as_of="2023-05-05"))["open_overdue"] == 1
    listed = await world.client.get(
        f"{A}/tasks", params={"timeliness": "paused"}, headers=world.h["office"]
    )
    assert [t["id"] for t in listed.json()["items"]] == [task["id"]]
    # Resuming keeps the deadline: overdue again, counting every day since it.
    resumed = await world.act(paused, "office", "resume")
    assert resumed.status_code == 200, resumed.text
    body = resumed.json()
    assert (body["due_date"], body["timeliness"], body["paused_on"]) == (
        "2023-04-30",
        "overdue",
        None,
    )
    assert body["days_overdue"] == (date(2026, 11, 20) - date(2023, 4, 30)).days


# --- the files a leader signs ------------------------------------------------------------------


async def test_the_task_list_file_says_where_each_task_came_from(world: World, app) -> None:
    stand_at(app, at("2023-03-10"))
    made = await world.client.post(
        f"{A}/directives",
        json={
            "kind": "meeting_conclusion",
            "title": "Kết luận buổi làm việc",
            "issuer_agency_id": world.lead["id"],
            "issued_on": "2023-03-06",
            "document_number": "45/TB-UBND",
            "signer_name": "Nguyễn Văn Chương",
        },
        headers=world.h["office"],
    )
    assert made.status_code == 201, made.text
    task = await world.task(directive_id=made.json()["id"], due_date="2023-06-30")
    await adjust_deadline(world, task, "2023-09-30", decided_on="2023-03-09")
    got = await world.client.get(f"{A}/tasks.csv", headers=world.h["office"])
    lines = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    row = dict(zip(lines[4], lines[5], strict=True))
    assert row["Đơn vị phối hợp"] == "Sở Tài chính"
    assert (row["Văn bản chỉ đạo"], row["Ngày văn bản"], row["Người ký"]) == (
        "45/TB-UBND",
        "06/03/2023",
        "Nguyễn Văn Chương",
    )
    assert (row["Hạn ban đầu"], row["Hạn xử lý"], row["Số lần điều chỉnh hạn"]) == (
        "30/06/2023",
        "30/09/2023",
        "1",
    )
    # No English inside the Vietnamese files: statuses and resolutions by their names.
    proposals = await world.client.get(f"{A}/reports/proposals.csv", headers=world.h["office"])
    header = list(csv.reader(io.StringIO(proposals.content.decode("utf-8-sig"))))[4]
    named = [h.split(": ", 1)[1] for h in header if ": " in h]
    assert named and not any(name.isascii() for name in named), header
    assert {"Trạng thái: Dự thảo", "Kết quả: Trình cấp có thẩm quyền"} <= set(header)


# --- 9. the list as of a day is the report's -------------------------------------------------


async def test_the_list_as_of_a_day_has_the_report_s_rows(world: World, app) -> None:
    # The reported case: the list as of 02/05/2023 filtered on today's lead agency (empty where
    # the report counted 1) and, as of 14/06/2023, showed a task assigned on 01/12/2023.
    stand_at(app, at("2023-03-01"))
    moved = await world.task(assigned_on="2023-03-01", due_date="2023-04-28")
    await world.task(assigned_on="2023-03-01", due_date="2023-05-04")
    await world.task(assigned_on="2023-03-01", due_date="2023-09-30")
    await world.task(assigned_on="2023-03-01", due_date=None)
    finished = await world.task(
        assigned_on="2023-03-01", due_date="2023-04-10", requires_confirmation=False
    )
    stand_at(app, at("2023-04-20"))
    await done(world, finished, "2023-04-20")
    stand_at(app, at("2023-08-01"))
    r = await world.client.patch(
        f"{A}/tasks/{moved['id']}",
        json={"lead_agency_id": world.other["id"], "cooperating_agency_ids": []},
        headers={**world.h["office"], "If-Match": f'"{moved["version"]}"'},
    )
    assert r.status_code == 200, r.text
    stand_at(app, at("2023-12-01"))
    await world.task(assigned_on="2023-12-01", due_date="2024-03-31")
    stand_at(app, at("2024-01-10"))
    for day in ("2023-05-02", "2023-06-14"):
        body = await report(world, as_of=day)
        assert body["items"], day
        for row in body["items"]:
            for name, answer in BUCKETS:
                listed = await world.client.get(
                    f"{A}/tasks",
                    params={
                        "as_of": day,
                        "lead_agency_id": row["key"],
                        "timeliness": answer,
                        "limit": 200,
                    },
                    headers=world.h["office"],
                )
                assert listed.status_code == 200, listed.text
                assert len(listed.json()["items"]) == row[name], (day, row["label"], name)
        everything = await world.client.get(
            f"{A}/tasks", params={"as_of": day, "limit": 200}, headers=world.h["office"]
        )
        assert len(everything.json()["items"]) == body["totals"]["assigned"]
    lead_then = await world.client.get(
        f"{A}/tasks",
        params={"as_of": "2023-05-02", "lead_agency_id": world.lead["id"], "timeliness": "overdue"},
        headers=world.h["office"],
    )
    assert [t["id"] for t in lead_then.json()["items"]] == [moved["id"]]
    assert lead_then.json()["items"][0]["lead_agency_id"] == world.lead["id"]
    # The list's file as of the day is the same list.
    got = await world.client.get(
        f"{A}/tasks.csv",
        params={"as_of": "2023-05-02", "lead_agency_id": world.lead["id"], "timeliness": "overdue"},
        headers=world.h["office"],
    )
    lines = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert [line[0] for line in lines[5:]] == [moved["code"]]
    assert lines[5][lines[4].index("Đơn vị chủ trì")] == world.lead["name"]
