"""The cursor codec of every sortable column type: values come back as they went, and a cursor
whose values cannot be of the column's type is a 400, never a database error."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Uuid,
)

from app.budget import service as budget_requests
from app.directives import service as directives
from app.errors.domain import BadRequest
from app.kernel.listing import SortKey, decode_cursor, encode_cursor
from app.tasks import lists as task_lists

probe = Table(
    "probe",
    MetaData(),
    Column("id", Uuid),
    Column("big", BigInteger),
    Column("int", Integer),
    Column("small", SmallInteger),
    Column("text", String),
    Column("day", Date),
    Column("moment", DateTime(timezone=True)),
    Column("ref", Uuid),
)


class Row:
    def __init__(self, **values: Any) -> None:
        self._mapping = values
        self.id = values["id"]


def keys_for(*names: str) -> list[SortKey]:
    return [SortKey(name, probe.c[name], False, name) for name in names]


def cursor_of(names: list[str], values: list[Any]) -> str:
    payload = orjson.dumps({"s": names, "v": values})
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("big", 2**63 - 1),
        ("big", -(2**63)),
        ("big", 10**15),
        ("big", 2_147_483_648),
        ("int", 2**31 - 1),
        ("small", 2**15 - 1),
        ("text", "NV-2023-00017"),
        ("day", date(2023, 12, 31)),
        ("moment", datetime(2023, 3, 6, 1, 2, 3, 456789, tzinfo=UTC)),
        ("ref", uuid.uuid4()),
    ],
)
def test_values_survive_the_round_trip(name: str, value: Any) -> None:
    keys = keys_for(name)
    row_id = uuid.uuid4()
    cursor = encode_cursor(keys, Row(**{name: value, "id": row_id}))
    assert decode_cursor(cursor, keys) == [value, row_id]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("big", 2**63),
        ("int", 2**31),
        ("int", -(2**31) - 1),
        ("small", 2**15),
        ("int", True),
        ("int", 1.5),
        ("int", "7"),
        ("int", {"a": 1}),
        ("text", ["x"]),
        ("text", "a\x00b"),
        ("text", 5),
        ("day", 0),
        ("day", "31/12/2023"),
        ("moment", {"x": 1}),
        ("ref", False),
    ],
)
def test_values_of_the_wrong_type_or_range_are_a_bad_cursor(name: str, value: Any) -> None:
    with pytest.raises(BadRequest):
        decode_cursor(cursor_of([name], [value, str(uuid.uuid4())]), keys_for(name))


@pytest.mark.parametrize("payload", [b"[]", b"null", b"7", b'{"s": ["int"], "v": {}}', b"{"])
def test_cursors_that_are_not_cursors(payload: bytes) -> None:
    cursor = base64.urlsafe_b64encode(payload).decode()
    with pytest.raises(BadRequest):
        decode_cursor(cursor, keys_for("int"))
    with pytest.raises(BadRequest):
        decode_cursor(cursor_of(["int"], [1, None]), keys_for("int"))


def test_every_sort_key_of_the_services_has_a_codec() -> None:
    samples = {int: 7, str: "NV-2023-00001", date: date(2023, 1, 1), datetime: datetime.now(UTC)}
    for mapping in (task_lists.SORT_KEYS, directives.SORT_KEYS):
        for name, column in mapping.items():
            key = SortKey(name, column, False, name)
            kind = column.type
            kind = getattr(kind, "impl_instance", kind)  # SQLModel's AutoString wraps String
            value = samples[kind.python_type]
            cursor = encode_cursor([key], Row(**{name: value, "id": uuid.uuid4()}))
            assert decode_cursor(cursor, [key])[0] == value, name
    assert isinstance(budget_requests.b.amount_requested_vnd.type, BigInteger)
