"""The kernel's shared mechanics."""

from __future__ import annotations

import uuid

from sqlalchemy import Column, Integer, MetaData, String, Table, Uuid
from sqlmodel import SQLModel

from app.admin.models import API_KEYS, ApiKeyRead
from app.agencies.models import AGENCIES, AgencyRead
from app.integration.webhook_models import WEBHOOKS, WebhookRead
from app.kernel.fields import public_columns
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
    from app.budget.models import BudgetRequestRead
    from app.directives.models import DirectiveRead
    from app.proposals.models import ProposalRead
    from app.tasks.models import TaskRead
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


def test_one_visibility_declaration_gives_clause_participant_and_audience() -> None:
    import uuid as _uuid
    from types import SimpleNamespace

    from app.access.auth import Caller
    from app.core.enums import Role
    from app.proposals.spec import PROPOSAL_VISIBILITY
    from app.tasks.spec import TASK_VISIBILITY

    mine, other = _uuid.uuid4(), _uuid.uuid4()
    staff = Caller(role=Role.agency, agency_id=mine)
    led = SimpleNamespace(lead_agency_id=mine, cooperating_agency_ids=[other])
    helping = SimpleNamespace(lead_agency_id=other, cooperating_agency_ids=[mine])
    foreign = SimpleNamespace(lead_agency_id=other, cooperating_agency_ids=[])
    assert TASK_VISIBILITY.names(staff, led) and TASK_VISIBILITY.names(staff, helping)
    assert not TASK_VISIBILITY.names(staff, foreign)
    assert not TASK_VISIBILITY.names(Caller(role=Role.office), led)  # only agency staff
    assert TASK_VISIBILITY.clause(Caller(role=Role.viewer)) is None
    sql = str(TASK_VISIBILITY.clause(staff))
    assert "lead_agency_id" in sql and "cooperating_agency_ids" in sql
    assert TASK_VISIBILITY.audience_sql() == (
        "(SELECT ARRAY[lead_agency_id] || cooperating_agency_ids FROM tasks"
        " WHERE id = :resource_id)"
    )
    assert PROPOSAL_VISIBILITY.audience_sql() == (
        "(SELECT ARRAY[submitting_agency_id] FROM proposals WHERE id = :resource_id)"
    )


def test_if_match_uses_the_strong_comparison() -> None:
    import pytest

    from app.errors.domain import BadRequest, PreconditionFailed, PreconditionRequired
    from app.kernel.precondition import Precondition

    for header in ('"3"', '"1", "3"', "*", ' "2" ,"3"'):
        Precondition.parse(header).check(3)
    for header in ('W/"3"', '"4"', '"03"'):
        with pytest.raises(PreconditionFailed):
            Precondition.parse(header).check(3)
    for header in ("3", '"3', "", "W/3", '"3"; x'):
        with pytest.raises(BadRequest):
            Precondition.parse(header)
    Precondition.parse(None).check(3)  # optional: nothing to compare
    with pytest.raises(PreconditionRequired):
        Precondition.parse(None, required=True).check(3)


async def test_a_weak_tag_never_matches_through_http(world: World) -> None:
    url = f"/api/v1/agencies/{world.lead['id']}"
    h = world.h["office"]
    weak = await world.client.patch(
        url, json={"short_name": "X"}, headers={**h, "If-Match": 'W/"1"'}
    )
    assert weak.status_code == 412
    bare = await world.client.patch(url, json={"short_name": "X"}, headers={**h, "If-Match": "1"})
    assert bare.status_code == 400
    missing = await world.client.patch(url, json={"short_name": "X"}, headers=h)
    assert missing.status_code == 428
    strong = await world.client.patch(
        url, json={"short_name": "X"}, headers={**h, "If-Match": '"1"'}
    )
    assert strong.status_code == 200 and strong.headers["etag"] == '"2"'
