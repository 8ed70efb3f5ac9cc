"""The official as the shared machinery sees it (app/kernel/resources.py)."""

from __future__ import annotations

from app.access.lifecycle import NOT_AGENCY, OFFICE, OWNED, Relation, Rule
from app.access.visibility import AgencyVisibility
from app.kernel.resources import ResourceSpec
from app.people.models import OFFICIALS

# Agency staff see the officials of their own agency.
OFFICIAL_VISIBILITY = AgencyVisibility("official", OFFICIALS, ("agency_id",))

OFFICIAL = ResourceSpec(
    name="official",
    segment="officials",
    noun_vi="Cán bộ",
    table=OFFICIALS,
    visibility=OFFICIAL_VISIBILITY,
    permissions={
        "read": Rule(NOT_AGENCY, Relation.own),
        **dict.fromkeys(("create", "update"), OWNED),
        "read_notifications": Rule(OFFICE, Relation.self),
        # how they are told (immediate, digest, off): every official chooses for themself
        "choose_notify": Rule(OFFICE, Relation.self),
    },
)
