"""Which changes notify which officials: declared once, written by the history statement in
the change's own transaction (`app/kernel/history.py`), sent by the worker
(`app/people/notifications.py`).

A change notifies when its history action is one of `KINDS` for its resource type (a task's
`updated` only when its focal official changed; a comment only when it mentions someone). The
recipients are worked out by the database from the resource as it stands after the change:

- a comment: the officials it mentions;
- a task: its focal official (`lead_official_id`), or, when it names none, the focal points
  (`focal`) of its lead agency;
- a proposal: the focal points of the agency that submitted it.

Only active officials whose `notify` is not `off` are written; the actor's own official is
left out (nobody is told of what they did themself). One notice per event and official (a
unique key), so a change retried or replayed never notifies twice.
"""

from __future__ import annotations

from typing import Any

from app.core.enums import NoticeKind

KINDS: dict[tuple[str, str], NoticeKind] = {
    ("task", "created"): NoticeKind.assigned,
    ("task", "updated"): NoticeKind.assigned,  # only when lead_official_id changed
    ("task", "due_soon"): NoticeKind.due_soon,
    ("task", "overdue"): NoticeKind.overdue,
    ("task", "reminded"): NoticeKind.reminded,
    ("task", "return"): NoticeKind.returned,
    ("task", "extension_decided"): NoticeKind.extension_decided,
    ("proposal", "resolve"): NoticeKind.proposal_answered,
    ("task", "commented"): NoticeKind.mentioned,
    ("proposal", "commented"): NoticeKind.mentioned,
    ("budget_request", "commented"): NoticeKind.mentioned,
}

# The officials a resource's notices go to, besides mentions: (table, focal official column or
# None, agency column whose focal points are told otherwise).
_TARGETS = {
    "task": ("tasks", "lead_official_id", "lead_agency_id"),
    "proposal": ("proposals", None, "submitting_agency_id"),
    "budget_request": ("budget_requests", None, "requesting_agency_id"),
}


def kind_of(
    resource_type: str, action: str, changes: dict[str, Any], mentions: list[str]
) -> str | None:
    """The notice a change sends, if any."""
    kind = KINDS.get((resource_type, action))
    if kind is None:
        return None
    if action == "updated" and "lead_official_id" not in changes:
        return None
    if kind == NoticeKind.mentioned and not mentions:
        return None
    return kind.value


def recipients_sql(resource_type: str) -> str | None:
    """SQL selecting `o.id` of the officials to notify of `:resource_id` (see the module)."""
    target = _TARGETS.get(resource_type)
    if target is None:
        return None
    table, focal, agency = target
    by_agency = f"(o.agency_id = r.{agency} AND o.focal)"
    named = (
        f"CASE WHEN r.{focal} IS NOT NULL THEN o.id = r.{focal} ELSE {by_agency} END"
        if focal
        else by_agency
    )
    return f"""
    SELECT o.id, o.notify FROM {table} AS r JOIN officials AS o
      ON CASE WHEN :notice_kind = 'mentioned' THEN o.id = ANY(:mentions) ELSE {named} END
    WHERE r.id = :resource_id AND o.active AND o.notify <> 'off'
      AND o.id IS DISTINCT FROM :actor_official_id"""


def notice_cte(resource_type: str) -> str:
    """The part of the history statement that writes the change's notices (none for a resource
    type that notifies nobody)."""
    recipients = recipients_sql(resource_type)
    if recipients is None:
        return ""
    return f""", notice AS (
    INSERT INTO notifications (official_id, event_id, kind, resource_type, resource_id, digest,
                               status, attempts, next_attempt_at, created_at)
    SELECT who.id, event.id, :notice_kind, :resource_type, :resource_id, who.notify = 'digest',
           'pending', 0, :occurred_at, :occurred_at
    FROM event, ({recipients}) AS who
    WHERE :notice_kind IS NOT NULL
    ON CONFLICT (event_id, official_id) DO NOTHING
)"""
