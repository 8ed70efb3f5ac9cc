"""The proposal as the shared machinery sees it (app/kernel/resources.py)."""

from __future__ import annotations

from app.access.visibility import AgencyVisibility
from app.core.enums import NoticeKind
from app.kernel.resources import Notices, ResourceSpec
from app.proposals.models import PROPOSALS

# Agency staff see the proposals of their own agency (API.md §1).
PROPOSAL_VISIBILITY = AgencyVisibility("proposal", PROPOSALS, ("submitting_agency_id",))

PROPOSAL = ResourceSpec(
    name="proposal",
    segment="proposals",
    noun_vi="Kiến nghị",
    table=PROPOSALS,
    code_prefix="KN",
    visibility=PROPOSAL_VISIBILITY,
    attachable=True,
    commentable=True,
    notices=Notices(
        kinds={"resolve": NoticeKind.proposal_answered}, agency_column="submitting_agency_id"
    ),
)
