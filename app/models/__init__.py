"""Table models and their schema families; importing this package registers every table."""

from app.models.agencies import Agency
from app.models.agency_versions import AGENCY_VERSIONS
from app.models.api_keys import ApiKey
from app.models.attachments import AttachedFile
from app.models.budget_requests import BudgetRequest, DeadlineExtension, Disbursement
from app.models.comments import Comment
from app.models.deadlines import TaskDeadlineChange
from app.models.directives import Directive
from app.models.events import Event
from app.models.history import HistoryEntry
from app.models.idempotency import IdempotencyRecord
from app.models.notices import DeadlineNotice
from app.models.officials import Notification, Official
from app.models.proposals import Proposal
from app.models.snapshots import ReportSnapshot
from app.models.task_activity import ExtensionRequest, ProgressReport, Reminder
from app.models.task_versions import TASK_VERSIONS
from app.models.tasks import Task
from app.models.webhooks import Delivery, Webhook

__all__ = [
    "AGENCY_VERSIONS",
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
