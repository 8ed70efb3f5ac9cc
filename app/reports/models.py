"""The answers of the reports (API.md §7): the task grid, its periods, the money and the
proposals, as documented in the OpenAPI document; a frozen report keeps the task grid."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from app.core.enums import BudgetGroupBy, ProposalGroupBy, ProposalStatus, Resolution, TaskGroupBy
from app.directives.models import TaskSummary
from app.kernel.schemas import IsoDate


class PeriodItem(BaseModel):
    key: str
    kind: Literal["month", "quarter", "half", "year"]
    start: IsoDate = Field(alias="from")
    end: IsoDate = Field(alias="to")


class PeriodList(BaseModel):
    items: list[PeriodItem]


class ReportRow(TaskSummary):
    """A group's counts (those of a directive's task summary), its label and rates."""

    key: str | None = Field(
        description="The group: an agency's or directive's id, or the code grouped by; null "
        "in the totals row and for tasks without a value."
    )
    label: str | None
    cancelled: int = Field(description="Cancelled (with a reason): on the books, not judged.")
    on_time_rate: float | None
    # Over a period (null otherwise); each row balances: carried_in + assigned_in_period =
    # completed_in_period_* + cancelled_in_period + open_at_end_* (app/reports/period_columns.py).
    carried_in: int | None = Field(
        default=None,
        description="With a period: assigned before it, neither completed nor cancelled before "
        "its first day.",
    )
    assigned_in_period: int | None = Field(
        default=None, description="Assigned in the period, up to its last day judged."
    )
    fell_due: int | None = Field(
        default=None,
        description="Deadline within the period (up to its last day judged); neither "
        "cancelled, waiting for confirmation nor paused on that day.",
    )
    fell_due_completed: int | None = Field(
        default=None, description="Of those, completed by the period's last day judged."
    )
    completed_in_period_on_time: int | None = None
    completed_in_period_late: int | None = None
    completed_in_period_no_deadline: int | None = None
    cancelled_in_period: int | None = None
    open_at_end_on_track: int | None = Field(
        default=None,
        description="Open at the period's end, judged on its last day (or `as_of`, if earlier).",
    )
    open_at_end_due_soon: int | None = None
    open_at_end_overdue: int | None = None
    open_at_end_no_deadline: int | None = Field(
        default=None, description="Không giao thời hạn: open, without a deadline."
    )
    open_at_end_awaiting_confirmation: int | None = Field(
        default=None, description="Submitted, waiting for the office to confirm it (chờ xác nhận)."
    )
    open_at_end_paused: int | None = Field(default=None, description="Paused by decision.")
    completion_rate: float | None = Field(
        default=None, description="fell_due_completed ÷ fell_due (the Government Office's rate)."
    )
    successor_id: uuid.UUID | None = Field(
        default=None,
        description="Grouped by lead agency: the agency holding this one's work now, where it "
        "has since been merged or dissolved (the last of its successors); the label is the "
        "agency's name as of `as_of`.",
    )
    successor_label: str | None = None


class TaskReport(BaseModel):
    group_by: TaskGroupBy
    period: str | None
    start: IsoDate | None = Field(alias="from", description="First assignment day counted.")
    end: IsoDate | None = Field(alias="to", description="Last assignment day counted.")
    as_of: IsoDate
    items: list[ReportRow]
    totals: ReportRow


class BudgetRow(BaseModel):
    key: str | None = Field(description="The agency's id or the code grouped by; null: totals.")
    label: str | None
    count: int
    requested_vnd: int
    recommended_vnd: int
    approved_vnd: int
    disbursed_vnd: int


class BudgetReport(BaseModel):
    group_by: BudgetGroupBy
    fiscal_year: list[int] | None
    items: list[BudgetRow]
    totals: BudgetRow


class ProposalRow(BaseModel):
    key: str | None = Field(description="The agency's id or the category.")
    label: str | None
    count: int
    by_status: dict[ProposalStatus, int] = Field(description="Non-zero counts by status.")
    by_resolution: dict[Resolution, int] = Field(description="Non-zero counts by resolution.")
    average_days_to_respond: float | None
    overdue_responses: int


class ProposalReport(BaseModel):
    group_by: ProposalGroupBy
    as_of: IsoDate
    items: list[ProposalRow]
