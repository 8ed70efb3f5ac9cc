"""Who reads the reports and freezes them (the permission table's `report` rows): reports are
figures over the resources, not a resource of their own."""

from __future__ import annotations

from app.access.lifecycle import EDITORS, NOT_AGENCY, Relation, Rule
from app.kernel.resources import Section

REPORT_PERMISSIONS = {
    "read": Rule(NOT_AGENCY, Relation.participant, note="its tasks, proposals and requests"),
    "snapshot": Rule(EDITORS),
}

REPORTS = Section(
    "reports",
    "Báo cáo: the quarterly grid, downloadable",
    ("app.reports.router", "app.reports.snapshots_router"),
)
