"""Table models and their schema families; importing this package registers every table."""

from app.models.agencies import Agency
from app.models.api_keys import ApiKey
from app.models.directives import Directive
from app.models.history import HistoryEntry
from app.models.idempotency import IdempotencyRecord
from app.models.task_activity import ExtensionRequest, ProgressReport, Reminder
from app.models.tasks import Task

__all__ = [
    "Agency",
    "ApiKey",
    "Directive",
    "ExtensionRequest",
    "HistoryEntry",
    "IdempotencyRecord",
    "ProgressReport",
    "Reminder",
    "Task",
]
