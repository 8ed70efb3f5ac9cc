"""The agency as the shared machinery sees it (app/kernel/resources.py): every role sees
agencies; the office keeps them, and an agency's own staff its divisions (phòng, ban)."""

from __future__ import annotations

from app.access.lifecycle import EVERYONE, OFFICE, Relation, Rule
from app.agencies.models import AGENCIES
from app.kernel.resources import ResourceSpec, Section

AGENCY = ResourceSpec(
    name="agency",
    segment="agencies",
    noun_vi="Cơ quan",
    table=AGENCIES,
    permissions={
        "read": EVERYONE,
        **dict.fromkeys(("create", "update", "delete", "restore", "succession"), Rule(OFFICE)),
        **dict.fromkeys(
            ("create_division", "update_division"),
            Rule(OFFICE, Relation.own, note="divisions of its own agency"),
        ),
    },
    section=Section("agencies", "Cơ quan, đơn vị", ("app.agencies.router",)),
)
