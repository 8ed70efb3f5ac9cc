"""Every enumerated code of the API with its Vietnamese and English label (API.md)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    office = "office"
    leader = "leader"
    finance = "finance"
    agency = "agency"
    viewer = "viewer"


class AgencyKind(StrEnum):
    provincial_committee = "provincial_committee"
    department = "department"
    board = "board"
    district_committee = "district_committee"
    commune_committee = "commune_committee"
    public_service_unit = "public_service_unit"
    central_agency = "central_agency"
    other = "other"
    division = "division"  # phòng, ban: a unit of a department, under it (parent_id)


class AgencyStatus(StrEnum):
    active = "active"
    merged = "merged"
    dissolved = "dissolved"


class DirectiveKind(StrEnum):
    meeting_conclusion = "meeting_conclusion"
    decision = "decision"
    official_letter = "official_letter"
    plan = "plan"
    other = "other"


class DirectiveStatus(StrEnum):
    draft = "draft"
    issued = "issued"
    closed = "closed"
    withdrawn = "withdrawn"


class TaskStatus(StrEnum):
    new = "new"
    in_progress = "in_progress"
    awaiting_confirmation = "awaiting_confirmation"
    completed = "completed"
    paused = "paused"
    cancelled = "cancelled"


class Priority(StrEnum):
    normal = "normal"
    urgent = "urgent"
    flash = "flash"


class Pillar(StrEnum):
    digital_government = "digital_government"
    digital_economy = "digital_economy"
    digital_society = "digital_society"
    foundation = "foundation"


class Recurrence(StrEnum):
    none = "none"
    ongoing = "ongoing"


class Timeliness(StrEnum):
    on_track = "on_track"
    due_soon = "due_soon"
    overdue = "overdue"
    no_deadline = "no_deadline"
    completed_on_time = "completed_on_time"
    completed_late = "completed_late"
    completed_no_deadline = "completed_no_deadline"
    awaiting_confirmation = "awaiting_confirmation"
    paused = "paused"


class ReminderKind(StrEnum):
    manual = "manual"
    due_soon = "due_soon"
    overdue = "overdue"


class ReminderChannel(StrEnum):
    system = "system"
    document = "document"
    sms = "sms"


class ProposalCategory(StrEnum):
    direction = "direction"
    policy_approval = "policy_approval"
    funding = "funding"
    deadline_extension = "deadline_extension"
    personnel_training = "personnel_training"
    other = "other"


class ProposalStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    under_review = "under_review"
    resolved = "resolved"
    withdrawn = "withdrawn"


class Resolution(StrEnum):
    accepted = "accepted"
    partially_accepted = "partially_accepted"
    rejected = "rejected"
    referred = "referred"


class ExpenditureType(StrEnum):
    investment = "investment"
    recurrent = "recurrent"


class BudgetPurpose(StrEnum):
    capital_shortfall = "capital_shortfall"
    expert_hiring = "expert_hiring"
    training = "training"
    operations = "operations"
    equipment = "equipment"
    other = "other"


class FundingSource(StrEnum):
    central = "central"
    provincial = "provincial"
    other = "other"


class BudgetStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    under_appraisal = "under_appraisal"
    appraised = "appraised"
    approved = "approved"
    rejected = "rejected"
    returned = "returned"
    closed = "closed"


class ExtensionStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class DeadlineChangeKind(StrEnum):
    extension = "extension"  # an approved extension request
    adjustment = "adjustment"  # decided by the office or a leader


class SuccessionStatus(StrEnum):
    """What an agency becomes when its work passes to a successor."""

    merged = "merged"
    dissolved = "dissolved"


class TaskGroupBy(StrEnum):
    lead_agency = "lead_agency"
    pillar = "pillar"
    field = "field"
    directive = "directive"
    priority = "priority"
    assigned_by_name = "assigned_by_name"


class BudgetGroupBy(StrEnum):
    agency = "agency"
    funding_source = "funding_source"
    expenditure_type = "expenditure_type"
    purpose = "purpose"


class ProposalGroupBy(StrEnum):
    agency = "agency"
    category = "category"


class PeriodMode(StrEnum):
    decree_09 = "decree_09"  # Nghị định 09/2019: months from the 15th
    calendar = "calendar"


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


def sql_in(enum: type[StrEnum]) -> str:
    """`IN ('a','b')` list for a CHECK constraint."""
    return "(" + ",".join(f"'{m.value}'" for m in enum) + ")"


class NotifyMode(StrEnum):
    """How an official receives notices by e-mail."""

    immediate = "immediate"
    digest = "digest"  # one mail a day with every notice of the day
    off = "off"


class NoticeStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class NoticeKind(StrEnum):
    assigned = "assigned"
    due_soon = "due_soon"
    overdue = "overdue"
    reminded = "reminded"
    returned = "returned"
    extension_decided = "extension_decided"
    proposal_answered = "proposal_answered"
    mentioned = "mentioned"
