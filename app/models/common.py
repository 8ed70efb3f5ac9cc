"""Pieces every schema family shares: the input text rules, timestamps, list wrapper."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import ConfigDict, field_validator
from sqlalchemy import MetaData
from sqlmodel import SQLModel

from app.text import clean_strings

# Stable constraint names, so migrations can refer to them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def utcnow() -> datetime:
    return datetime.now(UTC)


class InputModel(SQLModel):
    """Base of every request body: unknown fields are refused, strings are cleaned."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    @field_validator("*", mode="before")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        return clean_strings(value)

    @field_validator("*", mode="after")
    @classmethod
    def _plausible_date(cls, value: Any) -> Any:
        # Calendar dates of this domain lie in 1900–2999; the extremes 0001-01-01 and
        # 9999-12-31 would also reach PostgreSQL as -infinity and infinity.
        if isinstance(value, date) and not isinstance(value, datetime):
            if not (EARLIEST <= value <= LATEST):
                raise ValueError(f"must be between {EARLIEST} and {LATEST}")
        return value
