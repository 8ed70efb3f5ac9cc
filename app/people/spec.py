"""The official as the shared machinery sees it (app/kernel/resources.py)."""

from __future__ import annotations

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
)
