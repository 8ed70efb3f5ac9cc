"""The query string of a list, as one pydantic model per list (FastAPI's query parameter
models): the page (`ListQuery`), the day deadlines are judged on where the list shows
timeliness (`AsOfListQuery`), and the list's own filters in the feature's subclass.

Each model forbids what it does not name; `ResourceRoute` answers an unknown parameter with 400
before the model is validated (api/deps.py), so the model's `extra="forbid"` is the second
guard, for a route made without it."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from app.core.day import Day
from app.files import exports
from app.kernel.listing import DEFAULT_LIMIT, MAX_LIMIT, ListParams
from app.kernel.schemas import IsoDate

EXPORT_LIMIT = 100_000  # a download holds every row, not one page
# A year in a filter: the domain's years (and within PostgreSQL's integer).
Year = Annotated[int, Field(ge=1900, le=2999)]


class ListQuery(BaseModel):
    """The page of a list: its size, where it starts, its order, whether to count."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(
        DEFAULT_LIMIT,
        ge=1,
        description=f"Page size (default {DEFAULT_LIMIT}; above {MAX_LIMIT} is clamped).",
    )
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    sort: str | None = Field(None, description="Comma list of keys, `-` for descending.")
    count: bool = Field(False, description="Also return `total`.")
    include_deleted: bool = Field(False, description="Include soft-deleted items.")

    def page(self, request: Request) -> ListParams:
        """The page asked for; a download (`GET /tasks.csv`) holds every row, uncounted."""
        if exports.wanted(request) is not None:
            return ListParams(EXPORT_LIMIT, None, self.sort, False, self.include_deleted)
        return ListParams(
            min(self.limit, MAX_LIMIT), self.cursor, self.sort, self.count, self.include_deleted
        )

    def filters(self, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The list's own filters by name (what a subclass adds to the page and the day), as
        the route received them (agency codes already resolved to ids)."""
        shared = AsOfListQuery.model_fields.keys()
        return {
            name: getattr(self, name)
            for name in type(self).model_fields
            if name not in shared and name not in exclude
        }


class AsOfListQuery(ListQuery):
    """A list that shows timeliness: the day its deadlines are judged on."""

    as_of: IsoDate | None = Field(
        None, description="Evaluate deadlines as of this day (default today)."
    )

    def day(self, today: Day) -> Day:
        """The day of the list: `as_of`, or today (the `Today` dependency, api/deps.py)."""
        return today if self.as_of is None else replace(today, today=self.as_of)
