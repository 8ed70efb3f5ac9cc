"""The Vice-Chairman's answer to the department's recommendations (the article: "giao nhiệm
vụ cụ thể cho các ngành liên quan tổng hợp, báo cáo cấp có thẩm quyền xem xét, giải quyết"),
and the handling tasks' work that followed — started at once, and done where the money was
decided (the dates of that work are illustrative)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.access.auth import Caller
from app.core.day import Day
from app.kernel.precondition import ABSENT
from app.kernel.schemas import action_body
from app.proposals import service as proposals
from app.proposals.models import ProposalTransition
from app.tasks import service as tasks
from app.tasks.transition_models import TaskTransition

ANSWER = (
    "Giao các ngành liên quan tổng hợp, báo cáo cấp có thẩm quyền xem xét, giải quyết trong "
    "thời gian sớm nhất."
)
ANSWERED = Day(date(2023, 3, 6), 3)
STARTED = Day(date(2023, 3, 7), 3)
# The handling tasks of the recommendations whose money was decided in April (the capital
# shortfall and the training): done on the day of the decision.
DONE = {2: date(2023, 4, 20), 4: date(2023, 4, 20)}


async def answer(conn: AsyncConnection, loader: Caller, made: list[dict[str, Any]]) -> None:
    """Each recommendation answered `referred`, on the day the conclusion was issued."""
    for proposal in made:
        await proposals.transition(
            conn,
            loader,
            proposal["id"],
            action_body(
                ProposalTransition,
                action="resolve",
                resolution="referred",
                response={
                    "text": ANSWER,
                    "responded_on": ANSWERED.today.isoformat(),
                    "responder_name": "Nguyễn Văn Chương",
                    "responder_title": "Phó Chủ tịch UBND tỉnh",
                },
            ),
            ABSENT,
            ANSWERED,
        )


async def work(conn: AsyncConnection, loader: Caller, handling: list[Any], on: Any) -> None:
    """The handling tasks started the next day; those whose money was decided, submitted and
    confirmed that day (`on(conn, day)` dates what follows)."""
    await on(conn, STARTED.today)
    for task_id in handling:
        start = action_body(TaskTransition, action="start")
        await tasks.transition(conn, loader, task_id, start, ABSENT, STARTED)
    for index, day in sorted(DONE.items()):
        await on(conn, day)
        when = Day(day, 3)
        submit = action_body(
            TaskTransition,
            action="submit",
            result="Đã tổng hợp, báo cáo cấp có thẩm quyền; đã có quyết định bố trí kinh phí "
            "(minh hoạ)",
            completed_on=day.isoformat(),
        )
        await tasks.transition(conn, loader, handling[index], submit, ABSENT, when)
        confirm = action_body(TaskTransition, action="confirm")
        await tasks.transition(conn, loader, handling[index], confirm, ABSENT, when)
