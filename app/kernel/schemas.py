"""Pieces every schema family shares: the input text rules, timestamps, list wrapper."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Any, Union, get_args

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    PlainSerializer,
    PlainValidator,
    Tag,
    TypeAdapter,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from sqlalchemy import MetaData
from sqlmodel import Field, SQLModel

from app.core.text import MULTILINE_FIELDS, check_single_line, clean_strings

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


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> Any:
    """A calendar day is written YYYY-MM-DD and nothing else: not a number of seconds since
    1970 (`as_of=0`), not a timestamp."""
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value  # from Python, not from a request
    raise ValueError("must be a date written YYYY-MM-DD")


# Every date the API reads, in bodies and in query strings.
IsoDate = Annotated[date, BeforeValidator(_iso_day)]


AGENCY_REF_CODE = r"^[A-Za-z0-9.]{1,35}$"  # an agency's code (mã định danh), as agencies.code
_AGENCY_REF_CODE = re.compile(AGENCY_REF_CODE)


class AgencyCode(str):
    """An agency named by its code in a request, until the service resolves it to the id."""


def _agency_ref(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
        if _AGENCY_REF_CODE.fullmatch(value):
            return AgencyCode(value)
    raise ValueError("must be an agency's id (a UUID) or its code (letters, digits and dots)")


# Wherever a request names an agency, its id or its code (e.g. "000.00.13.H99"): codes are
# what other provincial systems hold. The route resolves codes to ids before the service runs
# (app/agencies/refs.py); an unknown code is a 422 naming the field.
AgencyRef = Annotated[
    uuid.UUID,
    PlainValidator(_agency_ref),
    # written out by the value's own type (a UUID once resolved; the code before)
    PlainSerializer(lambda value: value, return_type=Any),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "uuid"},
                {"type": "string", "pattern": AGENCY_REF_CODE, "maxLength": 35},
            ],
            "description": "An agency's id, or its code (mã định danh).",
        }
    ),
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class InputModel(SQLModel):
    """Base of every request body: unknown fields are refused, strings are cleaned."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    @field_validator("*", mode="before")
    @classmethod
    def _clean_text(cls, value: Any, info: ValidationInfo) -> Any:
        value = clean_strings(value)
        if info.field_name not in MULTILINE_FIELDS:
            check_single_line(value)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _plausible_date(cls, value: Any) -> Any:
        # Calendar dates of this domain lie in 1900–2999; the extremes 0001-01-01 and
        # 9999-12-31 would also reach PostgreSQL as -infinity and infinity.
        if isinstance(value, date) and not isinstance(value, datetime):
            if not (EARLIEST <= value <= LATEST):
                raise ValueError(f"must be between {EARLIEST} and {LATEST}")
        return value


class ActionBody(InputModel):
    """One action of a lifecycle (`POST …/transitions`): its name and a comment kept in the
    history entry. Each action is its own model; the body is their union, told apart by
    `action`."""

    action: str
    comment: str | None = Field(
        default=None, max_length=10_000, description="Kept in the history entry."
    )


class CommentedAction(ActionBody):
    """An action that must say why."""

    comment: str = Field(
        min_length=1, max_length=10_000, description="Required: why (kept in the history entry)."
    )


def _action_of(value: Any) -> Any:
    return value.get("action") if isinstance(value, dict) else getattr(value, "action", None)


def action_union(*models: type[ActionBody]) -> Any:
    """The request body of a lifecycle: one of its action models, chosen by `action` (an
    unknown action is a 422 naming the field and the actions there are)."""
    tags = [get_args(m.model_fields["action"].annotation)[0] for m in models]
    choices = tuple(Annotated[m, Tag(t)] for m, t in zip(models, tags, strict=True))
    return Annotated[
        Union[choices],  # noqa: UP007 - a union built from a tuple
        Discriminator(
            _action_of,
            custom_error_type="unknown_action",
            custom_error_message=f"unknown action; one of {', '.join(tags)}",
        ),
    ]


@cache
def _adapter(union: Any) -> TypeAdapter[Any]:
    return TypeAdapter(union)


def action_body(union: Any, **fields: Any) -> Any:
    """The action model `fields` name, validated as a request body would be (for the demo)."""
    return _adapter(union).validate_python(fields)
