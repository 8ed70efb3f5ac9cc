"""The reorganisation of 2025, loaded after the year 2023 the demo replays: on 1 March the
Department of Information and Communications merged into Science and Technology (its press and
electronic-information tasks to Culture, Sports and Tourism), Planning and Investment into
Finance; on 1 July the district level ended, and the city committee's open work went to the
wards that replaced it, directly under the province. The wards are illustrative. A report as of
2023 still names who held the work then (docs/reorganisation.md)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.access.auth import Caller
from app.agencies import succession
from app.agencies.models import SuccessionCreate, SuccessorShare
from app.core.enums import AgencyKind, SuccessionStatus
from app.kernel.precondition import ABSENT
from demo import people as demo_people
from demo.data import CITY, CULTURE, FINANCE, ICT, PLANNING, PROVINCE, SCIENCE

MARCH = date(2025, 3, 1)
JULY = date(2025, 7, 1)
# What went to Culture, Sports and Tourism: press, publishing, electronic information.
PRESS_FIELDS = ["Báo chí", "Xuất bản", "Thông tin điện tử"]
# (code, name, short name, the fields of the city's open work it takes; [] = the rest)
WARDS: list[tuple[str, str, str, list[str]]] = [
    ("000.00.41.H99", "Ủy ban nhân dân phường 1", "UBND phường 1", []),
    ("000.00.42.H99", "Ủy ban nhân dân phường 2", "UBND phường 2", ["Viễn thông"]),
]

On = Callable[[AsyncConnection, date], Awaitable[None]]


async def load(conn: AsyncConnection, loader: Caller, ids: dict[str, Any], on: On) -> int:
    """The changes of 2025, each on its day; returns the agencies it created."""
    await on(conn, MARCH)
    await _succeed(
        conn,
        loader,
        ids[ICT],
        SuccessionCreate(
            effective_on=MARCH,
            status=SuccessionStatus.merged,
            successors=[
                SuccessorShare(successor_id=ids[SCIENCE], rest=True),
                SuccessorShare(successor_id=ids[CULTURE], fields=PRESS_FIELDS),
            ],
            children_successor_id=ids[SCIENCE],
        ),
    )
    await _succeed(
        conn,
        loader,
        ids[PLANNING],
        SuccessionCreate(
            effective_on=MARCH, status=SuccessionStatus.merged, successor_id=ids[FINANCE]
        ),
    )
    await on(conn, JULY)
    shares = []
    for code, name, short, fields in WARDS:
        ward = await demo_people.make_agency(
            conn,
            loader,
            (code, name, short, AgencyKind.commune_committee, ids[PROVINCE], JULY, None),
        )
        shares.append(SuccessorShare(successor_id=ward["id"], fields=fields, rest=not fields))
    await _succeed(
        conn,
        loader,
        ids[CITY],
        SuccessionCreate(effective_on=JULY, status=SuccessionStatus.dissolved, successors=shares),
    )
    return len(WARDS)


async def _succeed(
    conn: AsyncConnection, loader: Caller, agency_id: Any, data: SuccessionCreate
) -> None:
    await succession.succeed(conn, loader, agency_id, data, ABSENT)
