"""The demo's agencies have ids fixed by their codes, so that the examples in the OpenAPI
document name agencies that exist on a demo database: "Try it out" in /docs works there."""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("3d8f6a52-9c1e-5b7d-8e0f-2a4b6c8d0e1f")


def agency(code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"agency:{code}")


# The agencies the examples name: the province, its Department of Information and
# Communications (merged on 01/03/2025) and the Department of Science and Technology
# (000.00.13.H99) that holds its work since — the one new work is given to.
PROVINCE = str(agency("000.00.00.H99"))
ICT = str(agency("000.00.12.H99"))
SCIENCE = str(agency("000.00.13.H99"))
