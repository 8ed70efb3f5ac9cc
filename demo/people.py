"""The demo's people: the department's divisions, a few officials, a sub-task for a division and
a comment thread (issue 17).

The article names the Vice-Chairman who chaired the session and the department's Director who
presented its recommendations, and no one else: every other name,
title, division and address below is illustrative, and each official's record says so.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access.auth import Caller
from app.agencies import service as agencies
from app.agencies.models import AgencyCreate
from app.core import examples as demo_ids
from app.core.enums import AgencyKind, NotifyMode, Role
from app.people import comments
from app.people import service as officials
from app.people.comment_models import CommentCreate
from app.people.models import NOTIFICATIONS, OfficialCreate
from app.tasks import subtasks
from app.tasks.models import TASKS, SubtaskCreate
from app.tasks.timeliness import OPEN_STATUSES
from demo.data import ICT, OFFICE, PROVINCE

ILLUSTRATIVE = "(minh hoạ)"
DIVISIONS = (
    ("000.02.12.H99", "Phòng Bưu chính, Viễn thông", "Phòng BCVT"),
    ("000.03.12.H99", "Phòng Công nghệ thông tin", "Phòng CNTT"),
)
MAIL_DOMAIN = "example.gov.vn"


async def _open_task_of(conn: AsyncConnection, agency_id: Any) -> Any:
    """The department's first key task of the conclusion that is still open (it is the one
    the department splits and the office asks about)."""
    t = TASKS.c
    return (
        await conn.execute(
            select(t.id)
            .where(
                t.lead_agency_id == agency_id,
                t.status.in_(OPEN_STATUSES),
                t.directive_id.is_not(None),
                t.due_date.is_not(None),
            )
            .order_by(t.is_key_task.desc(), t.code)
            .limit(1)
        )
    ).scalar_one()


def _people(ids: dict[str, Any], divisions: list[Any]) -> list[OfficialCreate]:
    """The department's focal point and a division head, the office's follow-up officer, the
    department's Director who presented its recommendations, and the Vice-Chairman who chaired
    the session (with his portfolio) — the last two named by the article."""
    return [
        OfficialCreate(
            name=f"Trần Thị Hoa {ILLUSTRATIVE}",
            title="Chánh Văn phòng Sở, đầu mối theo dõi nhiệm vụ",
            agency_id=ids[ICT],
            email=f"dau-moi.stttt@{MAIL_DOMAIN}",
            focal=True,
        ),
        OfficialCreate(
            name=f"Lê Minh Tuấn {ILLUSTRATIVE}",
            title="Trưởng phòng Công nghệ thông tin",
            agency_id=ids[ICT],
            division_id=divisions[1],
            email=f"cntt.stttt@{MAIL_DOMAIN}",
            notify=NotifyMode.digest,
        ),
        OfficialCreate(
            name=f"Phạm Thu Trang {ILLUSTRATIVE}",
            title="Chuyên viên Văn phòng UBND tỉnh",
            agency_id=ids[OFFICE],
            email=f"theo-doi.vpubnd@{MAIL_DOMAIN}",
        ),
        OfficialCreate(
            name="Bùi Đức Nam",
            title="Giám đốc Sở Thông tin và Truyền thông",
            agency_id=ids[ICT],
            notify=NotifyMode.off,
        ),
        OfficialCreate(
            name="Nguyễn Văn Chương",
            title="Phó Chủ tịch UBND tỉnh",
            agency_id=ids[PROVINCE],
            portfolio_fields=["Thông tin và Truyền thông", "Chuyển đổi số"],
            portfolio_agency_ids=[ids[ICT]],
            notify=NotifyMode.off,
        ),
    ]


async def make_agency(
    conn: AsyncConnection, loader: Caller, row: tuple[Any, ...]
) -> dict[str, Any]:
    """A demo agency, its id fixed by its code (demo_ids): (code, name, short name, kind,
    parent id, valid from, valid to)."""
    code, name, short, kind, parent_id, valid_from, valid_to = row
    return await agencies.create(
        conn,
        loader,
        AgencyCreate(
            code=code,
            name=name,
            short_name=short,
            kind=kind,
            parent_id=parent_id,
            valid_from=valid_from,
            valid_to=valid_to,
        ),
        agency_id=demo_ids.agency(code),
    )


async def load(
    conn: AsyncConnection, loader: Caller, ids: dict[str, Any], day: Any
) -> dict[str, int]:
    """Divisions, officials, a sub-task and a thread; counts of what was made."""
    first_task = await _open_task_of(conn, ids[ICT])
    divisions = []
    for code, name, short in DIVISIONS:
        body = await make_agency(
            conn, loader, (code, name, short, AgencyKind.division, ids[ICT], None, None)
        )
        divisions.append(body["id"])
    made = [await officials.create(conn, loader, p) for p in _people(ids, divisions)]
    focal, head, tracker, _, _ = made
    sub = await subtasks.create_subtask(
        conn,
        loader,
        first_task,
        SubtaskCreate(
            title="Rà soát, đề xuất danh mục nền tảng số dùng chung của tỉnh",
            division_ids=[divisions[1]],
            lead_official_id=head["id"],
        ),
        day,
    )
    await _thread(conn, ids, first_task, focal, head, tracker, sub["code"])
    return {"divisions": len(divisions), "officials": len(made), "subtasks": 1, "comments": 2}


async def _thread(
    conn: AsyncConnection,
    ids: dict[str, Any],
    task_id: Any,
    focal: dict[str, Any],
    head: dict[str, Any],
    tracker: dict[str, Any],
    sub_code: str,
) -> None:
    """The office asks the department about its task; the department answers."""
    office = Caller(role=Role.office, name=tracker["name"], official_id=tracker["id"], key_id=None)
    department = Caller(
        role=Role.agency, agency_id=ids[ICT], name=focal["name"], official_id=focal["id"]
    )
    await comments.create(
        conn,
        office,
        "task",
        task_id,
        CommentCreate(
            body="Đề nghị Sở báo cáo tiến độ triển khai và khó khăn, vướng mắc trước ngày họp "
            "giao ban tháng. " + ILLUSTRATIVE,
            mentions=[focal["id"]],
        ),
    )
    await comments.create(
        conn,
        department,
        "task",
        task_id,
        CommentCreate(
            body="Sở đã giao Phòng Công nghệ thông tin rà soát (nhiệm vụ "
            f"{sub_code}); sẽ báo cáo đúng hạn. {ILLUSTRATIVE}",
            mentions=[head["id"]],
        ),
    )


async def pending_notices(conn: AsyncConnection) -> int:
    n = NOTIFICATIONS.c
    rows = await conn.execute(select(n.id).where(n.status == "pending"))
    return len(rows.all())
