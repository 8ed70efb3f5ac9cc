"""The demo scenario."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from demo import data as demo_data
from demo import people as demo_people
from demo import reorganisation as demo_reorganisation
from demo import scenario as demo


async def test_demo_loads_the_province_once(
    client: httpx.AsyncClient, engine: AsyncEngine, office: dict[str, str]
) -> None:
    # the conclusion's tasks, a handling task per proposal, and the division's sub-task
    expected_tasks = (
        len(demo_data.KEY_TASKS) + len(demo_data.INSTRUCTIONS) + len(demo_data.PROPOSALS) + 1
    )
    async with engine.begin() as conn:
        assert await demo.load(conn) == {
            "agencies": len(demo_data.AGENCIES)
            + len(demo_people.DIVISIONS)
            + len(demo_reorganisation.WARDS),
            "directives": 1,
            "tasks": expected_tasks,
            "proposals": len(demo_data.PROPOSALS),
            "budget_requests": 3,
            "officials": 5,
            "comments": 2,
        }
    nothing = dict.fromkeys(
        (
            "agencies",
            "directives",
            "tasks",
            "proposals",
            "budget_requests",
            "officials",
            "comments",
        ),
        0,
    )
    async with engine.begin() as conn:
        assert await demo.load(conn) == nothing
    found = (
        await client.get("/api/v1/agencies", params={"q": "so khoa hoc cong nghe"}, headers=office)
    ).json()["items"]
    assert [a["name"] for a in found] == ["Sở Khoa học và Công nghệ"]
    ict = (
        await client.get("/api/v1/agencies", params={"q": "thong tin truyen thong"}, headers=office)
    ).json()["items"]
    centre = next(a for a in ict if a["kind"] == "public_service_unit")
    department = next(a for a in ict if a["kind"] == "department")
    # Under Science and Technology since the merger of 1 March 2025; under the department before.
    assert centre["parent_id"] == found[0]["id"]
    then = await client.get(
        f"/api/v1/agencies/{centre['id']}", params={"as_of": "2024-12-31"}, headers=office
    )
    assert then.json()["parent_id"] == department["id"]


def test_apikey_create_list_revoke(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main
    from app.core.config import get_settings

    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        main(["apikey", "create", "--name", "Cổng tỉnh", "--role", "viewer"])
        key = capsys.readouterr().out.strip()
        assert key.startswith("ddk_")
        main(["apikey", "list"])
        listed = capsys.readouterr().out
        line = next(row for row in listed.splitlines() if "Cổng tỉnh" in row)
        assert key not in listed and "active" in line
        key_id = line.split()[0]
        main(["apikey", "revoke", key_id])
        main(["apikey", "list"])
        assert "revoked" in next(r for r in capsys.readouterr().out.splitlines() if key_id in r)
        with pytest.raises(SystemExit):
            main(["apikey", "create", "--name", "x", "--role", "agency"])
        with pytest.raises(SystemExit):
            main(["apikey", "revoke", key_id])
    finally:
        get_settings.cache_clear()


async def test_demo_shows_the_working_session(
    client: httpx.AsyncClient, engine: AsyncEngine, office: dict[str, str]
) -> None:
    async with engine.begin() as conn:
        await demo.load(conn)
    found = (
        await client.get("/api/v1/directives", params={"q": "45/TB-UBND"}, headers=office)
    ).json()["items"]
    assert len(found) == 1
    directive = found[0]
    assert (directive["kind"], directive["status"], directive["signer_name"]) == (
        "meeting_conclusion",
        "issued",
        "Nguyễn Văn Chương",
    )
    assert directive["meeting"]["held_on"] == "2023-02-28"
    assert "minh họa" in directive["content"]
    summary = directive["task_summary"]
    assert summary["assigned"] == len(demo_data.KEY_TASKS) + len(demo_data.INSTRUCTIONS) + len(
        demo_data.PROPOSALS
    )
    # a key task on time and one late; two handling tasks done when their money was decided
    assert (summary["completed_on_time"], summary["completed_late"]) == (3, 1)
    key = (
        await client.get(
            "/api/v1/tasks", params={"is_key_task": "true", "count": "true"}, headers=office
        )
    ).json()
    assert key["total"] == len(demo_data.KEY_TASKS)
    assert all(t["pillar"] and t["field"] for t in key["items"])
    search = (
        await client.get("/api/v1/tasks", params={"q": "chuyen doi so"}, headers=office)
    ).json()["items"]
    assert len(search) >= 2
    # The fourth quarter of 2023, frozen on 15 December.
    frozen = (await client.get("/api/v1/reports/snapshots", headers=office)).json()["items"]
    assert [s["params"]["period"] for s in frozen] == ["2023-Q4"]
    snapshot = (
        await client.get(f"/api/v1/reports/snapshots/{frozen[0]['id']}", headers=office)
    ).json()
    assert snapshot["report"]["as_of"] == "2023-12-14"
    assert snapshot["report"]["totals"]["carried_in"] > 0


async def test_demo_links_the_recommendations_to_the_session(
    client: httpx.AsyncClient, engine: AsyncEngine, office: dict[str, str]
) -> None:
    async with engine.begin() as conn:
        await demo.load(conn)
    directive = (
        await client.get("/api/v1/directives", params={"q": "45/TB-UBND"}, headers=office)
    ).json()["items"][0]
    raised = (
        await client.get(
            "/api/v1/proposals", params={"directive_id": directive["id"]}, headers=office
        )
    ).json()["items"]
    # answered at the session: referred to the agencies concerned (the article's words)
    assert len(raised) == 5 and all(p["status"] == "resolved" for p in raised)
    assert {p["resolution"] for p in raised} == {"referred"}
    assert all("Bùi Đức Nam" in p["content"] for p in raised)
    assert all(len(p["task_ids"]) == 1 for p in raised)
    funded = [p for p in raised if p["budget_request_ids"]]
    assert len(funded) == 3
    capital = (
        await client.get(
            "/api/v1/budget-requests", params={"purpose": "capital_shortfall"}, headers=office
        )
    ).json()["items"][0]
    assert capital["proposal_id"] in {p["id"] for p in funded}
    assert (capital["status"], capital["amount_approved_vnd"], capital["disbursed_vnd"]) == (
        "approved",
        7_000_000_000,
        3_000_000_000,
    )
    # The 2022 plan's capital: its disbursement (to 31/01/2023 by law) extended by the People's
    # Council to 31/12/2023, on the appraisal of Planning and Investment.
    assert (capital["fiscal_year"], capital["disbursement_deadline"]) == (2022, "2023-12-31")
    assert capital["decision"]["decided_by"] == "Hội đồng nhân dân tỉnh"
    assert "Sở Kế hoạch và Đầu tư" in capital["appraisal"]["opinion"]
    money = (await client.get("/api/v1/budget-requests", headers=office)).json()["items"]
    state = {b["purpose"]: (b["status"], b["disbursed_vnd"]) for b in money}
    assert state == {
        "capital_shortfall": ("approved", 3_000_000_000),
        "expert_hiring": ("under_appraisal", 0),
        "training": ("approved", 400_000_000),
    }
    extensions = (
        await client.get(
            f"/api/v1/budget-requests/{capital['id']}/deadline-extensions", headers=office
        )
    ).json()["items"]
    assert [
        (e["previous_deadline"], e["decision_number"], e["decided_by"]) for e in extensions
    ] == [("2023-01-31", "15/NQ-HĐND", "Hội đồng nhân dân tỉnh")]
    handling = (
        await client.get("/api/v1/tasks", params={"proposal_id": raised[0]["id"]}, headers=office)
    ).json()["items"]
    assert handling[0]["directive_id"] == directive["id"]
    # no answered money beside never-started handling: all started, the decided ones done
    every = (
        await client.get(
            "/api/v1/tasks", params={"field": "Tổng hợp đề xuất", "limit": 20}, headers=office
        )
    ).json()["items"]
    assert len(every) == 5 and all(t["status"] != "new" for t in every)
    done = {t["title"][:60] for t in every if t["status"] == "completed"}
    assert len(done) == 2 and all(t["timeliness"] != "completed_late" for t in every)


async def test_demo_has_the_articles_five_instructions(
    client: httpx.AsyncClient, engine: AsyncEngine, office: dict[str, str]
) -> None:
    """After "tiếp tục thực hiện nhiệm vụ trọng tâm", the conclusion gives five instructions."""
    async with engine.begin() as conn:
        await demo.load(conn)
    listed = (
        await client.get(
            "/api/v1/tasks", params={"is_key_task": "false", "limit": 50}, headers=office
        )
    ).json()["items"]
    titles = " | ".join(t["title"] for t in listed).lower()
    for words in (
        "chuyển đổi số đồng bộ",
        "môi trường số an toàn, tiện ích, phục vụ người dân",
        "hạ tầng số ứng dụng điện toán đám mây",
        "mạng lưới bưu chính, chuyển phát, hạ tầng viễn thông",
        "chất lượng hoạt động của các cơ quan báo chí",
    ):
        assert words in titles, words


async def test_demo_people(
    client: httpx.AsyncClient, engine: AsyncEngine, office: dict[str, str]
) -> None:
    """The department's divisions and officials, a sub-task for a division, a thread with
    mentions, and the notices it caused waiting in the outbox."""
    async with engine.begin() as conn:
        await demo.load(conn)
    people = (await client.get("/api/v1/officials", headers=office)).json()["items"]
    assert len(people) == 5
    assert sum("(minh hoạ)" in p["name"] for p in people) == 3  # all but the article's own two
    assert {"Bùi Đức Nam", "Nguyễn Văn Chương"} <= {p["name"] for p in people}
    head = next(p for p in people if p["title"].startswith("Trưởng phòng"))
    mine = (
        await client.get("/api/v1/tasks", params={"lead_official_id": head["id"]}, headers=office)
    ).json()["items"]
    assert len(mine) == 1 and mine[0]["parent_id"] and mine[0]["division_ids"]
    thread = (
        await client.get(f"/api/v1/tasks/{mine[0]['parent_id']}/comments", headers=office)
    ).json()["items"]
    assert len(thread) == 2 and mine[0]["code"] in thread[1]["body"]
    notices = (
        await client.get(f"/api/v1/officials/{head['id']}/notifications", headers=office)
    ).json()["items"]
    # assigned the sub-task, and mentioned in the reply: both for the daily digest
    assert sorted(n["kind"] for n in notices) == ["assigned", "mentioned"]
    assert all(n["digest"] and n["status"] == "pending" for n in notices)


async def test_demo_documents(
    client: httpx.AsyncClient, engine: AsyncEngine, office: dict[str, str], app: object
) -> None:
    """The conclusion notice (a PDF made at load time) on the directive, the report's workbook
    on the department's progress report; both said to be illustrative."""
    from app.core.config import get_settings
    from app.files.storage import LocalFileStore

    async with engine.begin() as conn:
        await demo.load(conn)
    kept = app.state.file_store  # type: ignore[attr-defined]
    app.state.file_store = LocalFileStore(get_settings().files_root)  # type: ignore[attr-defined]
    try:
        await _read_demo_documents(client, office)
    finally:
        app.state.file_store = kept  # type: ignore[attr-defined]


async def _read_demo_documents(client: httpx.AsyncClient, office: dict[str, str]) -> None:
    directive = (
        await client.get("/api/v1/directives", params={"q": "45/TB-UBND"}, headers=office)
    ).json()["items"][0]
    [notice] = (
        await client.get(f"/api/v1/directives/{directive['id']}/attachments", headers=office)
    ).json()["items"]
    assert notice["media_type"] == "application/pdf" and "minh hoạ" in notice["file_name"]
    body = await client.get(f"/api/v1/attachments/{notice['id']}/content", headers=office)
    assert body.content.startswith(b"%PDF-1.4") and body.content.rstrip().endswith(b"%%EOF")
    assert b"MINH HOA" in body.content
    xref = int(body.content.rsplit(b"startxref", 1)[1].split()[0])
    assert body.content[xref : xref + 4] == b"xref"  # the cross-reference table is where said
    reports = (
        await client.get("/api/v1/tasks", params={"q": "kinh te so", "limit": 50}, headers=office)
    ).json()["items"]
    found = []
    for task in reports:
        listed = (
            await client.get(f"/api/v1/tasks/{task['id']}/attachments", headers=office)
        ).json()["items"]
        found += [i for i in listed if i["record_type"] == "progress_report"]
    assert [i["media_type"].rsplit(".", 1)[-1] for i in found] == ["sheet"]


def test_demo_codes_follow_the_level_order() -> None:
    """QCVN 102:2016: `<level 4>.<level 3>.<level 2>.<level 1>`; a unit under a department
    carries the department's level-2 code, and no level-3 code stands without its level 2."""
    from demo import people as demo_people
    from demo.data import AGENCIES

    parents = {code: parent for code, _, _, _, parent, _, _ in AGENCIES}
    codes = [*parents, *(code for code, _, _ in demo_people.DIVISIONS)]
    for code in codes:
        _level4, level3, level2, level1 = code.split(".")
        assert level1 == "H99"
        assert not (level3 != "00" and level2 == "00"), code
    for code, parent in parents.items():
        if parent and parent != "000.00.00.H99":
            assert code.split(".")[2:] == parent.split(".")[2:], (code, parent)
            assert code.split(".")[1] != "00", code
    for code, _, _ in demo_people.DIVISIONS:
        assert code.endswith(".12.H99") and code.split(".")[1] != "00"
