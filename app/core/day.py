"""The day every rule is judged on: today in the province (or the `as_of` a caller asked for),
with the settings that turn a deadline into "due soon" and bound a backdated completion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Day:
    """The day rules are evaluated on (today in the province, or `as_of`)."""

    today: date
    soon_days: int
    backdate_days: int = 5  # DONDOC_COMPLETION_BACKDATE_DAYS
