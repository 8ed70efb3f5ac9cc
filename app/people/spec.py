"""The official as the shared machinery sees it (app/kernel/resources.py)."""

from __future__ import annotations

from app.access.lifecycle import NOT_AGENCY, OFFICE, OWNED, Relation, Rule
from app.access.visibility import AgencyVisibility
from app.kernel.resources import ResourceSpec, Section
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
    section=Section(
        "officials",
        "Cán bộ: officials of agencies and their notices",
        ("app.people.router",),
    ),
)


# Comments are threads on the commentable resources (their specs say which): one section.
COMMENTS = Section(
    "comments",
    "Ý kiến trao đổi: threads on tasks, proposals, requests",
    ("app.people.comments_router",),
)
