"""The proposal as the shared machinery sees it (app/kernel/resources.py)."""

from __future__ import annotations

from app.access.lifecycle import (
    ADMIN,
    EDITORS,
    NOT_AGENCY,
    OFFICE,
    OWNED,
    Lifecycle,
    Relation,
    Rule,
    Transition,
)
from app.access.visibility import AgencyVisibility
from app.core.enums import NoticeKind
from app.core.enums import ProposalStatus as P
from app.kernel.resources import Notices, ResourceSpec, Section
from app.proposals import models as pm
from app.proposals.models import PROPOSALS

# Agency staff see the proposals of their own agency (API.md §1).
PROPOSAL_VISIBILITY = AgencyVisibility("proposal", PROPOSALS, ("submitting_agency_id",))

PROPOSAL_LIFECYCLE = Lifecycle(
    "proposal",
    (
        Transition(pm.SubmitProposal, (P.draft,), P.submitted, OFFICE, Relation.own),
        Transition(pm.ReviewProposal, (P.submitted,), P.under_review, OFFICE),
        Transition(pm.ResolveProposal, (P.under_review,), P.resolved, EDITORS),
        Transition(pm.WithdrawProposal, (P.draft, P.submitted), P.withdrawn, ADMIN, Relation.own),
        Transition(pm.ReopenProposal, (P.resolved,), P.under_review, EDITORS),
    ),
    PROPOSAL_VISIBILITY,
)

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
    service="app.proposals.service",
    lifecycle=PROPOSAL_LIFECYCLE,
    permissions={
        "read": Rule(NOT_AGENCY, Relation.own),
        **dict.fromkeys(("create", "update", "delete", "restore"), OWNED),
        **PROPOSAL_LIFECYCLE.rules(),
        "create_tasks": Rule(EDITORS),
        "comment": Rule(EDITORS, Relation.own),
        "attach": Rule(EDITORS, Relation.own),
    },
    # edited (and deleted) only before the committee acts on it
    editable=(P.draft,),
    section=Section(
        "proposals",
        "Đề xuất, kiến nghị: what agencies ask for",
        ("app.proposals.router",),
    ),
)
