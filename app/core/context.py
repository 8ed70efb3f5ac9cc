"""Per-request context that services read without threading it through every call."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# The X-Request-ID a client sent, when well-formed: kept beside the service's own, never as it.
client_request_id_var: ContextVar[str | None] = ContextVar("client_request_id", default=None)
# Whether the caller asked for Vietnamese (`Accept-Language: vi`): error titles, details and
# field messages are then in Vietnamese.
vietnamese_var: ContextVar[bool] = ContextVar("vietnamese", default=False)
