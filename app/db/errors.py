"""What a database error means: one classifier for every engine.

`in_doubt`: after this error, is the connection's state unknown (so it must be closed, never
reused)? `caused_by`: was it raised from one of these driver errors? `BROKEN` and `AWAY`: the
errors of a session the server ended, and of a server (a replica) that is not there."""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DisconnectionError

# What a pooled connection raises when the server ended its session while it sat idle
# (asyncpg finds out only on the next use: MagicStack/asyncpg#1069).
BROKEN = (
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
)


def caused_by(error: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """Whether `error`, or an error it was raised from, is one of `kinds`."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, kinds):
            return True
        current = current.__cause__ or current.__context__
    return False


# What a replica that is away raises: refused or unreachable, starting or stopping, or a session
# it ended.
AWAY = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.AdminShutdownError,
    # A read cancelled by a conflict with the replica's recovery (40001).
    asyncpg.exceptions.SerializationError,
    *BROKEN,
)


def in_doubt(error: BaseException) -> bool:
    """Whether a connection's state is unknown after `error`: anything but an error the
    server itself reported (a constraint, a statement or lock timeout, a serialization
    failure) — a client-side timeout, a cancellation, a broken socket, a driver's own error.
    After a timed-out statement the server may still run it when it wakes (a BEGIN run late
    leaves a transaction open that the driver no longer knows of), so such a connection is
    discarded, never reused."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, asyncpg.exceptions.DataError):
            return False  # an argument the driver could not encode: nothing was sent
        if isinstance(current, asyncpg.PostgresError):
            state = getattr(current, "sqlstate", None) or ""
            # The server answered; unless it ended the session, the state is known.
            return state.startswith(("08", "57P"))
        current = current.__cause__ or current.__context__
    return True


def discard_in_doubt(context: ExceptionContext) -> None:
    """Every engine's errors (statements, BEGIN, COMMIT, ROLLBACK): a connection in doubt is
    invalidated — this one only, the pool's others stay — and closed at once: SQLAlchemy's own
    invalidation first tries a polite close (2 s), which a hung server never answers."""
    if not in_doubt(context.original_exception):
        return
    if not context.is_disconnect:
        context.is_disconnect = True
        context.invalidate_pool_on_disconnect = False
    if context.connection is not None:
        close_now(context.connection.connection.driver_connection)


def close_now(driver: Any) -> None:
    """Closed at once, without the goodbye a hung server would never answer."""
    if driver is not None and not driver.is_closed():
        driver.terminate()


def refuse_unclean(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pooled connection found closed or inside a transaction is discarded at checkout (the
    pool then takes another): a request never runs inside a transaction it did not begin."""
    driver = dbapi_connection.driver_connection
    if driver.is_closed() or driver.is_in_transaction():
        raise DisconnectionError("pooled connection inside a transaction or closed")
