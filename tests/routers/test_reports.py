"""Reports on a dataset whose counts are known by construction; periods; downloads."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import World, stand_at

API = "/api/v1/reports"


@pytest.fixture
async def dataset(world: World, app) -> World:
    stand_at(app, datetime(2023, 4, 20, 3, 0, tzinfo=UTC))

    async def task(
        agency: dict[str, Any],
        assigned: str,
        due: str | None,
        completed: str | None = None,
        cancel: bool = False,
    ) -> None:
        made = await world.task(
            lead_agency_id=agency["id"],
            cooperating_agency_ids=[],
            assigned_on=assigned,
            due_date=due,
        )
        if completed:
            await world.act(made, "office", "start")
            await world.act(
                made, "office", "submit", result="Xong", completed_on=completed, reason="Nhập sau"
            )
            await world.act(made, "office", "confirm")
        if cancel:
            await world.act(made, "office", "cancel", comment="Không còn phù hợp")

    a, c = world.lead, world.other
    await task(a, "2023-03-01", "2023-03-10", "2023-03-05")  # completed on time
    await task(a, "2023-03-01", "2023-03-10", "2023-03-20")  # completed late
    await task(a, "2023-02-01", None, "2023-03-01")  # completed, no deadline
    await task(a, "2023-03-02", "2023-06-30")  # open, on track
    await task(a, "2023-03-02", "2023-04-03")  # open, due soon on 1 April
    await task(a, "2023-03-02", "2023-03-15")  # open, overdue
    await task(a, "2023-03-20", None)  # open, no deadline
    # cancelled on 20 April: open, and overdue, on 1 April
    await task(c, "2023-03-01", "2023-03-31", cancel=True)
    await task(c, "2023-04-05", "2023-05-01")  # assigned after as_of: left out
    await task(c, "2023-03-01", "2023-03-20", "2023-04-10")  # completed after as_of: overdue on it
    return world


async def test_the_grid_by_lead_agency_as_of_a_day(dataset: World) -> None:
    body = (
        await dataset.client.get(
            f"{API}/tasks",
            params={"group_by": "lead_agency", "as_of": "2023-04-01"},
            headers=dataset.h["office"],
        )
    ).json()
    rows = {r["key"]: r for r in body["items"]}
    a = rows[dataset.lead["id"]]
    assert a["label"] == "Sở Thông tin và Truyền thông"
    assert {
        k: a[k]
        for k in (
            "assigned",
            "completed_on_time",
            "completed_late",
            "completed_no_deadline",
            "open_on_track",
            "open_due_soon",
            "open_overdue",
            "open_no_deadline",
        )
    } == {
        "assigned": 7,
        "completed_on_time": 1,
        "completed_late": 1,
        "completed_no_deadline": 1,
        "open_on_track": 1,
        "open_due_soon": 1,
        "open_overdue": 1,
        "open_no_deadline": 1,
    }
    assert a["on_time_rate"] == pytest.approx(1 / 3, abs=1e-4)
    c = rows[dataset.other["id"]]
    assert (c["assigned"], c["open_overdue"], c["on_time_rate"]) == (2, 2, 0.0)
    totals = body["totals"]
    assert (totals["assigned"], totals["open_overdue"], totals["on_time_rate"]) == (9, 3, 0.2)
    today = (await dataset.client.get(f"{API}/tasks", headers=dataset.h["office"])).json()
    c_today = {r["key"]: r for r in today["items"]}[dataset.other["id"]]
    assert (c_today["assigned"], c_today["completed_late"], c_today["open_due_soon"]) == (2, 1, 0)


async def test_other_groupings_and_filters(dataset: World) -> None:
    by_priority = (
        await dataset.client.get(
            f"{API}/tasks",
            params={"group_by": "priority", "as_of": "2023-04-01"},
            headers=dataset.h["office"],
        )
    ).json()
    assert [(r["key"], r["label"], r["assigned"]) for r in by_priority["items"]] == [
        ("normal", "Thường", 9)
    ]
    quarter = (
        await dataset.client.get(
            f"{API}/tasks",
            params={"period": "2023-Q1", "as_of": "2023-04-01"},
            headers=dataset.h["office"],
        )
    ).json()
    assert quarter["totals"]["assigned"] == 8  # assigned 15 Dec – 14 Mar
    calendar = (
        await dataset.client.get(
            f"{API}/tasks",
            params={"period": "2023-Q1", "period_mode": "calendar", "as_of": "2023-04-01"},
            headers=dataset.h["office"],
        )
    ).json()
    assert calendar["totals"]["assigned"] == 9
    window = (
        await dataset.client.get(
            f"{API}/tasks",
            params={"from": "2023-03-02", "to": "2023-03-31", "as_of": "2023-04-01"},
            headers=dataset.h["office"],
        )
    ).json()
    assert window["totals"]["assigned"] == 4
    both = await dataset.client.get(
        f"{API}/tasks",
        params={"period": "2023-Q1", "from": "2023-01-01"},
        headers=dataset.h["office"],
    )
    assert both.status_code == 400
    assert (
        await dataset.client.get(
            f"{API}/tasks", params={"period": "2023-Q5"}, headers=dataset.h["office"]
        )
    ).status_code == 400
    assert (
        await dataset.client.get(
            f"{API}/tasks", params={"group_by": "colour"}, headers=dataset.h["office"]
        )
    ).status_code == 400


async def test_agency_staff_count_only_their_tasks(dataset: World) -> None:
    body = (
        await dataset.client.get(
            f"{API}/tasks", params={"as_of": "2023-04-01"}, headers=dataset.h["lead"]
        )
    ).json()
    assert [r["key"] for r in body["items"]] == [dataset.lead["id"]]
    assert body["totals"]["assigned"] == 7


async def test_csv_download_reads_back(dataset: World) -> None:
    response = await dataset.client.get(
        f"{API}/tasks",
        params={"as_of": "2023-04-01", "period": "2023"},
        headers={**dataset.h["office"], "Accept": "text/csv"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0].startswith("Báo cáo tình hình thực hiện nhiệm vụ")
    assert "2023" in rows[1][0] and "01/04/2023" in rows[1][0]
    assert rows[2][0] == "Ngày lập: 20/04/2023"
    header = rows[4]
    assert header[:3] == ["Đơn vị chủ trì", "Số nhiệm vụ được giao", "Hoàn thành đúng hạn"]
    assert rows[-1][0] == "Tổng cộng" and rows[-1][1] == "9"


async def test_xlsx_download_reads_back(dataset: World) -> None:
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = await dataset.client.get(
        f"{API}/tasks",
        params={"as_of": "2023-04-01"},
        headers={**dataset.h["office"], "Accept": xlsx},
    )
    assert response.status_code == 200 and response.headers["content-type"] == xlsx
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert str(values[0][0]).startswith("Báo cáo")
    totals = values[-1]
    assert totals[0] == "Tổng cộng" and totals[1] == 9 and isinstance(totals[1], int)


async def test_the_workbook_has_a_chart_and_the_late_tasks(dataset: World) -> None:
    # A leader's workbook: the grid with a chart, and every overdue or late task in detail.
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = await dataset.client.get(
        f"{API}/tasks",
        params={"as_of": "2023-04-01"},
        headers={**dataset.h["office"], "Accept": xlsx},
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Báo cáo", "Chi tiết"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        chart = archive.read(charts[0]).decode()
    # Three series — on time (C), late (D), open overdue (H) — titled by the header row (5).
    assert chart.count("<ser>") == 3
    assert all(f"'Báo cáo'!{column}5<" in chart for column in "CDH")
    detail = list(book["Chi tiết"].iter_rows(values_only=True))
    assert detail[0][0] == "Mã nhiệm vụ" and detail[0][8] == "Số ngày quá hạn"
    states = sorted(row[7] for row in detail[1:])
    # As of 1 April 2023: one completed late, one overdue (15 March), one completed after
    # the day and so overdue on it (20 March), one cancelled after the day (31 March).
    assert states == [
        "Hoàn thành quá hạn",
        "Quá hạn chưa hoàn thành",
        "Quá hạn chưa hoàn thành",
        "Quá hạn chưa hoàn thành",
    ]
    overdue = next(r for r in detail[1:] if r[6] == datetime(2023, 3, 15))
    assert overdue[8] == 17 and overdue[2] == "Sở Thông tin và Truyền thông"
    cell = book["Chi tiết"].cell(row=2, column=7)
    assert cell.number_format == "DD/MM/YYYY"


async def test_reporting_periods(world: World) -> None:
    quarters = (
        await world.client.get(
            f"{API}/periods", params={"kind": "quarter", "year": 2023}, headers=world.h["viewer"]
        )
    ).json()["items"]
    assert [(q["key"], q["from"], q["to"]) for q in quarters] == [
        ("2023-Q1", "2022-12-15", "2023-03-14"),
        ("2023-Q2", "2023-03-15", "2023-06-14"),
        ("2023-Q3", "2023-06-15", "2023-09-14"),
        ("2023-Q4", "2023-09-15", "2023-12-14"),
    ]
    months = (
        await world.client.get(
            f"{API}/periods", params={"kind": "month", "year": 2023}, headers=world.h["viewer"]
        )
    ).json()["items"]
    assert (months[0]["from"], months[0]["to"], months[2]["from"], months[2]["to"]) == (
        "2022-12-15",
        "2023-01-14",
        "2023-02-15",
        "2023-03-14",
    )
    halves = (
        await world.client.get(
            f"{API}/periods", params={"kind": "half", "year": 2023}, headers=world.h["viewer"]
        )
    ).json()["items"]
    assert [(h["from"], h["to"]) for h in halves] == [
        ("2022-12-15", "2023-06-14"),
        ("2023-06-15", "2023-12-14"),
    ]
    year = (
        await world.client.get(
            f"{API}/periods",
            params={"kind": "year", "year": 2023, "period_mode": "calendar"},
            headers=world.h["viewer"],
        )
    ).json()["items"]
    assert (year[0]["from"], year[0]["to"]) == ("2023-01-01", "2023-12-31")


async def test_budget_report(world: World, app) -> None:
    stand_at(app, datetime(2023, 6, 1, 3, 0, tzinfo=UTC))
    base = {
        "expenditure_type": "recurrent",
        "purpose": "training",
        "funding_source": "provincial",
        "fiscal_year": 2023,
    }
    ids = []
    for agency, amount in (("lead", 1_000), ("lead", 500), ("coop", 300)):
        made = await world.client.post(
            "/api/v1/budget-requests",
            json={**base, "title": "x", "amount_requested_vnd": amount},
            headers=world.h[agency],
        )
        ids.append(made.json()["id"])
    steps = [
        ("lead", "submit", {}),
        ("finance", "start_appraisal", {}),
        ("finance", "appraise", {"amount_recommended_vnd": 900, "opinion": "Ổn"}),
        (
            "leader",
            "approve",
            {
                "amount_approved_vnd": 800,
                "decision": {"document_number": "1/QĐ", "decided_by": "Chủ tịch"},
            },
        ),
    ]
    for role, action, fields in steps:
        assert (
            await world.client.post(
                f"/api/v1/budget-requests/{ids[0]}/transitions",
                json={"action": action, **fields},
                headers=world.h[role],
            )
        ).status_code == 200
    await world.client.post(
        f"/api/v1/budget-requests/{ids[0]}/disbursements",
        json={"amount_vnd": 250},
        headers=world.h["finance"],
    )
    body = (
        await world.client.get(
            f"{API}/budget", params={"fiscal_year": 2023}, headers=world.h["finance"]
        )
    ).json()
    lead = {r["key"]: r for r in body["items"]}[world.lead["id"]]
    assert (
        lead["count"],
        lead["requested_vnd"],
        lead["recommended_vnd"],
        lead["approved_vnd"],
        lead["disbursed_vnd"],
    ) == (2, 1_500, 900, 800, 250)
    assert lead["by_status"] == {"draft": 1, "approved": 1}
    assert (body["totals"]["count"], body["totals"]["requested_vnd"]) == (3, 1_800)
    by_purpose = (
        await world.client.get(
            f"{API}/budget", params={"group_by": "purpose"}, headers=world.h["finance"]
        )
    ).json()
    assert [(r["key"], r["label"], r["count"]) for r in by_purpose["items"]] == [
        ("training", "Đào tạo, bồi dưỡng", 3)
    ]
    own = (await world.client.get(f"{API}/budget", headers=world.h["coop"])).json()
    assert own["totals"]["requested_vnd"] == 300
    sheet = await world.client.get(
        f"{API}/budget", headers={**world.h["finance"], "Accept": "text/csv"}
    )
    lines = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert lines[-1][:3] == ["Tổng cộng", "3", "1800"]


async def test_proposal_report(world: World, app) -> None:
    stand_at(app, datetime(2023, 3, 1, 3, 0, tzinfo=UTC))
    made = []
    for due in ("2023-03-10", "2023-04-30", "2023-03-05"):
        response = await world.client.post(
            "/api/v1/proposals",
            json={"title": "x", "category": "funding", "response_due_date": due},
            headers=world.h["lead"],
        )
        made.append(response.json())
        await world.client.post(
            f"/api/v1/proposals/{made[-1]['id']}/transitions",
            json={"action": "submit"},
            headers=world.h["lead"],
        )
    await world.client.post(
        f"/api/v1/proposals/{made[2]['id']}/transitions",
        json={"action": "review"},
        headers=world.h["office"],
    )
    stand_at(app, datetime(2023, 3, 8, 3, 0, tzinfo=UTC))
    await world.client.post(
        f"/api/v1/proposals/{made[2]['id']}/transitions",
        json={
            "action": "resolve",
            "resolution": "referred",
            "response": {"text": "Trình cấp có thẩm quyền"},
        },
        headers=world.h["leader"],
    )
    body = (
        await world.client.get(
            f"{API}/proposals", params={"as_of": "2023-03-20"}, headers=world.h["office"]
        )
    ).json()
    row = body["items"][0]
    assert (row["key"], row["count"], row["by_status"], row["by_resolution"]) == (
        world.lead["id"],
        3,
        {"submitted": 2, "resolved": 1},
        {"referred": 1},
    )
    assert (row["average_days_to_respond"], row["overdue_responses"]) == (7.0, 1)
    by_category = (
        await world.client.get(
            f"{API}/proposals", params={"group_by": "category"}, headers=world.h["office"]
        )
    ).json()
    assert by_category["items"][0]["label"] == "Kinh phí"


async def test_task_list_downloads_every_matching_task(world: World, app) -> None:
    stand_at(app, datetime(2023, 6, 1, 3, 0, tzinfo=UTC))
    for i in range(60):
        await world.task(
            title=f"Nhiệm vụ {i:02d}", due_date="2023-05-01" if i % 2 else "2023-12-31"
        )
    await world.task(lead_agency_id=world.other["id"], cooperating_agency_ids=[])
    response = await world.client.get(
        "/api/v1/tasks",
        params={"sort": "code", "lead_agency_id": world.lead["id"]},
        headers={**world.h["office"], "Accept": "text/csv"},
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Danh sách nhiệm vụ"] and rows[4][0] == "Mã nhiệm vụ"
    data = rows[5:]
    assert len(data) == 60  # every page, not the first 50
    col = {name: rows[4].index(name) for name in rows[4]}
    assert [r[0] for r in data] == sorted(r[0] for r in data)
    overdue = [r for r in data if r[col["Tình trạng"]] == "Quá hạn"]
    assert len(overdue) == 30 and all(r[col["Số ngày quá hạn"]] == "31" for r in overdue)
    first = data[0]
    assert first[col["Đơn vị chủ trì"]] == "Sở Thông tin và Truyền thông"
    assert first[col["Đơn vị phối hợp"]] == "Sở Tài chính"
    assert first[col["Trạng thái"]] == "Mới giao"
    # Days as offices write them; the first deadline and how often it moved beside it.
    assert first[col["Ngày giao"]] == "01/03/2023"
    assert first[col["Hạn ban đầu"]] == first[col["Hạn xử lý"]]
    assert first[col["Số lần điều chỉnh hạn"]] == "0"
    assert first[col["Tính chất"]] == "Nhiệm vụ một lần"
    staff = await world.client.get(
        "/api/v1/tasks", headers={**world.h["other"], "Accept": "text/csv"}
    )
    assert len(list(csv.reader(io.StringIO(staff.content.decode("utf-8-sig"))))[5:]) == 1
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = await world.client.get(
        "/api/v1/tasks",
        params={"timeliness": "overdue"},
        headers={**world.h["office"], "Accept": xlsx},
    )
    sheet = load_workbook(io.BytesIO(book.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) - 5 == 30
    due = values[4].index("Hạn xử lý")
    assert values[5][due] == datetime(2023, 5, 1)  # dates are dates in the workbook


async def test_every_collection_downloads(world: World, office: dict[str, str]) -> None:
    from tests.conftest import make_agency

    for i in range(55):
        await make_agency(world.client, office, code=f"DL{i:02d}", name=f"Đơn vị {i:02d}")
    response = await world.client.get(
        "/api/v1/agencies", params={"sort": "code"}, headers={**office, "Accept": "text/csv"}
    )
    assert response.status_code == 200 and response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Danh sách: agencies"]
    header, data = rows[4], rows[5:]
    assert "Mã" in header and "Tên" in header
    assert len(data) == 55 + 3  # every agency, past the page size
    assert any(r[header.index("Tên")] == "Đơn vị 00" for r in data)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    agency = data[0][header.index("ID")]
    history = await world.client.get(
        f"/api/v1/agencies/{agency}/history", headers={**office, "Accept": xlsx}
    )
    sheet = load_workbook(io.BytesIO(history.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert (
        values[4][values[4].index("Thao tác")] == "Thao tác"
        and values[5][values[4].index("Thao tác")] == "created"
    )


async def test_proposal_report_downloads(world: World) -> None:
    await world.client.post(
        "/api/v1/proposals", json={"title": "x", "category": "funding"}, headers=world.h["lead"]
    )
    response = await world.client.get(
        f"{API}/proposals", headers={**world.h["office"], "Accept": "text/csv"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0].startswith("Báo cáo tình hình xử lý đề xuất")
    assert rows[4][:2] == ["Đơn vị đề xuất", "Số đề xuất"] and rows[5][:3] == [
        "Sở Thông tin và Truyền thông",
        "1",
        "1",
    ]
