"""The deadline scheduler: `task.due_soon` and `task.overdue`, once per task and deadline.

Each run inserts the notices it means to send into `task_deadline_notices`, whose primary key
(task, kind, deadline) lets only one inserter win: several `serve` processes may run the
scheduler on one database and nothing is sent twice. A new deadline (an approved extension)
is a new key, so the notices arm again. Only running tasks (new, in progress) are told: a task
waiting for the office to confirm it, or paused by decision, is not overdue.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Integer, String, bindparam, insert, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access.auth import Caller
from app.core.enums import Role
from app.core.ids import uuid7
from app.kernel import history
from app.kernel.schemas import utcnow
from app.tasks.activity_models import REMINDERS
from app.tasks.timeliness import RUNNING_STATUSES

# Named in Vietnamese: the name is written into history, reminders and the files offices read.
SCHEDULER = Caller(role=Role.admin, name="Hệ thống (đôn đốc tự động)")
BATCH = 1000
MESSAGES = {
    "due_soon": "Nhiệm vụ sắp đến hạn ngày {due}: đề nghị đơn vị chủ trì khẩn trương hoàn thành.",
    "overdue": "Nhiệm vụ đã quá hạn từ ngày {due}: đề nghị đơn vị chủ trì báo cáo tiến độ, nguyên nhân.",
}
# An overdue notice repeats every `repeat_days` while the task stays overdue: its round is how
# many such periods have passed since the deadline (0 on the first day overdue).
_CLAIM = text(
    """
    INSERT INTO task_deadline_notices (task_id, kind, due_date, round, created_at)
    SELECT id, CAST(:kind AS varchar), due_date, r, now() FROM (
        SELECT id, due_date,
               CASE WHEN CAST(:kind AS varchar) = 'overdue'
                    THEN (:today - due_date - 1) / :repeat_days ELSE 0 END AS r
        FROM tasks
        WHERE deleted_at IS NULL
          AND status = ANY(:running_statuses)
          AND due_date IS NOT NULL
          AND due_date >= :low AND due_date <= :high
    ) AS due
    WHERE NOT EXISTS (SELECT 1 FROM task_deadline_notices AS n
                      WHERE n.task_id = due.id AND n.kind = CAST(:kind AS varchar)
                        AND n.due_date = due.due_date AND n.round = due.r)
    ORDER BY due_date, id
    LIMIT :batch
    ON CONFLICT DO NOTHING
    RETURNING task_id, due_date, round
    """
).bindparams(
    bindparam("low", type_=Date()),
    bindparam("high", type_=Date()),
    bindparam("today", type_=Date()),
    bindparam("repeat_days", type_=Integer()),
    bindparam("batch", type_=Integer()),
    bindparam("running_statuses", value=list(RUNNING_STATUSES), type_=ARRAY(String())),
)


def windows(today: date, soon_days: int) -> dict[str, tuple[date, date]]:
    """The deadlines each kind of notice is for, as seen on `today` in the province."""
    return {
        "overdue": (date(1900, 1, 1), today - timedelta(days=1)),
        "due_soon": (today, today + timedelta(days=soon_days)),
    }


async def tick(
    conn: AsyncConnection,
    today: date,
    soon_days: int,
    batch: int = BATCH,
    repeat_days: int = 7,
) -> dict[str, int]:
    """One batch of each kind, in the caller's transaction: returns how many were sent. The
    worker (app/worker.py `run_scheduler_once`) repeats it in short transactions until nothing
    is left, so that no run holds locks on many tasks for long."""
    sent: dict[str, int] = {}
    for kind, (low, high) in windows(today, soon_days).items():
        claimed = (
            await conn.execute(
                _CLAIM,
                {
                    "kind": kind,
                    "low": low,
                    "high": high,
                    "today": today,
                    "repeat_days": repeat_days,
                    "batch": batch or BATCH,
                },
            )
        ).all()
        if claimed:
            await _send(conn, kind, claimed)
        sent[kind] = len(claimed)
    return sent


async def _send(conn: AsyncConnection, kind: str, claimed: Sequence[Any]) -> None:
    now = utcnow()
    reminders = [
        {
            "id": uuid7(),
            "task_id": row.task_id,
            "kind": kind,
            "channel": "system",
            "message": MESSAGES[kind].format(due=row.due_date.strftime("%d/%m/%Y")),
            "document_number": None,
            "due_date": row.due_date,
            "actor_id": None,
            "actor_name": SCHEDULER.name,
            "created_at": now,
        }
        for row in claimed
    ]
    await conn.execute(insert(REMINDERS), reminders)
    entries: list[tuple[uuid.UUID, str, dict[str, dict[str, Any]], str | None]] = [
        (
            r["task_id"],
            kind,
            {
                "reminder_id": {"old": None, "new": str(r["id"])},
                "due_date": {"old": None, "new": r["due_date"].isoformat()},
                # a repeated overdue notice says which repetition it is
                **({"round": {"old": None, "new": c.round}} if c.round else {}),
            },
            r["message"],
        )
        for r, c in zip(reminders, claimed, strict=True)
    ]
    await history.record_many(conn, SCHEDULER, "task", entries)
