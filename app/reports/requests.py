"""Reports of what agencies ask: budget requests (money requested, recommended, approved and
disbursed, by status) and proposals (by status and resolution, with the time taken to answer),
grouped by agency or by a field of theirs."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, cast, func, literal

from app.access.auth import Caller
from app.budget.models import BUDGET_REQUESTS
from app.budget.spec import BUDGET_REQUEST_VISIBILITY
from app.core.enums import BudgetStatus, ProposalStatus, Resolution
from app.core.labels import LABELS
from app.db import Reader
from app.proposals.models import PROPOSALS
from app.proposals.spec import PROPOSAL_VISIBILITY
from app.reports.service import (
    _by_agency,
    _by_column,
    _count_each,
    _grouped,
    _label,
    _nonzero,
    _visible,
)

# --- budget ------------------------------------------------------------------------------


BUDGET_GROUPS = ("agency", "funding_source", "expenditure_type", "purpose")
BUDGET_STATUSES = tuple(s.value for s in BudgetStatus)
MONEY = ("requested_vnd", "recommended_vnd", "approved_vnd", "disbursed_vnd")
BUDGET_HEADERS_VI = {
    "count": "Số đề nghị",
    "requested_vnd": "Đề nghị (đồng)",
    "recommended_vnd": "Thẩm định đề xuất (đồng)",
    "approved_vnd": "Được phê duyệt (đồng)",
    "disbursed_vnd": "Đã giải ngân (đồng)",
}


BUDGET_LABELS = {
    "funding_source": "funding_source",
    "expenditure_type": "expenditure_type",
    "purpose": "budget_purpose",
}


async def budget_report(
    conn: Reader, caller: Caller, group_by: str, fiscal_year: list[int] | None
) -> dict[str, Any]:
    b = BUDGET_REQUESTS.c
    grouping = (
        _by_agency(BUDGET_REQUESTS, b.requesting_agency_id)
        if group_by == "agency"
        else _by_column(BUDGET_REQUESTS, b[group_by])
    )
    money = {
        "requested_vnd": b.amount_requested_vnd,
        "recommended_vnd": b.amount_recommended_vnd,
        "approved_vnd": b.amount_approved_vnd,
        "disbursed_vnd": b.disbursed_vnd,
    }
    columns = [
        *(
            cast(func.coalesce(func.sum(col), 0), BigInteger).label(name)
            for name, col in money.items()
        ),
        *_count_each(b.status, BUDGET_STATUSES, "status"),
    ]
    clauses = _visible(BUDGET_REQUEST_VISIBILITY, caller)
    if fiscal_year:
        clauses.append(b.fiscal_year.in_(fiscal_year))
    labels = LABELS.get(BUDGET_LABELS.get(group_by, ""), {})
    rows = [
        {
            "key": m["key"],
            "label": _label(m, labels),
            "count": m["count"],
            **{name: int(m[name]) for name in MONEY},
            "by_status": _nonzero(m, BUDGET_STATUSES, "status"),
        }
        for m in await _grouped(conn, grouping, columns, clauses)
    ]
    totals: dict[str, Any] = {
        "key": None,
        "label": "Tổng cộng",
        "count": sum(r["count"] for r in rows),
        **{name: sum(r[name] for r in rows) for name in MONEY},
        "by_status": {
            s: n for s in BUDGET_STATUSES if (n := sum(r["by_status"].get(s, 0) for r in rows))
        },
    }
    return {"group_by": group_by, "fiscal_year": fiscal_year, "items": rows, "totals": totals}


# --- proposals ---------------------------------------------------------------------------


PROPOSAL_GROUPS = ("agency", "category")
PROPOSAL_STATUSES = tuple(s.value for s in ProposalStatus)
RESOLUTIONS = tuple(r.value for r in Resolution)


async def proposal_report(
    conn: Reader,
    caller: Caller,
    group_by: str,
    as_of: date,
    start: date | None,
    end: date | None,
) -> dict[str, Any]:
    p = PROPOSALS.c
    grouping = (
        _by_agency(PROPOSALS, p.submitting_agency_id, as_of)
        if group_by == "agency"
        else _by_column(PROPOSALS, p.category)
    )
    days = cast(p.response["responded_on"].astext, Date) - p.submitted_on
    awaiting = p.status.in_((ProposalStatus.submitted, ProposalStatus.under_review))
    columns = [
        *_count_each(p.status, PROPOSAL_STATUSES, "status"),
        *_count_each(p.resolution, RESOLUTIONS, "resolution"),
        func.avg(days).filter(p.status == ProposalStatus.resolved).label("average_days_to_respond"),
        cast(func.count().filter(awaiting, p.response_due_date < literal(as_of)), Integer).label(
            "overdue_responses"
        ),
    ]
    clauses = _visible(PROPOSAL_VISIBILITY, caller)
    if start is not None:
        clauses.append(p.submitted_on >= start)
    if end is not None:
        clauses.append(p.submitted_on <= end)
    labels = LABELS["proposal_category"] if group_by == "category" else {}
    rows = [
        {
            "key": m["key"],
            "label": _label(m, labels),
            "count": m["count"],
            "by_status": _nonzero(m, PROPOSAL_STATUSES, "status"),
            "by_resolution": _nonzero(m, RESOLUTIONS, "resolution"),
            "average_days_to_respond": None
            if m["average_days_to_respond"] is None
            else round(float(m["average_days_to_respond"]), 1),
            "overdue_responses": m["overdue_responses"],
        }
        for m in await _grouped(conn, grouping, columns, clauses)
    ]
    return {"group_by": group_by, "as_of": as_of, "items": rows}
