"""The demo's money: the three recommendations that ask for it as budget requests — the 2022
plan's capital (its disbursement extended by the provincial People's Council, on the appraisal
of Planning and Investment), experts for the data centre, training in information security —
and what was decided and paid (amounts and decision numbers illustrative)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.access.auth import Caller
from app.budget import payments as budget_payments
from app.budget import service as budget_requests
from app.budget.models import (
    BudgetRequestCreate,
    BudgetTransition,
    DeadlineExtensionCreate,
    Decision,
    DisbursementCreate,
)
from app.core.day import Day
from app.core.enums import BudgetPurpose, ExpenditureType, FundingSource
from app.kernel.precondition import ABSENT
from app.kernel.schemas import action_body
from demo.data import DATA_CENTRE_PROJECT, ICT, ILLUSTRATIVE

# The recommendations that ask for money: (proposal, title, kind, purpose, plan year, amount
# requested). The capital is the 2022 plan's: its disbursement ran to 31/01/2023 by law, and
# the department asked in February 2023 to extend it and to allocate what was missing.
MONEY = [
    (
        2,
        f"Kéo dài thời gian thực hiện, giải ngân kế hoạch vốn năm 2022 và bố trí số vốn còn "
        f"thiếu: {DATA_CENTRE_PROJECT}",
        ExpenditureType.investment,
        BudgetPurpose.capital_shortfall,
        2022,
        8_500_000_000,
    ),
    (
        3,
        "Thuê chuyên gia hỗ trợ duy trì vận hành trung tâm dữ liệu tỉnh",
        ExpenditureType.recurrent,
        BudgetPurpose.expert_hiring,
        2023,
        1_200_000_000,
    ),
    (
        4,
        "Đào tạo chuyên sâu về an toàn thông tin cho cán bộ, công chức",
        ExpenditureType.recurrent,
        BudgetPurpose.training,
        2023,
        450_000_000,
    ),
]
# Who decided the capital: the provincial People's Council (Luật Đầu tư công 2019, Điều 68),
# on the appraisal of Planning and Investment.
COUNCIL = "Hội đồng nhân dân tỉnh"
CAPITAL_OPINION = (
    "Sở Kế hoạch và Đầu tư (cơ quan chủ trì kế hoạch đầu tư công) thẩm định: đề nghị trình HĐND "
    "tỉnh cho phép kéo dài thời gian thực hiện, giải ngân kế hoạch vốn năm 2022 của dự án đến "
    "hết ngày 31/12/2023 và bố trí số vốn còn thiếu (số liệu minh họa)"
)


async def ask_for_money(
    conn: AsyncConnection, loader: Caller, ids: dict[str, Any], made: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    budget = []
    for index, title, kind, purpose, year, amount in MONEY:
        body = await budget_requests.create(
            conn,
            loader,
            BudgetRequestCreate(
                title=f"Đề nghị bố trí kinh phí: {title}",
                requesting_agency_id=ids[ICT],
                proposal_id=made[index]["id"],
                project_name=DATA_CENTRE_PROJECT if kind == ExpenditureType.investment else None,
                expenditure_type=kind,
                purpose=purpose,
                funding_source=FundingSource.provincial,
                fiscal_year=year,
                amount_requested_vnd=amount,
                justification=ILLUSTRATIVE,
            ),
        )
        budget.append(body)
    return budget


async def decide_and_pay(conn: AsyncConnection, loader: Caller, budget: list[Any]) -> None:
    """The 2022 plan's capital: appraised by Planning and Investment, decided by the People's
    Council (its disbursement extended to 31/12/2023, what was missing allocated) and partly
    paid; experts under appraisal; training approved and paid."""
    spring = Day(date(2023, 4, 20), 3)

    async def step(request_id: Any, action: str, **fields: Any) -> None:
        await budget_requests.transition(
            conn,
            loader,
            request_id,
            action_body(BudgetTransition, action=action, **fields),
            ABSENT,
            spring,
        )

    capital, experts, training = budget
    for request_id in (capital, experts, training):
        await step(request_id, "submit")
        await step(request_id, "start_appraisal")
    for request_id, amount, opinion, decision, decided_by in (
        (capital, 7_000_000_000, CAPITAL_OPINION, "15/NQ-HĐND", COUNCIL),
        (
            training,
            400_000_000,
            "Phù hợp dự toán chi thường xuyên (minh họa)",
            "530/QĐ-UBND",
            "Chủ tịch UBND tỉnh",
        ),
    ):
        await step(request_id, "appraise", amount_recommended_vnd=amount, opinion=opinion)
        await step(
            request_id,
            "approve",
            amount_approved_vnd=amount,
            decision=Decision(document_number=decision, decided_by=decided_by),
        )
    await _pay(conn, loader, capital, training)


async def _pay(conn: AsyncConnection, loader: Caller, capital: Any, training: Any) -> None:
    """The capital's disbursement extended by the People's Council to 31/12/2023 — the latest
    the law allows for the 2022 plan (a legal date, not a working-day deadline) — then paid in
    part; the training paid in full."""
    await budget_payments.extend_deadline(
        conn,
        loader,
        capital,
        DeadlineExtensionCreate(
            new_deadline=date(2023, 12, 31),
            reason="Kéo dài thời gian thực hiện, giải ngân kế hoạch vốn năm 2022 của dự án "
            "(Luật Đầu tư công 2019, Điều 68)",
            decided_by=COUNCIL,
            decision_number="15/NQ-HĐND",
        ),
    )
    autumn = Day(date(2023, 11, 15), 3)
    for request_id, amount, reference in (
        (capital, 3_000_000_000, "Giải ngân đợt 1 (minh họa)"),
        (training, 400_000_000, "Thanh toán khóa đào tạo (minh họa)"),
    ):
        payment = DisbursementCreate(amount_vnd=amount, reference=reference)
        await budget_payments.disburse(conn, loader, request_id, payment, autumn)
