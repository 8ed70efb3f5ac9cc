"""Agencies named by their code in a request (`AgencyRef`), resolved to their ids before the
service runs: one query for every code in the request, an unknown code a 422 naming its field.

Routes whose parameters may hold a code are wrapped once, when the route is built
(`wrap`); the wrapper finds the codes in the request's body models and query lists and
replaces them in place, with the route's own database connection."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Text, bindparam, or_, select
from sqlalchemy.dialects.postgresql import ARRAY

from app.agencies.models import AGENCIES
from app.core.enums import AgencyStatus
from app.errors.domain import field_error
from app.kernel.schemas import AgencyCode

_a = AGENCIES.c
_CODES = bindparam("codes", type_=ARRAY(Text()))
# An agency by its code, or by a code it was known by (a merged province's agencies keep their
# old codes as aliases); the current code wins.
_BY_CODE = select(_a.code, _a.former_codes, _a.id).where(
    or_(_a.code == _CODES.any_(), _a.former_codes.overlap(_CODES)), _a.deleted_at.is_(None)
)
_ACTIVE_BY_CODE = _BY_CODE.where(_a.status == AgencyStatus.active)


async def by_codes(conn: Any, codes: list[str], *, active: bool = False) -> dict[str, uuid.UUID]:
    """The agencies these codes name: each by its code, or by a code it was known by (the
    current code wins). `active`: only agencies in operation (a credential's agency, which a
    merged department can no longer be); otherwise any (a filter may name a merged one)."""
    rows = (await conn.execute(_ACTIVE_BY_CODE if active else _BY_CODE, {"codes": codes})).all()
    ids: dict[str, uuid.UUID] = {}
    for r in rows:
        for former in r.former_codes or ():
            ids.setdefault(former, r.id)
    ids.update({r.code: r.id for r in rows})
    return ids


Slot = tuple[Any, Any, str]  # (container, key or index, field name for the error)


def _collect(value: Any, field: str, found: list[Slot]) -> None:
    """Every place in `value` (a model, a list, a value) that holds an agency code."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            item = getattr(value, name, None)
            if isinstance(item, AgencyCode):
                found.append((value, name, name))
            elif isinstance(item, (BaseModel, list)):
                _collect(item, name, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, AgencyCode):
                found.append((value, index, field))
            elif isinstance(item, BaseModel):
                _collect(item, field, found)


async def resolve(conn: Any, values: dict[str, Any]) -> None:
    """Replace every agency code among the endpoint's arguments by the agency's id."""
    found: list[Slot] = []
    for name, value in values.items():
        if isinstance(value, (BaseModel, list)):
            _collect(value, name, found)
    if not found:
        return
    ids = await by_codes(conn, sorted({str(_get(slot)) for slot in found}))
    for slot in found:
        code = str(_get(slot))
        if code not in ids:
            raise field_error(slot[2], f"no agency with code {code}")
        _set(slot, ids[code])


def _get(slot: Slot) -> Any:
    container, key, _ = slot
    return container[key] if isinstance(container, list) else getattr(container, key)


def _set(slot: Slot, value: uuid.UUID) -> None:
    container, key, _ = slot
    if isinstance(container, list):
        container[key] = value
    else:
        setattr(container, key, value)


Endpoint = Callable[..., Awaitable[Any]]
_RESOLVES = "_dondoc_resolves_agency_codes"


def wrap(endpoint: Endpoint, context_name: str | None) -> Endpoint:
    """The endpoint with the codes among its arguments resolved first (through the connection
    of its context argument `context_name`); the endpoint itself when it has no connection to
    resolve with, or when it resolves them already (a route made again on the app,
    app/main.py: add_routes)."""
    if context_name is None or getattr(endpoint, _RESOLVES, False):
        return endpoint

    @functools.wraps(endpoint)
    async def run(**values: Any) -> Any:
        await resolve(values[context_name].conn, values)
        return await endpoint(**values)

    setattr(run, _RESOLVES, True)
    return run
