"""The one registry of resources (app/registry.py): each resource declared once, and what the
shared machinery derives from it agrees with the routes and with the database's own rules."""

from __future__ import annotations

import importlib
import inspect
import re

from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.files import service as attachments
from app.kernel import codes, notices
from app.people import comments, notifications
from app.registry import ATTACHABLE, COMMENTABLE, RECORDS, RESOURCES, SECTIONS, VISIBILITY


def test_each_resource_is_declared_once() -> None:
    for attribute in ("name", "segment", "table"):
        values = [getattr(r, attribute) for r in RESOURCES]
        assert len(values) == len(set(values)), attribute
    prefixes = [r.code_prefix for r in RESOURCES if r.code_prefix]
    assert len(prefixes) == len(set(prefixes))
    assert codes.PREFIXES == {"directive": "CD", "task": "NV", "proposal": "KN"} | {
        "budget_request": "KP"
    }
    # The visibility a spec declares is of its own resource and table.
    for name, seen in VISIBILITY.items():
        spec = next(r for r in RESOURCES if r.name == name)
        assert seen.resource == name and seen.table is spec.table


def test_the_routes_follow_the_registry(app: FastAPI) -> None:
    """Every attachable resource has its attachment routes, every commentable one its thread,
    and no other resource has either."""
    paths = {route.path for route in app.routes if isinstance(route, APIRoute)}
    for spec in RESOURCES:
        base = f"/api/v1/{spec.segment}/{{resource_id}}"
        assert (f"{base}/attachments" in paths) is spec.attachable, spec.name
        assert (f"{base}/comments" in paths) is spec.commentable, spec.name


def test_the_api_is_the_registrys_sections(app: FastAPI) -> None:
    """Every operation of the app comes from one section's routers and carries its tag, in the
    sections' order; each resource with routes has its section, and the document's tags are
    the sections' own."""
    tags = [s.tag for s in SECTIONS]
    assert len(tags) == len(set(tags))
    assert [t["name"] for t in app.openapi()["tags"]] == tags
    declared = []
    for section in SECTIONS:
        for module in section.routers:
            for route in importlib.import_module(module).router.routes:
                assert isinstance(route, APIRoute) and route.tags == [section.tag], route.path
                declared.append((route.path, tuple(sorted(route.methods or ()))))
    served = [
        (route.path, tuple(sorted(route.methods or ())))
        for route in app.routes
        if isinstance(route, APIRoute)
    ]
    assert served == declared
    order = [route.tags[0] for route in app.routes if isinstance(route, APIRoute)]
    assert [t for i, t in enumerate(order) if i == 0 or order[i - 1] != t] == tags
    for spec in RESOURCES:
        assert spec.section is not None and spec.section.tag == spec.segment, spec.name


def test_every_attachable_and_commentable_resource_has_its_loader() -> None:
    """Attaching and commenting load the resource as the caller sees it through its service;
    a resource the registry makes attachable or commentable without one would answer 500."""
    assert set(attachments.PARENTS) == {r.name for r in ATTACHABLE}
    assert set(comments.LOADERS) == {r.name for r in COMMENTABLE}
    for spec in {r.name: r for r in (*ATTACHABLE, *COMMENTABLE)}.values():
        load = attachments.PARENTS.get(spec.name) or comments.LOADERS[spec.name]
        assert spec.service is not None and load.__module__ == spec.service, spec.name
        assert list(inspect.signature(load).parameters)[:2] == ["conn", "caller"], spec.name


def test_notices_follow_the_registry() -> None:
    """A comment on each commentable resource notifies the officials it mentions, and each
    resource that notifies has its recipients; a notice's link and noun are the spec's."""
    for spec in COMMENTABLE:
        assert notices.kind_of(spec.name, "commented", {}, ["someone"]) == "mentioned"
        assert notices.recipients_sql(spec.name) is not None
        assert notifications.SEGMENTS[spec.name] == spec.segment
    assert notices.kind_of("directive", "commented", {}, ["someone"]) is None
    assert notices.recipients_sql("directive") is None
    assert notifications.NOUNS["budget_request"] == "Đề nghị kinh phí"


async def test_the_database_allows_what_the_registry_attaches(engine: AsyncEngine) -> None:
    """The CHECK lists the migrations made on `attachments` name exactly the registry's
    attachable resources and their records: a resource made attachable without its migration
    fails here."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = 'attachments'::regclass AND contype = 'c'"
                    " AND conname IN ('ck_attachments_resource_type',"
                    " 'ck_attachments_record_type')"
                )
            )
        ).all()
    found = {name: definition for name, definition in rows}
    assert set(found) == {"ck_attachments_resource_type", "ck_attachments_record_type"}

    def quoted(definition: str) -> set[str]:
        return set(re.findall(r"'([a-z_]+)'", definition))

    assert quoted(found["ck_attachments_resource_type"]) == {r.name for r in ATTACHABLE}
    assert quoted(found["ck_attachments_record_type"]) == set(RECORDS)
