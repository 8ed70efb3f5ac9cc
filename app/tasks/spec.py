"""The task as the shared machinery sees it (app/kernel/resources.py)."""

from __future__ import annotations

from app.access.visibility import AgencyVisibility
from app.core.enums import NoticeKind
from app.kernel.resources import Notices, Record, ResourceSpec
from app.tasks.activity_models import EXTENSION_REQUESTS, PROGRESS_REPORTS
from app.tasks.models import TASKS

# Agency staff see the tasks their agency leads or cooperates on (API.md §1).
TASK_VISIBILITY = AgencyVisibility("task", TASKS, ("lead_agency_id",), ("cooperating_agency_ids",))

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
)
