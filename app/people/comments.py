"""Comments: the thread of a task, a proposal or a budget request between the office, leaders
and the agencies involved. Seen by whoever sees the resource; written by the roles and
agencies the permission table names (`comment`); each one a history entry and an event, and a
notice to every official it mentions."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access import permissions
from app.access.auth import Caller
from app.agencies.models import AGENCIES
from app.core.enums import AgencyKind
from app.core.ids import uuid7
from app.db import Reader
from app.errors.domain import NotFound, field_error
from app.kernel import history
from app.kernel.filters import shaped_page
from app.kernel.listing import ListParams, Page
from app.kernel.resources import Loader, loader
from app.kernel.schemas import utcnow
from app.people import service as officials
from app.people.comment_models import COMMENTS, CommentCreate
from app.registry import COMMENTABLE, VISIBILITY

c = COMMENTS.c


# Each commentable resource as the caller sees it, by its service's `load` (its spec names it).
LOADERS: dict[str, Loader] = {r.name: loader(r) for r in COMMENTABLE}


def involved_agencies(resource_type: str, row: Any) -> set[uuid.UUID]:
    """The agencies a resource names (whose staff see it)."""
    seen = VISIBILITY[resource_type]
    named: set[uuid.UUID] = {getattr(row, col) for col in seen.single}
    for col in seen.many:
        named.update(getattr(row, col) or ())
    named.discard(None)  # type: ignore[arg-type,unused-ignore]
    return named


async def _check_mentions(
    conn: AsyncConnection, resource_type: str, row: Any, mentions: list[uuid.UUID]
) -> None:
    """Each official mentioned is active and works for an agency the resource names, or for
    the provincial committee (its leaders and office): a mention must not show the resource
    to someone who may not see it."""
    found = await officials.active_in(conn, mentions, "mentions")
    involved = involved_agencies(resource_type, row)
    outside = {o.agency_id for o in found} - involved
    if outside:
        a = AGENCIES.c
        committee = set(
            (
                await conn.execute(
                    select(a.id).where(
                        a.id.in_(list(outside)), a.kind == AgencyKind.provincial_committee
                    )
                )
            ).scalars()
        )
        for o in found:
            if o.agency_id in outside - committee:
                raise field_error(
                    "mentions",
                    f"official {o.id} works for an agency this {resource_type.replace('_', ' ')}"
                    " does not involve",
                )


async def create(
    conn: AsyncConnection,
    caller: Caller,
    resource_type: str,
    resource_id: uuid.UUID,
    data: CommentCreate,
) -> dict[str, Any]:
    row = await LOADERS[resource_type](conn, caller, resource_id)
    permissions.require(caller, resource_type, "comment", row)
    mentions = list(dict.fromkeys(data.mentions))
    await _check_mentions(conn, resource_type, row, mentions)
    values = {
        "id": uuid7(),
        "resource_type": resource_type,
        "resource_id": resource_id,
        "body": data.body,
        "mentions": mentions,
        "author_id": caller.key_id,
        "author_name": caller.name,
        "author_role": caller.role.value,
        "author_official_id": caller.official_id,
        "created_at": utcnow(),
    }
    created = (await conn.execute(COMMENTS.insert().values(**values).returning(*c))).one()
    changes: dict[str, dict[str, Any]] = {"comment_id": {"old": None, "new": str(created.id)}}
    if mentions:
        changes["mentions"] = {"old": None, "new": [str(m) for m in mentions]}
    await history.record(conn, caller, resource_type, resource_id, "commented", changes, data.body)
    return dict(created._mapping)


async def get(
    conn: Reader,
    caller: Caller,
    resource_type: str,
    resource_id: uuid.UUID,
    comment_id: uuid.UUID,
) -> dict[str, Any]:
    await LOADERS[resource_type](conn, caller, resource_id)
    row = (
        await conn.execute(
            select(*c).where(
                c.id == comment_id,
                c.resource_type == resource_type,
                c.resource_id == resource_id,
            )
        )
    ).first()
    if row is None:
        raise NotFound(
            f"No comment with id {comment_id} on this {resource_type.replace('_', ' ')}."
        )
    return dict(row._mapping)


async def list_(
    conn: Reader, caller: Caller, resource_type: str, resource_id: uuid.UUID, params: ListParams
) -> Page:
    """The thread, oldest first (sort `-created_at` for newest first)."""
    await LOADERS[resource_type](conn, caller, resource_id)
    return await shaped_page(
        conn,
        caller,
        COMMENTS,
        tuple(c),
        params,
        sort_keys={"created_at": c.created_at},
        default_sort="created_at",
        any_of=(
            ("resource_type", [resource_type], c.resource_type),
            ("resource_id", [resource_id], c.resource_id),
        ),
    )
