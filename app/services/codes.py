"""Human codes `NV-2023-00017`: one PostgreSQL sequence per prefix and year.

Sequences are not transactional, so concurrent creators never wait for each other and never
get the same number; a rolled-back creation leaves a gap, which is allowed.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

PREFIXES = {"task": "NV", "directive": "CD", "proposal": "KN", "budget_request": "KP"}
_known: set[str] = set()


def sequence_name(prefix: str, year: int) -> str:
    if not (1000 <= year <= 9999) or not prefix.isalpha():
        raise ValueError(f"bad code sequence {prefix}-{year}")
    return f"code_{prefix.lower()}_{year}"


def format_code(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:05d}"


async def _ensure_sequence(conn: AsyncConnection, name: str) -> None:
    # Created outside the caller's transaction, so that it exists for everyone at once.
    async with conn.engine.connect() as own:
        await own.execution_options(isolation_level="AUTOCOMMIT")
        try:
            await own.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {name}"))
        except DBAPIError:
            # Two creators at once: one of them reports a duplicate; the sequence exists.
            pass
    _known.add(name)


async def next_code(conn: AsyncConnection, kind: str, year: int) -> str:
    prefix = PREFIXES[kind]
    name = sequence_name(prefix, year)
    if name not in _known:
        await _ensure_sequence(conn, name)
    number = (await conn.execute(text(f"SELECT nextval('{name}')"))).scalar_one()
    return format_code(prefix, year, int(number))


def forget_sequences() -> None:
    """Tests drop the sequences between runs; forget that they existed."""
    _known.clear()
