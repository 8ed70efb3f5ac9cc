"""Table models and their schema families; importing this module registers every table.

A resource's tables are registered by its spec as well (app/registry.py imports every spec,
and each spec its models), so a new resource needs no line here."""

from app.admin.models import ApiKey
from app.agencies.models import Agency
from app.agencies.version_models import AGENCY_VERSIONS
from app.api.idempotency_models import IdempotencyRecord
from app.budget.models import BudgetRequest, DeadlineExtension, Disbursement
from app.directives.models import Directive
from app.files.models import AttachedFile
from app.integration.event_models import Event
from app.integration.webhook_models import Delivery, Webhook
from app.kernel.history_models import HistoryEntry
from app.people.comment_models import Comment
from app.people.models import Notification, Official
from app.proposals.models import Proposal
from app.registry import RESOURCES
from app.reports.snapshot_models import ReportSnapshot
from app.tasks.activity_models import ExtensionRequest, ProgressReport, Reminder
from app.tasks.deadline_models import TaskDeadlineChange
from app.tasks.models import Task
from app.tasks.notice_models import DeadlineNotice
from app.tasks.version_models import TASK_VERSIONS

__all__ = [
    "AGENCY_VERSIONS",
    "RESOURCES",
    "TASK_VERSIONS",
    "Agency",
    "ApiKey",
    "AttachedFile",
    "BudgetRequest",
    "Comment",
    "DeadlineExtension",
    "DeadlineNotice",
    "Delivery",
    "Directive",
    "Disbursement",
    "Event",
    "ExtensionRequest",
    "HistoryEntry",
    "IdempotencyRecord",
    "Notification",
    "Official",
    "ProgressReport",
    "Proposal",
    "Reminder",
    "ReportSnapshot",
    "Task",
    "TaskDeadlineChange",
    "Webhook",
]
