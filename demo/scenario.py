"""The demo scenario, built from the working session of 28/02/2023 (../shared/seed/).

The article names no province and gives no agency codes, document numbers or deadlines: the
codes below (`…H99`), the notice number, its date and the tasks' deadlines are illustrative,
and the directive's content says so.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.access.auth import Caller
from app.agencies import service as agencies
from app.core.clock import FixedClock
from app.core.config import get_settings
from app.core.day import Day
from app.core.enums import DirectiveKind, Role, TaskGroupBy
from app.db import stamp
from app.directives import service as directives
from app.directives.models import DirectiveCreate, IssueDirective, Meeting
from app.kernel.precondition import ABSENT
from app.kernel.schemas import action_body
from app.proposals import service as proposals
from app.proposals.models import ProposalCreate, ProposalTransition
from app.reports import snapshots
from app.reports.snapshot_models import SnapshotCreate
from app.tasks import activity as task_activity
from app.tasks import service as tasks
from app.tasks.models import DirectiveTaskItem
from demo import answers as demo_answers
from demo import documents as demo_documents
from demo import money as demo_money
from demo import people as demo_people
from demo import reorganisation as demo_reorganisation
from demo.data import (
    AGENCIES,
    CONTENT,
    ECONOMY_REPORT,
    FINANCE,
    HANDLING,
    HOME_AFFAIRS,
    ICT,
    INSTRUCTIONS,
    ISSUED,
    KEY_TASKS,
    OFFICE,
    PLANNING,
    PRESENTED,
    PROGRESS,
    PROPOSALS,
    PROVINCE,
    TASK_NOTE,
    YEAR_END,
)

LOADER = Caller(role=Role.admin, name="Dữ liệu mẫu (nạp demo)")


async def _load_agencies(conn: AsyncConnection) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    for code, name, short, kind, parent, valid_from, valid_to in AGENCIES:
        parent_id = ids.get(parent) if parent else None
        row = (code, name, short, kind, parent_id, valid_from, valid_to)
        ids[code] = (await demo_people.make_agency(conn, LOADER, row))["id"]
    return ids


async def _on(conn: AsyncConnection, day: date) -> None:
    """What follows is recorded as done on `day` (10:00 in the province): the scenario replays
    its year, so that reports as of a day of 2023 see what was known that day."""
    tz = get_settings().tz
    await stamp(conn, FixedClock(tz, datetime.combine(day, time(10), tz)))


async def _issue_conclusion(conn: AsyncConnection, ids: dict[str, Any]) -> Any:
    directive = await directives.create(
        conn,
        LOADER,
        DirectiveCreate(
            kind=DirectiveKind.meeting_conclusion,
            title="Kết luận của Phó Chủ tịch UBND tỉnh Nguyễn Văn Chương tại buổi làm việc với "
            "Sở Thông tin và Truyền thông về nhiệm vụ trọng tâm năm 2023",
            content=CONTENT,
            issued_on=ISSUED.today,
            issuer_agency_id=ids[PROVINCE],
            signer_name="Nguyễn Văn Chương",
            signer_title="Phó Chủ tịch UBND tỉnh",
            document_number="45/TB-UBND",
            meeting=Meeting(
                held_on=date(2023, 2, 28),
                chair_name="Nguyễn Văn Chương",
                chair_title="Phó Chủ tịch UBND tỉnh",
                host_agency_id=ids[ICT],
                participant_agency_ids=[
                    ids[c] for c in (ICT, OFFICE, FINANCE, PLANNING, HOME_AFFAIRS)
                ],
            ),
        ),
        ISSUED,
    )
    issue = IssueDirective(action="issue")
    await directives.transition(conn, LOADER, directive["id"], issue, ABSENT, ISSUED)
    return directive["id"]


def _task_items(ids: dict[str, Any]) -> list[DirectiveTaskItem]:
    return [
        DirectiveTaskItem(
            title=title,
            description=TASK_NOTE,
            lead_agency_id=ids[lead],
            cooperating_agency_ids=[ids[c] for c in coop],
            is_key_task=key,
            pillar=pillar,
            field=field,
            due_date=due,
            recurrence=recurrence,
            assigned_on=date(2023, 2, 28),
            assigned_by_agency_id=ids[PROVINCE],
            assigned_by_name="Nguyễn Văn Chương",
            assigned_by_title="Phó Chủ tịch UBND tỉnh",
        )
        for key, group in ((True, KEY_TASKS), (False, INSTRUCTIONS))
        for title, lead, coop, pillar, field, due, recurrence in group
    ]


async def _load_working_session(
    conn: AsyncConnection, ids: dict[str, Any]
) -> tuple[Any, list[dict[str, Any]]]:
    """The conclusion as an issued directive, with the key tasks and the instructions."""
    directive_id = await _issue_conclusion(conn, ids)
    made = await directives.create_tasks(conn, LOADER, directive_id, _task_items(ids), ISSUED)
    for index, day, action in PROGRESS:
        await _on(conn, day.today)
        await tasks.transition(conn, LOADER, made[index]["id"], action, ABSENT, day)
    await _on(conn, ECONOMY_REPORT.reported_on or YEAR_END.today)
    report = await task_activity.add_progress_report(
        conn, LOADER, made[2]["id"], ECONOMY_REPORT, YEAR_END
    )
    await demo_documents.load(conn, LOADER, directive_id, made[2]["id"], report["id"])
    return directive_id, made


async def _load_recommendations(
    conn: AsyncConnection, ids: dict[str, Any], directive_id: Any
) -> tuple[int, int, int]:
    """The department's five recommendations as proposals raised at the session, the three
    that ask for money as budget requests, and the tasks that handle them."""
    await _on(conn, date(2023, 2, 28))
    made = await _raise_proposals(conn, ids, directive_id)
    await _on(conn, date(2023, 3, 6))
    handling = await _assign_handling(conn, ids, made)
    await demo_answers.answer(conn, LOADER, made)
    budget = await demo_money.ask_for_money(conn, LOADER, ids, made)
    await demo_answers.work(conn, LOADER, handling, _on)
    await demo_money.decide_and_pay(conn, LOADER, [b["id"] for b in budget])
    return len(made), len(budget), len(handling)


async def _raise_proposals(
    conn: AsyncConnection, ids: dict[str, Any], directive_id: Any
) -> list[dict[str, Any]]:
    raised = Day(date(2023, 2, 28), 3)
    made = []
    for title, category in PROPOSALS:
        body = await proposals.create(
            conn,
            LOADER,
            ProposalCreate(
                title=title,
                category=category,
                content=PRESENTED,
                submitting_agency_id=ids[ICT],
                addressed_to_agency_id=ids[PROVINCE],
                directive_id=directive_id,
                response_due_date=date(2023, 3, 31),
                handler_agency_ids=[ids[FINANCE], ids[PLANNING]],
            ),
            raised,
        )
        for action in ("submit", "review"):
            await proposals.transition(
                conn,
                LOADER,
                body["id"],
                action_body(ProposalTransition, action=action),
                ABSENT,
                raised,
            )
        made.append(body)
    return made


async def _assign_handling(
    conn: AsyncConnection, ids: dict[str, Any], made: list[dict[str, Any]]
) -> list[Any]:
    """The task handing each recommendation to the agencies concerned (their ids, in order)."""
    assigned = Day(date(2023, 3, 6), 3)
    handling = []
    for index, lead, coop, title in HANDLING:
        created = await proposals.create_tasks(
            conn,
            LOADER,
            made[index]["id"],
            [
                DirectiveTaskItem(
                    title=title,
                    lead_agency_id=ids[lead],
                    cooperating_agency_ids=[ids[c] for c in coop],
                    assigned_on=assigned.today,
                    due_date=date(2023, 4, 28),  # a Friday: 29/4–3/5 are holidays
                    description=TASK_NOTE,
                    field="Tổng hợp đề xuất",
                    assigned_by_agency_id=ids[PROVINCE],
                    assigned_by_name="Nguyễn Văn Chương",
                    assigned_by_title="Phó Chủ tịch UBND tỉnh",
                )
            ],
            assigned,
        )
        handling += [t["id"] for t in created]
    return handling


async def load(conn: AsyncConnection) -> dict[str, int]:
    """Load the demo when the database has no agencies; returns what was created."""
    if await agencies.count(conn) > 0:
        return dict.fromkeys(
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
    await _on(conn, ISSUED.today)
    ids = await _load_agencies(conn)
    directive_id, made = await _load_working_session(conn, ids)
    raised, budget, handling = await _load_recommendations(conn, ids, directive_id)
    await _on(conn, date(2023, 3, 10))
    people = await demo_people.load(conn, LOADER, ids, Day(date(2023, 3, 10), 3))
    await _freeze_quarter(conn)
    wards = await demo_reorganisation.load(conn, LOADER, ids, _on)
    return {
        "agencies": len(AGENCIES) + people["divisions"] + wards,
        "directives": 1,
        "tasks": len(made) + handling + people["subtasks"],
        "proposals": raised,
        "budget_requests": budget,
        "officials": people["officials"],
        "comments": people["comments"],
    }


async def _freeze_quarter(conn: AsyncConnection) -> None:
    """The office freezes the figures of the fourth quarter of 2023 (Decree 09: 15 September
    to 14 December) on 15 December, as it reports them to the province."""
    day = date(2023, 12, 15)
    await _on(conn, day)
    settings = get_settings()
    await snapshots.freeze(
        conn,
        LOADER,
        SnapshotCreate(
            kind="tasks",
            group_by=TaskGroupBy.lead_agency,
            period="2023-Q4",
            note="Chốt số liệu quý IV/2023 (minh họa)",
        ),
        day,
        settings.due_soon_days,
        settings.tz,
    )
