"""The text rules and the search folding, in Python and in SQL."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.text import VIETNAMESE_ACCENTED, TextError, clean_text, fold, search_words


def test_clean_text_normalises_trims_and_refuses_control_characters() -> None:
    assert clean_text("  Ho\u0300a  \n") == "Hòa"
    assert clean_text("a\nb\tc") == "a\nb\tc"
    for bad in ("a\x00b", "a\x1bb", "a\rb", "a\x7fb", "a\x85b"):
        with pytest.raises(TextError):
            clean_text(bad)


def test_fold_and_words() -> None:
    assert fold("Chuyển Đổi Số") == "chuyen doi so"
    assert search_words("  chuyển-đổi   SỐ 2023 ") == ["chuyen", "doi", "so", "2023"]


async def test_sql_fold_agrees_with_python_on_every_vietnamese_letter(engine: AsyncEngine) -> None:
    letters = VIETNAMESE_ACCENTED + VIETNAMESE_ACCENTED.upper() + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    samples = [
        *letters,
        "Sở Thông tin và Truyền thông",
        "ĐẮK LẮK",
        unicodedata.normalize("NFC", "Hòa Bình"),
    ]
    async with engine.connect() as conn:
        for sample in samples:
            folded = (await conn.execute(text("SELECT dondoc_fold(:s)"), {"s": sample})).scalar()
            assert folded == fold(sample), sample
