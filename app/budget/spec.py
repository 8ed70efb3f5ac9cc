"""The budget request as the shared machinery sees it (app/kernel/resources.py)."""

from __future__ import annotations

from app.access.lifecycle import (
    EDITORS,
    FINANCE,
    NOT_AGENCY,
    OFFICE,
    OWNED,
    Lifecycle,
    Relation,
    Rule,
    Transition,
)
from app.access.visibility import AgencyVisibility
from app.budget import models as br
from app.budget.models import BUDGET_REQUESTS, DEADLINE_EXTENSIONS, DISBURSEMENTS
from app.core.enums import BudgetStatus as B
from app.core.enums import Role
from app.kernel.resources import Notices, Record, ResourceSpec, Section

# Agency staff see the budget requests of their own agency (API.md §1).
BUDGET_REQUEST_VISIBILITY = AgencyVisibility(
    "budget_request", BUDGET_REQUESTS, ("requesting_agency_id",)
)

BUDGET_REQUEST_LIFECYCLE = Lifecycle(
    "budget_request",
    (
        Transition(
            br.SubmitBudgetRequest, (B.draft, B.returned), B.submitted, OFFICE, Relation.own
        ),
        Transition(br.StartAppraisal, (B.submitted,), B.under_appraisal, FINANCE),
        Transition(br.AppraiseBudgetRequest, (B.under_appraisal,), B.appraised, FINANCE),
        Transition(
            br.ReturnBudgetRequest,
            (B.submitted, B.under_appraisal, B.appraised),
            B.returned,
            (Role.finance, Role.leader),
        ),
        Transition(br.ApproveBudgetRequest, (B.appraised,), B.approved, (Role.leader,)),
        Transition(br.RejectBudgetRequest, (B.appraised,), B.rejected, (Role.leader,)),
        Transition(br.CloseBudgetRequest, (B.approved,), B.closed, (Role.leader, Role.finance)),
    ),
    BUDGET_REQUEST_VISIBILITY,
)

BUDGET_REQUEST = ResourceSpec(
    name="budget_request",
    segment="budget-requests",
    noun_vi="Đề nghị kinh phí",
    table=BUDGET_REQUESTS,
    code_prefix="KP",
    visibility=BUDGET_REQUEST_VISIBILITY,
    attachable=True,
    commentable=True,
    records=(
        Record("disbursement", DISBURSEMENTS, "budget_request_id"),
        Record("deadline_extension", DEADLINE_EXTENSIONS, "budget_request_id"),
    ),
    notices=Notices(kinds={}, agency_column="requesting_agency_id"),
    service="app.budget.service",
    lifecycle=BUDGET_REQUEST_LIFECYCLE,
    permissions={
        "read": Rule(NOT_AGENCY, Relation.own),
        **dict.fromkeys(("create", "update", "delete", "restore"), OWNED),
        **BUDGET_REQUEST_LIFECYCLE.rules(),
        "disburse": Rule(FINANCE),
        "extend_deadline": Rule((Role.leader, Role.finance)),
        "comment": Rule((*EDITORS, Role.finance), Relation.own),
        "attach": Rule((*EDITORS, Role.finance), Relation.own),
    },
    # edited (and deleted) only before appraisal, or when returned
    editable=(B.draft, B.returned),
    section=Section(
        "budget-requests",
        "Đề nghị bố trí kinh phí: the money, to the đồng",
        ("app.budget.router",),
    ),
)
