"""The injectable clock: "today" is always the province's date, never UTC's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


class Clock:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()


class FixedClock(Clock):
    """A clock standing at one instant (tests, and reports as of a moment)."""

    def __init__(self, tz: ZoneInfo, at: datetime) -> None:
        super().__init__(tz)
        self.at = at

    def now(self) -> datetime:
        return self.at
