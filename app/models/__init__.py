"""Table models and their schema families; importing this package registers every table."""

from app.models.agencies import Agency
from app.models.api_keys import ApiKey
from app.models.history import HistoryEntry
from app.models.idempotency import IdempotencyRecord

__all__ = ["Agency", "ApiKey", "HistoryEntry", "IdempotencyRecord"]
