"""The actions of a task's lifecycle (app/tasks/spec.py: TASK_LIFECYCLE), as the bodies of
`POST /tasks/{id}/transitions`."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Literal

from pydantic import ConfigDict
from sqlmodel import Field

from app.kernel.schemas import ActionBody, CommentedAction, IsoDate, action_union


class StartTask(ActionBody):
    action: Literal["start"]


class SubmitTask(ActionBody):
    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra={
            "examples": [
                {"action": "submit", "result": "Đã hoàn thành", "completed_on": "2023-06-20"}
            ]
        },
    )

    action: Literal["submit"]
    result: str = Field(min_length=1, max_length=100_000, description="What was done.")
    completed_on: IsoDate | None = Field(
        default=None,
        description="Default today; never in the future; for agency staff at most "
        "DONDOC_COMPLETION_BACKDATE_DAYS before today.",
    )
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=10_000,
        description="Required from the office or a leader for a completion date older than "
        "DONDOC_COMPLETION_BACKDATE_DAYS; kept in history and on the task.",
    )
    evidence_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=50,
        description="Documents of this task that prove the completion (kept in history).",
    )
    close_open_subtasks: bool = Field(
        default=False,
        description="Submit although sub-tasks are still open (the lead's decision, kept in "
        "history); without it a task with open sub-tasks is not submitted (409).",
    )


class ConfirmTask(ActionBody):
    action: Literal["confirm"]


class ReturnTask(CommentedAction):
    action: Literal["return"]


class PauseTask(CommentedAction):
    action: Literal["pause"]


class ResumeTask(ActionBody):
    action: Literal["resume"]


class CancelTask(CommentedAction):
    action: Literal["cancel"]


class ReopenTask(CommentedAction):
    action: Literal["reopen"]


TASK_ACTIONS: tuple[type[ActionBody], ...] = (
    StartTask,
    SubmitTask,
    ConfirmTask,
    ReturnTask,
    PauseTask,
    ResumeTask,
    CancelTask,
    ReopenTask,
)
if TYPE_CHECKING:
    TaskTransition = ActionBody
else:
    TaskTransition = action_union(*TASK_ACTIONS)
