"""The kernel's shared mechanics."""

from __future__ import annotations

import uuid

from sqlalchemy import Column, Integer, MetaData, String, Table, Uuid
from sqlmodel import SQLModel

from app.kernel.fields import public_columns
from app.models.agencies import AGENCIES, AgencyRead
from app.models.api_keys import API_KEYS, ApiKeyRead
from app.models.webhooks import WEBHOOKS, WebhookRead
from tests.conftest import World


class ThingRead(SQLModel):
    id: uuid.UUID
    name: str


def test_a_column_the_read_schema_does_not_name_stays_private() -> None:
    # A migration adds a column: it is not shown until the Read schema says so.
    things = Table(
        "things",
        MetaData(),
        Column("id", Uuid),
        Column("name", String),
        Column("secret_hash", String),
        Column("internal_rank", Integer),
    )
    assert [c.name for c in public_columns(things, ThingRead)] == ["id", "name"]


def test_hashes_secrets_and_search_vectors_are_never_selected() -> None:
    assert "key_hash" not in {c.name for c in public_columns(API_KEYS, ApiKeyRead)}
    assert "secret" not in {c.name for c in public_columns(WEBHOOKS, WebhookRead)}
    assert "search" not in {c.name for c in public_columns(AGENCIES, AgencyRead)}


async def test_every_body_shows_exactly_its_read_schema(world: World) -> None:
    from app.models.budget_requests import BudgetRequestRead
    from app.models.directives import DirectiveRead
    from app.models.proposals import ProposalRead
    from app.models.tasks import TaskRead
    from tests.routers.test_budget_requests import ask
    from tests.routers.test_directives import directive
    from tests.routers.test_proposals import propose

    h = world.h["office"]
    made = {
        "/api/v1/tasks": (await world.task(), TaskRead),
        "/api/v1/agencies": (world.lead, AgencyRead),
        "/api/v1/directives": (await directive(world), DirectiveRead),
        "/api/v1/proposals": (await propose(world), ProposalRead),
        "/api/v1/budget-requests": (await ask(world), BudgetRequestRead),
    }
    for path, (body, read) in made.items():
        shown = (await world.client.get(f"{path}/{body['id']}", headers=h)).json()
        assert set(shown) == set(read.model_fields), path
        listed = (await world.client.get(path, headers=h)).json()["items"][0]
        assert set(listed) <= set(read.model_fields), path
