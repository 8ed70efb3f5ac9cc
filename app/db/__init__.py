"""The one way to the database: engines (`engines`), the read side (`reads`) and what an
error means (`errors`). Services write SQLAlchemy Core statements and run them with `execute`
on a `Reader` (reads) or on the request's transaction (`AsyncConnection`, writes); rows are
SQLAlchemy rows everywhere (`row.status`, `row._mapping`, `row[0]`)."""

from app.db.engines import (
    SESSION_TIMEOUTS,
    create_engine,
    json_loads,
    normalise_url,
    pooled,
    pooled_connect_args,
    resolve_database_url,
    session_settings,
    single_statements,
    stamp,
    statement_name,
)
from app.db.errors import AWAY, BROKEN, caused_by, close_now, in_doubt
from app.db.reads import CUSTOM_PLAN, ReadDB, Reader, ReadResult, ReplicaDB, Rows

__all__ = [
    "AWAY",
    "BROKEN",
    "CUSTOM_PLAN",
    "SESSION_TIMEOUTS",
    "ReadDB",
    "ReadResult",
    "Reader",
    "ReplicaDB",
    "Rows",
    "caused_by",
    "close_now",
    "create_engine",
    "in_doubt",
    "json_loads",
    "normalise_url",
    "pooled",
    "pooled_connect_args",
    "resolve_database_url",
    "session_settings",
    "single_statements",
    "stamp",
    "statement_name",
]
