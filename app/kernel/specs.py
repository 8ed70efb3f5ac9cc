"""The resources' declarations the kernel works from, in one place that depends only on the
models (so that history, the feed and every service read the same ones)."""

from __future__ import annotations

from app.access.visibility import AgencyVisibility
from app.budget.models import BUDGET_REQUESTS
from app.people.models import OFFICIALS
from app.proposals.models import PROPOSALS
from app.tasks.models import TASKS

# Agency staff see the tasks their agency leads or cooperates on, and the proposals and budget
# requests of their own agency (API.md §1); other resources are seen by every role.
TASK_VISIBILITY = AgencyVisibility("task", TASKS, ("lead_agency_id",), ("cooperating_agency_ids",))
PROPOSAL_VISIBILITY = AgencyVisibility("proposal", PROPOSALS, ("submitting_agency_id",))
BUDGET_REQUEST_VISIBILITY = AgencyVisibility(
    "budget_request", BUDGET_REQUESTS, ("requesting_agency_id",)
)
# Agency staff see the officials of their own agency.
OFFICIAL_VISIBILITY = AgencyVisibility("official", OFFICIALS, ("agency_id",))
VISIBILITY: dict[str, AgencyVisibility] = {
    v.resource: v
    for v in (TASK_VISIBILITY, PROPOSAL_VISIBILITY, BUDGET_REQUEST_VISIBILITY, OFFICIAL_VISIBILITY)
}
