"""Reporting periods under Nghị định 09/2019/NĐ-CP (chế độ báo cáo của cơ quan hành chính nhà nước):
figures run from the 15th of the previous month to the 14th of the reporting month, and the
year from 15 December of the previous year to 14 December. `period_mode=calendar` gives plain
calendar periods instead."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

KINDS = ("month", "quarter", "half", "year")
_KEY = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])|H([12])))?$")


@dataclass(frozen=True)
class Period:
    key: str
    kind: str
    start: date
    end: date


def _month_range(year: int, first_month: int, last_month: int, calendar: bool) -> tuple[date, date]:
    """From the start of `first_month` to the end of `last_month` (both of `year`)."""
    if calendar:
        start = date(year, first_month, 1)
        following = date(year + (last_month == 12), last_month % 12 + 1, 1)
        return start, following - timedelta(days=1)
    start = date(year - (first_month == 1), (first_month - 2) % 12 + 1, 15)
    return start, date(year, last_month, 14)


def period(key: str, calendar: bool = False) -> Period:
    """`2023`, `2023-03`, `2023-Q1` or `2023-H1` → its days."""
    match = _KEY.match(key)
    if not match:
        raise ValueError("a period is YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn")
    year = int(match.group(1))
    if match.group(2):
        month = int(match.group(2))
        kind, first, last = "month", month, month
    elif match.group(3):
        quarter = int(match.group(3))
        kind, first, last = "quarter", 3 * quarter - 2, 3 * quarter
    elif match.group(4):
        half = int(match.group(4))
        kind, first, last = "half", 6 * half - 5, 6 * half
    else:
        kind, first, last = "year", 1, 12
    start, end = _month_range(year, first, last, calendar)
    return Period(key, kind, start, end)


def periods(kind: str, year: int, calendar: bool = False) -> list[Period]:
    keys = {
        "month": [f"{year}-{m:02d}" for m in range(1, 13)],
        "quarter": [f"{year}-Q{q}" for q in range(1, 5)],
        "half": [f"{year}-H{h}" for h in (1, 2)],
        "year": [str(year)],
    }[kind]
    return [period(k, calendar) for k in keys]


ROMAN = ("I", "II", "III", "IV")


def title_vi(key: str, start: date, end: date) -> str:
    """A period as offices write it: "Quý II/2023 (15/03/2023 – 14/06/2023)"."""
    match = _KEY.match(key)
    if not match:
        raise ValueError("a period is YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn")
    year, month, quarter, half = match.groups()
    if month:
        name = f"Tháng {int(month)}/{year}"
    elif quarter:
        name = f"Quý {ROMAN[int(quarter) - 1]}/{year}"
    elif half:
        name = f"6 tháng {'đầu' if half == '1' else 'cuối'} năm {year}"
    else:
        name = f"Năm {year}"
    return f"{name} ({start:%d/%m/%Y} – {end:%d/%m/%Y})"
