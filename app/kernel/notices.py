"""Which changes notify which officials: declared once, written by the history statement in
the change's own transaction (`app/kernel/history.py`), sent by the worker
(`app/people/notifications.py`).

Each resource declares the notices of its changes in its spec (`Notices`, gathered by
`app/registry.py`). A change notifies when its history action is one of `KINDS` for its
resource type (a task's
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
from app.registry import RESOURCES

KINDS: dict[tuple[str, str], NoticeKind] = {
    **{
        (r.name, action): kind
        for r in RESOURCES
        if r.notices is not None
        for action, kind in r.notices.kinds.items()
    },
    **{(r.name, "commented"): NoticeKind.mentioned for r in RESOURCES if r.commentable},
}

# The officials a resource's notices go to, besides mentions: (table, focal official column or
# None, agency column whose focal points are told otherwise).
_TARGETS = {
    r.name: (r.table.name, r.notices.focal_column, r.notices.agency_column)
    for r in RESOURCES
    if r.notices is not None
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
