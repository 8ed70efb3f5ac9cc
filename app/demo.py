"""The demo scenario, built from the working session of 28/02/2023 (../shared/seed/).

The article names no province and gives no agency codes: the codes below (`…H99`) are
illustrative, in the format of the national agency identifiers (mã định danh).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth import Caller
from app.enums import AgencyKind, Role
from app.models.agencies import AgencyCreate
from app.services import agencies

LOADER = Caller(role=Role.admin, name="demo loader")
PROVINCE = "000.00.00.H99"

# (code, name, short name, kind, parent code, valid_from, valid_to)
AGENCIES: list[tuple[str, str, str, AgencyKind, str | None, date | None, date | None]] = [
    (
        PROVINCE,
        "Ủy ban nhân dân tỉnh",
        "UBND tỉnh",
        AgencyKind.provincial_committee,
        None,
        None,
        None,
    ),
    (
        "000.00.01.H99",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "VP UBND tỉnh",
        AgencyKind.department,
        PROVINCE,
        None,
        None,
    ),
    (
        "000.00.12.H99",
        "Sở Thông tin và Truyền thông",
        "Sở TT&TT",
        AgencyKind.department,
        PROVINCE,
        None,
        None,
    ),
    (
        "000.00.13.H99",
        "Sở Khoa học và Công nghệ",
        "Sở KH&CN",
        AgencyKind.department,
        PROVINCE,
        None,
        None,
    ),
    ("000.00.05.H99", "Sở Tài chính", "Sở TC", AgencyKind.department, PROVINCE, None, None),
    (
        "000.00.06.H99",
        "Sở Kế hoạch và Đầu tư",
        "Sở KH&ĐT",
        AgencyKind.department,
        PROVINCE,
        None,
        None,
    ),
    ("000.00.04.H99", "Sở Nội vụ", "Sở NV", AgencyKind.department, PROVINCE, None, None),
    (
        "000.12.01.H99",
        "Trung tâm Công nghệ thông tin và Truyền thông",
        "Trung tâm CNTT&TT",
        AgencyKind.public_service_unit,
        "000.00.12.H99",
        None,
        None,
    ),
    ("000.00.30.H99", "Báo tỉnh", "Báo tỉnh", AgencyKind.public_service_unit, PROVINCE, None, None),
    (
        "000.00.31.H99",
        "Đài Phát thanh và Truyền hình tỉnh",
        "Đài PT-TH tỉnh",
        AgencyKind.public_service_unit,
        PROVINCE,
        None,
        None,
    ),
    (
        "000.20.00.H99",
        "Ủy ban nhân dân thành phố (trực thuộc tỉnh)",
        "UBND thành phố",
        AgencyKind.district_committee,
        PROVINCE,
        None,
        None,
    ),
]


async def load(conn: AsyncConnection) -> dict[str, int]:
    """Load the demo agencies when the database has none; returns what was created."""
    if await agencies.count(conn) > 0:
        return {"agencies": 0}
    ids: dict[str, object] = {}
    for code, name, short, kind, parent, valid_from, valid_to in AGENCIES:
        body = await agencies.create(
            conn,
            LOADER,
            AgencyCreate(
                code=code,
                name=name,
                short_name=short,
                kind=kind,
                parent_id=ids.get(parent) if parent else None,  # type: ignore[arg-type]
                valid_from=valid_from,
                valid_to=valid_to,
            ),
        )
        ids[code] = body["id"]
    return {"agencies": len(AGENCIES)}
