"""The one registry of resources: each feature declares its resource once (its `spec.py`,
app/kernel/resources.py says what a spec holds) and is named here once. From this list come
the permission table and the lifecycles (app/access/permissions.py enforces them,
docs/permissions.md renders them), the codes' prefixes, who sees what (and the feed's
audience), what documents and comments may be attached to, the records a document may belong
to, which changes notify whom, the nouns and links of the notices, and the resource types the
attachments' CHECK allows.

The API's routers and their OpenAPI tags come from it too. A new resource is its own package
plus one line below (docs/architecture.md traces one)."""

from __future__ import annotations

from collections.abc import Mapping

from app.access.lifecycle import Lifecycle, Rule
from app.access.visibility import AgencyVisibility
from app.admin.spec import API_KEY, META, OPERATIONS
from app.agencies.spec import AGENCY
from app.budget.spec import BUDGET_REQUEST
from app.directives.spec import DIRECTIVE
from app.files.spec import ATTACHMENTS
from app.integration.spec import EVENT_PERMISSIONS, EVENTS, WEBHOOK
from app.kernel.resources import Record, ResourceSpec, Section
from app.people.spec import COMMENTS, OFFICIAL
from app.proposals.spec import PROPOSAL
from app.reports.spec import REPORT_PERMISSIONS, REPORTS
from app.tasks.spec import TASK

# The API, in the order of its OpenAPI document: the resources, and the parts that are not one.
API: tuple[ResourceSpec | Section, ...] = (
    AGENCY,
    DIRECTIVE,
    TASK,
    PROPOSAL,
    BUDGET_REQUEST,
    COMMENTS,
    ATTACHMENTS,
    OFFICIAL,
    REPORTS,
    EVENTS,
    WEBHOOK,
    API_KEY,
    META,
    OPERATIONS,
)

RESOURCES: tuple[ResourceSpec, ...] = tuple(r for r in API if isinstance(r, ResourceSpec))
# Each part's tag and routers (app/main.py includes them, in this order).
SECTIONS: tuple[Section, ...] = tuple(
    section
    for part in API
    if (section := part if isinstance(part, Section) else part.section) is not None
)

BY_NAME: dict[str, ResourceSpec] = {r.name: r for r in RESOURCES}
VISIBILITY: dict[str, AgencyVisibility] = {
    r.name: r.visibility for r in RESOURCES if r.visibility is not None
}
CODE_PREFIXES: dict[str, str] = {r.name: r.code_prefix for r in RESOURCES if r.code_prefix}
ATTACHABLE: tuple[ResourceSpec, ...] = tuple(r for r in RESOURCES if r.attachable)
COMMENTABLE: tuple[ResourceSpec, ...] = tuple(r for r in RESOURCES if r.commentable)
# The records a document may belong to: record type → (its resource, the record).
RECORDS: dict[str, tuple[ResourceSpec, Record]] = {
    record.name: (r, record) for r in ATTACHABLE for record in r.records
}
# Who may take each action on each resource (and on the feed and the reports, which are not
# resources of their own); the lifecycles, whose transitions are rows of it.
PERMISSIONS: dict[str, Mapping[str, Rule]] = {
    **{r.name: r.permissions for r in RESOURCES if r.permissions is not None},
    "event": EVENT_PERMISSIONS,
    "report": REPORT_PERMISSIONS,
}
LIFECYCLES: dict[str, Lifecycle] = {r.name: r.lifecycle for r in RESOURCES if r.lifecycle}
EDITABLE: dict[str, tuple[str, ...]] = {r.name: r.editable for r in RESOURCES if r.editable}
