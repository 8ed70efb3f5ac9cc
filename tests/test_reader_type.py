"""The read side is typed as what it is: a read service that calls a method the read pool does
not have is a type error, not a failure at run time."""

from __future__ import annotations

from pathlib import Path

from mypy import api

SNIPPET = """
from sqlalchemy import select, literal
from app.db import Reader

async def one(conn: Reader) -> object:
    return (await conn.execute(select(literal(1)))).{call}()
"""


def _check(tmp_path: Path, call: str) -> tuple[str, int]:
    source = tmp_path / "snippet.py"
    source.write_text(SNIPPET.format(call=call))
    out, _, status = api.run([str(source), "--no-incremental", "--follow-imports=silent"])
    return out, status


def test_a_method_the_read_pool_lacks_is_a_type_error(tmp_path: Path) -> None:
    out, status = _check(tmp_path, "scalar_one_or_none")
    assert status == 1 and "scalar_one_or_none" in out, out
    out, status = _check(tmp_path, "scalar_one")
    assert status == 0, out
