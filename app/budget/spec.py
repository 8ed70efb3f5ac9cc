"""The budget request as the shared machinery sees it (app/kernel/resources.py)."""

from __future__ import annotations

from app.access.visibility import AgencyVisibility
from app.budget.models import BUDGET_REQUESTS, DEADLINE_EXTENSIONS, DISBURSEMENTS
from app.kernel.resources import Notices, Record, ResourceSpec

# Agency staff see the budget requests of their own agency (API.md §1).
BUDGET_REQUEST_VISIBILITY = AgencyVisibility(
    "budget_request", BUDGET_REQUESTS, ("requesting_agency_id",)
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
)
