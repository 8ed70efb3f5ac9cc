"""The demo scenario, built from the working session of 28/02/2023 (../shared/seed/).

The article names no province and gives no agency codes, document numbers or deadlines: the
codes below (`…H99`), the notice number, its date and the tasks' deadlines are illustrative,
and the directive's content says so.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth import Caller
from app.enums import (
    AgencyKind,
    BudgetPurpose,
    DirectiveKind,
    ExpenditureType,
    FundingSource,
    Pillar,
    ProposalCategory,
    Recurrence,
    Role,
)
from app.kernel.precondition import ABSENT
from app.models.agencies import AgencyCreate
from app.models.budget_requests import (
    BudgetRequestCreate,
    BudgetTransition,
    DeadlineExtensionCreate,
    Decision,
    DisbursementCreate,
)
from app.models.directives import DirectiveCreate, DirectiveTransition, Meeting
from app.models.proposals import ProposalCreate, ProposalTransition
from app.models.task_activity import ProgressReportCreate
from app.models.tasks import DirectiveTaskItem, TaskTransition
from app.services import agencies, budget_requests, directives, proposals, task_activity, tasks

LOADER = Caller(role=Role.admin, name="demo loader")
PROVINCE = "000.00.00.H99"

# (code, name, short name, kind, parent code, valid_from, valid_to)
AGENCIES: list[tuple[str, str, str, AgencyKind, str | None, date | None, date | None]] = [
    (
        PROVINCE,
        "Ủy ban nhân dân tỉnh",
        "UBND tỉnh",
        AgencyKind.provincial_committee,
        None,
        None,
        None,
    ),
    (
        "000.00.01.H99",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "VP UBND tỉnh",
        AgencyKind.department,
        PROVINCE,
        None,
        None,
    ),
    (
        "000.00.12.H99",
        "Sở Thông tin và Truyền thông",
        "Sở TT&TT",
        AgencyKind.department,
        PROVINCE,
        None,
        None,
    ),
    (
        "000.00.13.H99",
        "Sở Khoa học và Công nghệ",
        "Sở KH&CN",
        AgencyKind.department,
        PROVINCE,
        None,
        None,
    ),
    ("000.00.05.H99", "Sở Tài chính", "Sở TC", AgencyKind.department, PROVINCE, None, None),
    (
        "000.00.06.H99",
        "Sở Kế hoạch và Đầu tư",
        "Sở KH&ĐT",
        AgencyKind.department,
        PROVINCE,
        None,
        None,
    ),
    ("000.00.04.H99", "Sở Nội vụ", "Sở NV", AgencyKind.department, PROVINCE, None, None),
    (
        "000.12.01.H99",
        "Trung tâm Công nghệ thông tin và Truyền thông",
        "Trung tâm CNTT&TT",
        AgencyKind.public_service_unit,
        "000.00.12.H99",
        None,
        None,
    ),
    ("000.00.30.H99", "Báo tỉnh", "Báo tỉnh", AgencyKind.public_service_unit, PROVINCE, None, None),
    (
        "000.00.31.H99",
        "Đài Phát thanh và Truyền hình tỉnh",
        "Đài PT-TH tỉnh",
        AgencyKind.public_service_unit,
        PROVINCE,
        None,
        None,
    ),
    (
        "000.20.00.H99",
        "Ủy ban nhân dân thành phố (trực thuộc tỉnh)",
        "UBND thành phố",
        AgencyKind.district_committee,
        PROVINCE,
        None,
        None,
    ),
]


ICT = "000.00.12.H99"
OFFICE = "000.00.01.H99"
FINANCE = "000.00.05.H99"
PLANNING = "000.00.06.H99"
HOME_AFFAIRS = "000.00.04.H99"
NEWSPAPER = "000.00.30.H99"
BROADCASTER = "000.00.31.H99"
CITY = "000.20.00.H99"

CONTENT = """Thông báo kết luận của đồng chí Nguyễn Văn Chương, Phó Chủ tịch UBND tỉnh tại buổi làm \
việc với Sở Thông tin và Truyền thông ngày 28/02/2023 về công tác triển khai thực hiện các nhiệm \
vụ trọng tâm năm 2023.

Đồng chí Phó Chủ tịch UBND tỉnh ghi nhận và đánh giá cao kết quả đạt được của Sở Thông tin và \
Truyền thông; thống nhất với nhiệm vụ trọng tâm năm 2023 của Sở và đề nghị Sở tiếp tục thực hiện \
các nhiệm vụ đề ra; chuyển đổi số đồng bộ trên phạm vi toàn tỉnh, trên các lĩnh vực ưu tiên, dựa \
trên 3 trụ cột chính quyền số - kinh tế số - xã hội số; hoàn thiện môi trường số an toàn, tiện \
ích; tái cấu trúc hạ tầng công nghệ thông tin thành hạ tầng số ứng dụng điện toán đám mây; phát \
triển mạng lưới bưu chính, chuyển phát, hạ tầng viễn thông; nâng cao chất lượng hoạt động của các \
cơ quan báo chí trên địa bàn tỉnh. Đối với các đề xuất, kiến nghị của Sở, giao các ngành liên quan \
tổng hợp, báo cáo cấp có thẩm quyền xem xét, giải quyết trong thời gian sớm nhất.

Ghi chú dữ liệu minh họa: bài viết nguồn (01/03/2023) không nêu số, ngày ban hành thông báo kết \
luận, thời hạn của các nhiệm vụ và số tiền của các đề nghị kinh phí; số 45/TB-UBND, ngày \
06/03/2023, các thời hạn, các số tiền, số quyết định và các đơn vị dự họp được điền để minh họa."""

ILLUSTRATIVE = "Số tiền, số quyết định và thời hạn là giá trị minh họa (bài viết nguồn không nêu)."
DATA_CENTRE_PROJECT = (
    "Dự án Nâng cấp trung tâm tích hợp dữ liệu và số hoá tài liệu các cơ quan Nhà nước"
)
# (title, category) — the five recommendations of the department, in the article's order.
PROPOSALS: list[tuple[str, ProposalCategory]] = [
    (
        "UBND tỉnh quan tâm chỉ đạo các sở, ban, ngành, UBND các huyện đẩy nhanh tiến độ triển khai nhiệm vụ về chuyển đổi số",
        ProposalCategory.direction,
    ),
    (
        "UBND tỉnh cho chủ trương thực hiện một số dự án chuyển đổi số",
        ProposalCategory.policy_approval,
    ),
    (
        f"Cho phép kéo dài thời gian thực hiện thanh toán và bố trí số vốn còn thiếu cho {DATA_CENTRE_PROJECT}",
        ProposalCategory.funding,
    ),
    (
        "Quan tâm cấp kinh phí hàng năm để thuê chuyên gia hỗ trợ duy trì vận hành trung tâm dữ liệu tỉnh",
        ProposalCategory.funding,
    ),
    (
        "Bố trí kinh phí đào tạo, cử cán bộ, công chức tham gia các khoá đào tạo chuyên sâu về an toàn thông tin",
        ProposalCategory.personnel_training,
    ),
]

# (title, lead, cooperating, pillar, field, due date, recurrence) — the department's key tasks
# for 2023, as the article lists them.
KEY_TASKS: list[tuple[str, str, list[str], Pillar, str, date | None, Recurrence]] = [
    (
        "Chỉ đạo các doanh nghiệp bưu chính bảo đảm chất lượng dịch vụ bưu chính",
        ICT,
        [],
        Pillar.digital_economy,
        "Bưu chính",
        date(2023, 12, 31),
        Recurrence.none,
    ),
    (
        "Chủ động tham gia tiếp nhận, giải quyết thủ tục hành chính công qua dịch vụ bưu chính công ích",
        ICT,
        [OFFICE],
        Pillar.digital_government,
        "Cải cách hành chính",
        date(2023, 9, 30),
        Recurrence.none,
    ),
    (
        "Đẩy mạnh các dịch vụ phục vụ hành chính công, thương mại điện tử, logistics, kinh tế số, xã hội số",
        ICT,
        [PLANNING],
        Pillar.digital_economy,
        "Kinh tế số",
        date(2023, 12, 31),
        Recurrence.none,
    ),
    (
        "Tăng cường quản lý nhà nước về hạ tầng, chất lượng dịch vụ viễn thông, truyền hình",
        ICT,
        [],
        Pillar.foundation,
        "Viễn thông",
        date(2023, 12, 31),
        Recurrence.none,
    ),
    (
        "Tăng cường quản lý thông tin trên mạng xã hội; thực hiện nghiêm quy chế phát ngôn và cung cấp thông tin cho báo chí",
        ICT,
        [NEWSPAPER, BROADCASTER],
        Pillar.digital_society,
        "Thông tin điện tử",
        None,
        Recurrence.ongoing,
    ),
    (
        "Tổ chức triển khai hiệu quả các chỉ thị, nghị quyết, chương trình chuyển đổi số quốc gia và cơ chế, chính sách của Trung ương về chuyển đổi số",
        ICT,
        [OFFICE, CITY],
        Pillar.digital_government,
        "Chuyển đổi số",
        date(2023, 12, 31),
        Recurrence.none,
    ),
    (
        "Xây dựng đội ngũ chuyên gia chuyên sâu công nghệ thông tin, an toàn, an ninh mạng",
        ICT,
        [HOME_AFFAIRS],
        Pillar.foundation,
        "An toàn thông tin",
        date(2023, 12, 31),
        Recurrence.none,
    ),
]
# The instructions of the conclusion itself.
INSTRUCTIONS: list[tuple[str, str, list[str], Pillar, str, date | None, Recurrence]] = [
    (
        "Chuyển đổi số đồng bộ trên phạm vi toàn tỉnh dựa trên 3 trụ cột chính quyền số - kinh tế số - xã hội số",
        ICT,
        [OFFICE, PLANNING, CITY],
        Pillar.digital_government,
        "Chuyển đổi số",
        date(2023, 12, 31),
        Recurrence.none,
    ),
    (
        "Tái cấu trúc, chuyển đổi hạ tầng công nghệ thông tin thành hạ tầng số ứng dụng điện toán đám mây",
        ICT,
        [FINANCE],
        Pillar.foundation,
        "Hạ tầng số",
        date(2024, 6, 30),
        Recurrence.none,
    ),
    (
        "Phát triển mạng lưới bưu chính, chuyển phát, hạ tầng viễn thông",
        ICT,
        [CITY],
        Pillar.foundation,
        "Viễn thông",
        date(2023, 12, 31),
        Recurrence.none,
    ),
    (
        "Nâng cao chất lượng hoạt động của các cơ quan báo chí; thông tin, tuyên truyền sâu rộng đường lối, chủ trương, chính sách đến người dân",
        ICT,
        [NEWSPAPER, BROADCASTER],
        Pillar.digital_society,
        "Báo chí",
        None,
        Recurrence.ongoing,
    ),
]


async def _load_agencies(conn: AsyncConnection) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    for code, name, short, kind, parent, valid_from, valid_to in AGENCIES:
        body = await agencies.create(
            conn,
            LOADER,
            AgencyCreate(
                code=code,
                name=name,
                short_name=short,
                kind=kind,
                parent_id=ids.get(parent) if parent else None,
                valid_from=valid_from,
                valid_to=valid_to,
            ),
        )
        ids[code] = body["id"]
    return ids


async def _load_working_session(conn: AsyncConnection, ids: dict[str, Any]) -> tuple[Any, int]:
    """The conclusion as an issued directive, with the key tasks and the instructions."""
    soon = 3
    issued = tasks.Day(date(2023, 3, 6), soon)
    directive = await directives.create(
        conn,
        LOADER,
        DirectiveCreate(
            kind=DirectiveKind.meeting_conclusion,
            title="Kết luận của Phó Chủ tịch UBND tỉnh Nguyễn Văn Chương tại buổi làm việc với "
            "Sở Thông tin và Truyền thông về nhiệm vụ trọng tâm năm 2023",
            content=CONTENT,
            issued_on=issued.today,
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
        issued,
    )
    await directives.transition(
        conn, LOADER, directive["id"], DirectiveTransition(action="issue"), ABSENT, issued
    )
    items = [
        DirectiveTaskItem(
            title=title,
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
    made = await directives.create_tasks(conn, LOADER, directive["id"], items, issued)
    # Some progress, so that the lists and summaries show every state.
    year_end = tasks.Day(date(2023, 12, 31), soon)
    postal, admin_services, economy = made[0], made[1], made[2]
    for task_id, action in ((postal["id"], "start"), (admin_services["id"], "start")):
        await tasks.transition(conn, LOADER, task_id, TaskTransition(action=action), ABSENT, issued)
    await tasks.transition(
        conn,
        LOADER,
        postal["id"],
        TaskTransition(
            action="submit",
            result="Các doanh nghiệp bưu chính đạt chỉ tiêu chất lượng năm 2023",
            completed_on=date(2023, 11, 20),
        ),
        ABSENT,
        year_end,
    )
    await tasks.transition(
        conn, LOADER, postal["id"], TaskTransition(action="confirm"), ABSENT, year_end
    )
    await tasks.transition(
        conn,
        LOADER,
        admin_services["id"],
        TaskTransition(
            action="submit",
            result="Đã tiếp nhận hồ sơ thủ tục hành chính qua bưu chính công ích",
            completed_on=date(2023, 10, 12),
        ),
        ABSENT,
        year_end,
    )
    await tasks.transition(
        conn, LOADER, admin_services["id"], TaskTransition(action="confirm"), ABSENT, year_end
    )
    await task_activity.add_progress_report(
        conn,
        LOADER,
        economy["id"],
        ProgressReportCreate(
            progress_percent=60,
            reported_on=date(2023, 9, 15),
            results="Triển khai sàn thương mại điện tử của tỉnh",
            difficulties="Thiếu nhân lực kinh tế số",
        ),
        year_end,
    )
    return directive["id"], len(made)


# The task that hands each recommendation to the agencies concerned: (proposal, lead,
# cooperating, title).
HANDLING = [
    (
        0,
        OFFICE,
        [],
        "Tổng hợp, tham mưu UBND tỉnh chỉ đạo các sở, ngành, địa phương đẩy nhanh chuyển đổi số",
    ),
    (
        1,
        PLANNING,
        [FINANCE],
        "Tổng hợp, báo cáo cấp có thẩm quyền cho chủ trương các dự án chuyển đổi số",
    ),
    (
        2,
        FINANCE,
        [PLANNING],
        f"Tổng hợp, báo cáo cấp có thẩm quyền về vốn còn thiếu và thời hạn thanh toán của {DATA_CENTRE_PROJECT}",
    ),
    (
        3,
        FINANCE,
        [ICT],
        "Tổng hợp, báo cáo cấp có thẩm quyền về kinh phí thuê chuyên gia vận hành trung tâm dữ liệu tỉnh",
    ),
    (
        4,
        HOME_AFFAIRS,
        [FINANCE, ICT],
        "Tổng hợp, báo cáo cấp có thẩm quyền về kinh phí đào tạo an toàn thông tin",
    ),
]
# The recommendations that ask for money: (proposal, title, kind, purpose, amount requested).
MONEY = [
    (
        2,
        DATA_CENTRE_PROJECT,
        ExpenditureType.investment,
        BudgetPurpose.capital_shortfall,
        8_500_000_000,
    ),
    (
        3,
        "Thuê chuyên gia hỗ trợ duy trì vận hành trung tâm dữ liệu tỉnh",
        ExpenditureType.recurrent,
        BudgetPurpose.expert_hiring,
        1_200_000_000,
    ),
    (
        4,
        "Đào tạo chuyên sâu về an toàn thông tin cho cán bộ, công chức",
        ExpenditureType.recurrent,
        BudgetPurpose.training,
        450_000_000,
    ),
]


async def _load_recommendations(
    conn: AsyncConnection, ids: dict[str, Any], directive_id: Any
) -> tuple[int, int, int]:
    """The department's five recommendations as proposals raised at the session, the three
    that ask for money as budget requests, and the tasks that handle them."""
    made = await _raise_proposals(conn, ids, directive_id)
    task_count = await _assign_handling(conn, ids, made)
    budget = await _ask_for_money(conn, ids, made)
    await _decide_and_pay(conn, [b["id"] for b in budget])
    return len(made), len(budget), task_count


async def _raise_proposals(
    conn: AsyncConnection, ids: dict[str, Any], directive_id: Any
) -> list[dict[str, Any]]:
    raised = tasks.Day(date(2023, 2, 28), 3)
    made = []
    for title, category in PROPOSALS:
        body = await proposals.create(
            conn,
            LOADER,
            ProposalCreate(
                title=title,
                category=category,
                content=ILLUSTRATIVE,
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
                conn, LOADER, body["id"], ProposalTransition(action=action), ABSENT, raised
            )
        made.append(body)
    return made


async def _assign_handling(
    conn: AsyncConnection, ids: dict[str, Any], made: list[dict[str, Any]]
) -> int:
    assigned = tasks.Day(date(2023, 3, 6), 3)
    count = 0
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
                    due_date=date(2023, 4, 30),
                    field="Tổng hợp đề xuất",
                    assigned_by_agency_id=ids[PROVINCE],
                    assigned_by_name="Nguyễn Văn Chương",
                    assigned_by_title="Phó Chủ tịch UBND tỉnh",
                )
            ],
            assigned,
        )
        count += len(created)
    return count


async def _ask_for_money(
    conn: AsyncConnection, ids: dict[str, Any], made: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    budget = []
    for index, title, kind, purpose, amount in MONEY:
        body = await budget_requests.create(
            conn,
            LOADER,
            BudgetRequestCreate(
                title=f"Đề nghị bố trí kinh phí: {title}",
                requesting_agency_id=ids[ICT],
                proposal_id=made[index]["id"],
                project_name=title if kind == ExpenditureType.investment else None,
                expenditure_type=kind,
                purpose=purpose,
                funding_source=FundingSource.provincial,
                fiscal_year=2023,
                amount_requested_vnd=amount,
                justification=ILLUSTRATIVE,
            ),
        )
        budget.append(body)
    return budget


async def _decide_and_pay(conn: AsyncConnection, budget: list[Any]) -> None:
    """Capital approved and partly paid (its payment period extended), experts under
    appraisal, training approved and paid."""
    spring = tasks.Day(date(2023, 4, 20), 3)

    async def step(request_id: Any, action: str, **fields: Any) -> None:
        await budget_requests.transition(
            conn, LOADER, request_id, BudgetTransition(action=action, **fields), ABSENT, spring
        )

    capital, experts, training = budget
    for request_id in (capital, experts, training):
        await step(request_id, "submit")
        await step(request_id, "start_appraisal")
    for request_id, amount, opinion, decision in (
        (
            capital,
            7_000_000_000,
            "Đề nghị bố trí phần vốn còn thiếu trong kế hoạch vốn năm 2023",
            "512/QĐ-UBND",
        ),
        (training, 400_000_000, "Phù hợp dự toán chi thường xuyên", "530/QĐ-UBND"),
    ):
        await step(request_id, "appraise", amount_recommended_vnd=amount, opinion=opinion)
        await step(
            request_id,
            "approve",
            amount_approved_vnd=amount,
            decision=Decision(document_number=decision, decided_by="Chủ tịch UBND tỉnh"),
        )
    autumn = tasks.Day(date(2023, 11, 15), 3)
    await budget_requests.disburse(
        conn,
        LOADER,
        capital,
        DisbursementCreate(amount_vnd=3_000_000_000, reference="Giải ngân đợt 1"),
        autumn,
    )
    await budget_requests.extend_deadline(
        conn,
        LOADER,
        capital,
        DeadlineExtensionCreate(
            new_deadline=date(2024, 12, 31),
            reason="Kéo dài thời gian thực hiện thanh toán của dự án",
            decided_by="Chủ tịch UBND tỉnh",
            decision_number="88/QĐ-UBND",
        ),
    )
    await budget_requests.disburse(
        conn,
        LOADER,
        training,
        DisbursementCreate(amount_vnd=400_000_000, reference="Thanh toán khóa đào tạo"),
        autumn,
    )


async def load(conn: AsyncConnection) -> dict[str, int]:
    """Load the demo when the database has no agencies; returns what was created."""
    if await agencies.count(conn) > 0:
        return {"agencies": 0, "directives": 0, "tasks": 0, "proposals": 0, "budget_requests": 0}
    ids = await _load_agencies(conn)
    directive_id, made = await _load_working_session(conn, ids)
    raised, budget, handling = await _load_recommendations(conn, ids, directive_id)
    return {
        "agencies": len(AGENCIES),
        "directives": 1,
        "tasks": made + handling,
        "proposals": raised,
        "budget_requests": budget,
    }
