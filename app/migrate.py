"""Alembic, driven from code: `dondoc migrate`, `serve` before it listens, the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(database_url: str) -> None:
    """Bring the schema to the latest revision (blocking; run outside the event loop)."""
    command.upgrade(alembic_config(database_url), "head")


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database's schema is at (one statement, no transaction)."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
