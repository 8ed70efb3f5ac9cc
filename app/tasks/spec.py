"""The task as the shared machinery sees it (app/kernel/resources.py)."""

from __future__ import annotations

from app.access.lifecycle import (
    EDITORS,
    NOT_AGENCY,
    OFFICE,
    Lifecycle,
    Relation,
    Rule,
    Transition,
)
from app.access.visibility import AgencyVisibility
from app.core.enums import NoticeKind
from app.core.enums import TaskStatus as T
from app.kernel.resources import Notices, Record, ResourceSpec, Section
from app.tasks import transition_models as tm
from app.tasks.activity_models import EXTENSION_REQUESTS, PROGRESS_REPORTS
from app.tasks.models import TASKS
from app.tasks.timeliness import OPEN_STATUSES

# Agency staff see the tasks their agency leads or cooperates on (API.md §1).
TASK_VISIBILITY = AgencyVisibility("task", TASKS, ("lead_agency_id",), ("cooperating_agency_ids",))

TASK_LIFECYCLE = Lifecycle(
    "task",
    (
        Transition(tm.StartTask, (T.new,), T.in_progress, OFFICE, Relation.lead),
        Transition(tm.SubmitTask, (T.in_progress,), T.awaiting_confirmation, OFFICE, Relation.lead),
        Transition(tm.ConfirmTask, (T.awaiting_confirmation,), T.completed, EDITORS),
        Transition(tm.ReturnTask, (T.awaiting_confirmation,), T.in_progress, EDITORS),
        Transition(tm.PauseTask, (T.new, T.in_progress), T.paused, EDITORS),
        Transition(tm.ResumeTask, (T.paused,), T.in_progress, EDITORS),
        Transition(tm.CancelTask, tuple(T(s) for s in OPEN_STATUSES), T.cancelled, EDITORS),
        Transition(tm.ReopenTask, (T.completed,), T.in_progress, EDITORS),
    ),
    TASK_VISIBILITY,
)

TASK = ResourceSpec(
    name="task",
    segment="tasks",
    noun_vi="Nhiệm vụ",
    table=TASKS,
    code_prefix="NV",
    visibility=TASK_VISIBILITY,
    attachable=True,
    commentable=True,
    records=(
        Record("progress_report", PROGRESS_REPORTS, "task_id"),
        Record("extension_request", EXTENSION_REQUESTS, "task_id"),
    ),
    notices=Notices(
        kinds={
            "created": NoticeKind.assigned,
            "updated": NoticeKind.assigned,  # only when lead_official_id changed
            "due_soon": NoticeKind.due_soon,
            "overdue": NoticeKind.overdue,
            "reminded": NoticeKind.reminded,
            "return": NoticeKind.returned,
            "extension_decided": NoticeKind.extension_decided,
        },
        agency_column="lead_agency_id",
        focal_column="lead_official_id",
    ),
    service="app.tasks.service",
    lifecycle=TASK_LIFECYCLE,
    permissions={
        "read": Rule(NOT_AGENCY, Relation.participant),
        **dict.fromkeys(("create", "update", "delete", "restore"), Rule(EDITORS)),
        **TASK_LIFECYCLE.rules(),
        "report_progress": Rule(OFFICE, Relation.participant),
        "request_extension": Rule(OFFICE, Relation.lead),
        "decide_extension": Rule(EDITORS),
        "adjust_deadline": Rule(EDITORS),
        "remind": Rule(EDITORS),
        # The lead agency splits its own task among its divisions and officials.
        "create_subtask": Rule(EDITORS, Relation.lead),
        "comment": Rule(EDITORS, Relation.participant),
        # documents: attached and removed by those who work on it
        "attach": Rule(EDITORS, Relation.participant),
    },
    section=Section(
        "tasks",
        "Nhiệm vụ: assigned work, its progress and deadlines",
        ("app.tasks.router", "app.tasks.activity_router"),
    ),
)
