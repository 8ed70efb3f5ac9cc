"""The webhook as the shared machinery sees it (app/kernel/resources.py), and who reads the
change feed: administrators keep webhooks; the feed shows each caller the events of what it
sees (the audience of each resource's visibility)."""

from __future__ import annotations

from app.access.lifecycle import ADMIN, NOT_AGENCY, Relation, Rule
from app.integration.webhook_models import WEBHOOKS
from app.kernel.resources import ResourceSpec, Section

WEBHOOK = ResourceSpec(
    name="webhook",
    segment="webhooks",
    noun_vi="Webhook",
    table=WEBHOOKS,
    permissions=dict.fromkeys(("read", "create", "update", "delete", "test"), Rule(ADMIN)),
    section=Section(
        "webhooks",
        "Signed deliveries of events to other systems (admin)",
        ("app.integration.webhooks_router",),
    ),
)

# The feed is not a resource of its own: its rows, for the permission table.
EVENT_PERMISSIONS = {
    "read": Rule(NOT_AGENCY, Relation.participant, note="events of what it sees"),
}

EVENTS = Section("events", "The change feed, in commit order", ("app.integration.events_router",))
