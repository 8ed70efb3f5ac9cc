"""Text rules shared by every input (API.md §1) and the search folding rule."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# Characters that change how text reads without being seen: zero-width characters, the byte
# order mark, the soft hyphen, and every bidirectional mark, embedding, override and isolate
# (U+202E makes "exe.txt" read "txt.exe").
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# Free text over several lines; every other text field of a request is a single line.
MULTILINE_FIELDS = frozenset(
    {
        "body",
        "comment",
        "content",
        "description",
        "difficulties",
        "expected_output",
        "justification",
        "message",
        "opinion",
        "reason",
        "recommendations",
        "result",
        "results",
        "text",
    }
)


class TextError(ValueError):
    pass


def check_single_line(value: Any) -> None:
    """Refuse invisible and direction-changing characters in a single-line value (a title, a
    name, a code) or in any string of a list of them."""
    texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    for text in texts:
        if isinstance(text, str) and (found := _INVISIBLE.search(text)):
            raise TextError(
                f"invisible or direction-changing characters (U+{ord(found.group()):04X})"
                " are not allowed here"
            )


def clean_text(value: str) -> str:
    """NFC-normalise, trim, and refuse control characters other than newline and tab."""
    value = unicodedata.normalize("NFC", value).strip()
    if _CONTROL.search(value):
        raise TextError("control characters other than newline and tab are not allowed")
    return value


def clean_strings(value: Any) -> Any:
    """Apply clean_text to every string inside a JSON-like value."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: clean_strings(v) for k, v in value.items()}
    return value


# The same folding is done in SQL by dondoc_fold() (see the first migration); a test
# checks that both agree on every Vietnamese letter.
VIETNAMESE_ACCENTED = "àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ"
VIETNAMESE_BASE = "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
assert len(VIETNAMESE_ACCENTED) == len(VIETNAMESE_BASE)


def fold(value: str) -> str:
    """Lower-case and strip diacritics (đ → d), for diacritics-insensitive search."""
    decomposed = unicodedata.normalize("NFD", value.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_WORD = re.compile(r"\w+")


def search_words(q: str) -> list[str]:
    return _WORD.findall(fold(clean_text(q)))
