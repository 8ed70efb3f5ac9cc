"""Enumerations with their labels, and who the caller is."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.access.auth import CurrentCaller
from app.admin.models import Me
from app.api.connections import Reading
from app.api.deps import API_PREFIX, ResourceRoute, problems
from app.api.openapi_contract import CATALOGUE_SCHEMAS
from app.core.labels import enum_catalogue
from app.people import service as officials
from app.people.models import OfficialRead

router = APIRouter(prefix=API_PREFIX, tags=["meta"], route_class=ResourceRoute)


class EnumValue(BaseModel):
    code: str
    label_vi: str
    label_en: str


# Keyed by the name of each enum's schema in the OpenAPI document.
_CATALOGUE = {CATALOGUE_SCHEMAS[name].__name__: values for name, values in enum_catalogue().items()}


@router.get(
    "/meta/enums",
    name="enums",
    summary="Enumerated codes with labels",
    response_model=dict[str, list[EnumValue]],
    responses=problems(),
)
async def enums(caller: CurrentCaller) -> dict[str, list[dict[str, str]]]:
    """Every enum of the API, each code with a Vietnamese and an English label, keyed by the
    name of its schema in the OpenAPI document (`TaskStatus`, `Pillar`, …)."""
    return _CATALOGUE


@router.get("/me", name="me", summary="The caller", response_model=Me, responses=problems())
async def me(
    ctx: Reading,
) -> Me:
    """The caller's role, agency and key, and the official it acts as."""
    caller, conn = ctx.caller, ctx.conn
    official = None
    if caller.official_id is not None:
        official = OfficialRead.model_validate(
            await officials.get(conn, caller, caller.official_id)
        )
    return Me(
        role=caller.role,
        agency_id=caller.agency_id,
        key_name=caller.name,
        key_id=caller.key_id,
        official=official,
    )
