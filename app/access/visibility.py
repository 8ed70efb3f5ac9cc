"""Who among an agency's staff sees a resource, defined once per resource.

A resource names agencies in columns: one agency each (a task's lead, a proposal's submitter)
or several (a task's cooperating agencies). Staff of role `agency` see a resource that names
their agency; every other role sees all. From that one declaration come the SQL clause for
lists, reads and reports, the participant check on a loaded row, and the audience of the
resource's events (the agencies whose staff may read them in the feed)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, Uuid, any_, bindparam, or_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from app.access.auth import Caller
from app.core.enums import Role


@dataclass(frozen=True)
class AgencyVisibility:
    resource: str
    table: Table
    single: tuple[str, ...]
    many: tuple[str, ...] = ()

    def _named(self, agency: Any, agencies: Any, c: Any = None) -> ColumnElement[bool]:
        c = self.table.c if c is None else c
        return or_(
            *(c[name] == agency for name in self.single),
            *(c[name].contains(agencies) for name in self.many),
        )

    def involving(self, agencies: Any, columns: Any = None) -> ColumnElement[bool]:
        """The rows that name any of `agencies` (ids, or an array parameter), in any of the
        resource's agency columns: "a task involves agency X" as lead or as cooperating agency,
        for filters, reports and a succession alike."""
        if not isinstance(agencies, BindParameter):
            agencies = bindparam(None, list(agencies), type_=ARRAY(Uuid()))
        c = self.table.c if columns is None else columns
        return or_(
            *(c[name] == any_(agencies) for name in self.single),
            *(c[name].overlap(agencies) for name in self.many),
        )

    def clause(self, caller: Caller, columns: Any = None) -> ColumnElement[bool] | None:
        """The rows the caller sees, or None when it sees them all (`columns`: those of a
        subquery standing for the table, such as the tasks as of a day)."""
        if caller.role != Role.agency:
            return None
        return self._named(caller.agency_id, [caller.agency_id], columns)

    def bound_clause(self) -> ColumnElement[bool]:
        """The same with bound parameters `agency_id` and `agency_ids` (see `parameters`), for
        statements built once and reused."""
        return self._named(
            bindparam("agency_id", type_=Uuid()),
            bindparam("agency_ids", type_=ARRAY(Uuid())),
        )

    @staticmethod
    def parameters(caller: Caller) -> dict[str, Any]:
        return {"agency_id": caller.agency_id, "agency_ids": [caller.agency_id]}

    def names(self, caller: Caller, row: Any) -> bool:
        """The loaded row names the caller's agency (an agency caller only)."""
        if caller.role != Role.agency or caller.agency_id is None:
            return False
        agency: uuid.UUID = caller.agency_id
        return any(getattr(row, n) == agency for n in self.single) or any(
            agency in (getattr(row, n) or ()) for n in self.many
        )

    def audience_sql(self) -> str:
        """SQL giving the agencies of the resource `:resource_id`, as it stands."""
        parts = [f"ARRAY[{', '.join(self.single)}]", *self.many]
        return f"(SELECT {' || '.join(parts)} FROM {self.table.name} WHERE id = :resource_id)"
