"""Budget requests through HTTP: money as whole đồng, the lifecycle per role, disbursements
that never pass the approved amount (also concurrently), deadline extensions."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import World, stand_at

API = "/api/v1/budget-requests"
DECISION = {"document_number": "512/QĐ-UBND", "decided_by": "Chủ tịch UBND tỉnh"}


@pytest.fixture(autouse=True)
def _in_2023(app) -> None:
    stand_at(app, datetime(2023, 6, 1, 3, 0, tzinfo=UTC))


async def ask(world: World, role: str = "lead", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Bổ sung vốn Dự án nâng cấp trung tâm tích hợp dữ liệu",
        "expenditure_type": "investment",
        "purpose": "capital_shortfall",
        "funding_source": "provincial",
        "fiscal_year": 2023,
        "amount_requested_vnd": 5_000_000_000,
    }
    if role == "office":
        body["requesting_agency_id"] = world.lead["id"]
    body.update(fields)
    response = await world.client.post(API, json=body, headers=world.h[role])
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def act(world: World, request: dict[str, Any], role: str, action: str, **fields: Any):
    return await world.client.post(
        f"{API}/{request['id']}/transitions",
        json={"action": action, **fields},
        headers=world.h[role],
    )


async def approved(world: World, amount: int = 1_000_000_000, **fields: Any) -> dict[str, Any]:
    request = await ask(world, amount_requested_vnd=amount, **fields)
    for role, action, extra in (
        ("lead", "submit", {}),
        ("finance", "start_appraisal", {}),
        ("finance", "appraise", {"amount_recommended_vnd": amount, "opinion": "Đủ điều kiện"}),
        ("leader", "approve", {"amount_approved_vnd": amount, "decision": DECISION}),
    ):
        response = await act(world, request, role, action, **extra)
        assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_create_with_defaults(world: World) -> None:
    made = await ask(world)
    assert re.fullmatch(r"KP-2023-\d{5}", str(made["code"]))
    assert (made["status"], made["disbursed_vnd"], made["disbursement_deadline"]) == (
        "draft",
        0,
        "2024-01-31",
    )
    recurrent = await ask(world, expenditure_type="recurrent", purpose="expert_hiring")
    assert recurrent["disbursement_deadline"] is None
    too_late = await world.client.post(
        API,
        json={
            **{
                k: made[k]
                for k in (
                    "title",
                    "expenditure_type",
                    "purpose",
                    "funding_source",
                    "fiscal_year",
                    "amount_requested_vnd",
                )
            },
            "disbursement_deadline": "2025-01-01",
        },
        headers=world.h["lead"],
    )
    assert (
        too_late.status_code == 422
        and too_late.json()["errors"][0]["field"] == "disbursement_deadline"
    )


@pytest.mark.parametrize("amount", [1.5, 1000.0, "1000", -1, 10**15 + 1, True, None])
async def test_money_is_whole_dong(world: World, amount: object) -> None:
    body = {
        "title": "x",
        "expenditure_type": "recurrent",
        "purpose": "training",
        "funding_source": "provincial",
        "fiscal_year": 2023,
        "amount_requested_vnd": amount,
    }
    response = await world.client.post(API, json=body, headers=world.h["lead"])
    assert response.status_code == 422, amount
    assert response.json()["errors"][0]["field"] == "amount_requested_vnd"


async def test_largest_amount_is_kept_exactly(world: World) -> None:
    made = await ask(world, amount_requested_vnd=10**15)
    got = (await world.client.get(f"{API}/{made['id']}", headers=world.h["office"])).json()
    assert got["amount_requested_vnd"] == 10**15


async def test_who_takes_each_action(world: World) -> None:
    rows: dict[str, tuple[Any, str, dict[str, Any]]] = {
        "submit": ({"admin", "office", "lead"}, "draft", {}),
        "start_appraisal": ({"admin", "finance"}, "submitted", {}),
        "appraise": (
            {"admin", "finance"},
            "under_appraisal",
            {"amount_recommended_vnd": 10, "opinion": "Ổn"},
        ),
        "return": ({"admin", "finance", "leader"}, "appraised", {"comment": "Bổ sung hồ sơ"}),
        "approve": (
            {"admin", "leader"},
            "appraised",
            {"amount_approved_vnd": 10, "decision": DECISION},
        ),
        "reject": ({"admin", "leader"}, "appraised", {"comment": "Không đủ nguồn"}),
        "close": ({"admin", "leader", "finance"}, "approved", {}),
    }
    path = [
        ("submit", {}),
        ("start_appraisal", {}),
        ("appraise", {"amount_recommended_vnd": 10, "opinion": "Ổn"}),
        ("approve", {"amount_approved_vnd": 10, "decision": DECISION}),
    ]
    order = ["draft", "submitted", "under_appraisal", "appraised", "approved"]
    for action, (allowed, state, fields) in rows.items():
        for role in ("admin", "office", "leader", "finance", "viewer", "lead", "coop"):
            request = await ask(world, amount_requested_vnd=100)
            for step, extra in path[: order.index(state)]:
                assert (await act(world, request, "admin", step, **extra)).status_code == 200
            response = await act(world, request, role, action, **fields)
            if role == "coop":
                assert response.status_code == 404, (action, role)
            elif role in allowed:
                assert response.status_code == 200, (action, role, response.text)
            else:
                assert response.status_code == 403, (action, role, response.text)


async def test_rules_of_the_transitions(world: World) -> None:
    request = await ask(world, amount_requested_vnd=1_000)
    assert (await act(world, request, "finance", "start_appraisal")).status_code == 409
    await act(world, request, "lead", "submit")
    await act(world, request, "finance", "start_appraisal")
    missing = await act(world, request, "finance", "appraise")
    assert missing.status_code == 422 and {e["field"] for e in missing.json()["errors"]} == {
        "amount_recommended_vnd",
        "opinion",
    }
    appraised = (
        await act(
            world, request, "finance", "appraise", amount_recommended_vnd=800, opinion="Giảm 20%"
        )
    ).json()
    assert (appraised["amount_recommended_vnd"], appraised["appraisal"]["appraised_on"]) == (
        800,
        "2023-06-01",
    )
    over = await act(
        world, request, "leader", "approve", amount_approved_vnd=1_001, decision=DECISION
    )
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "amount_approved_vnd"
    returned = (await act(world, request, "leader", "return", comment="Làm rõ suất đầu tư")).json()
    assert (
        returned["status"] == "returned" and returned["allowed_actions"] == []
    )  # the leader's view
    lead_view = (await world.client.get(f"{API}/{request['id']}", headers=world.h["lead"])).json()
    assert lead_view["allowed_actions"] == ["submit", "update", "delete"]
    patched = await world.client.patch(
        f"{API}/{request['id']}",
        json={"amount_requested_vnd": 900},
        headers={**world.h["lead"], "If-Match": f'"{returned["version"]}"'},
    )
    assert patched.status_code == 200 and patched.json()["amount_requested_vnd"] == 900
    await act(world, request, "lead", "submit")
    await act(world, request, "finance", "start_appraisal")
    await act(world, request, "finance", "appraise", amount_recommended_vnd=900, opinion="Ổn")
    done = (
        await act(world, request, "leader", "approve", amount_approved_vnd=850, decision=DECISION)
    ).json()
    assert (done["status"], done["amount_approved_vnd"], done["decision"]["decided_on"]) == (
        "approved",
        850,
        "2023-06-01",
    )
    assert (
        await world.client.patch(
            f"{API}/{request['id']}",
            json={"title": "x"},
            headers={**world.h["lead"], "If-Match": f'"{done["version"]}"'},
        )
    ).status_code == 409


async def test_agencies_see_their_own_requests(world: World) -> None:
    mine = await ask(world)
    theirs = await ask(world, "coop")
    listed = (await world.client.get(API, headers=world.h["lead"])).json()["items"]
    assert [r["id"] for r in listed] == [mine["id"]]
    assert (
        await world.client.get(f"{API}/{theirs['id']}", headers=world.h["lead"])
    ).status_code == 404
    assert (
        await world.client.get(f"{API}/{theirs['id']}/disbursements", headers=world.h["lead"])
    ).status_code == 404
    assert len((await world.client.get(API, headers=world.h["finance"])).json()["items"]) == 2


async def test_disbursements(world: World) -> None:
    request = await approved(world, amount=1_000)
    url = f"{API}/{request['id']}/disbursements"
    assert (
        await world.client.post(url, json={"amount_vnd": 100}, headers=world.h["office"])
    ).status_code == 403
    first = await world.client.post(
        url,
        json={"amount_vnd": 600, "reference": "UNC 01", "disbursed_on": "2023-05-20"},
        headers=world.h["finance"],
    )
    assert first.status_code == 201, first.text
    over = await world.client.post(url, json={"amount_vnd": 401}, headers=world.h["finance"])
    assert over.status_code == 409 and over.json()["remaining_vnd"] == 400
    for bad in (0, -5, 1.5, "10"):
        assert (
            await world.client.post(url, json={"amount_vnd": bad}, headers=world.h["finance"])
        ).status_code == 422
    assert (
        await world.client.post(url, json={"amount_vnd": 400}, headers=world.h["finance"])
    ).status_code == 201
    got = (await world.client.get(f"{API}/{request['id']}", headers=world.h["lead"])).json()
    assert got["disbursed_vnd"] == 1_000
    listed = (await world.client.get(url, headers=world.h["lead"])).json()["items"]
    assert [d["amount_vnd"] for d in listed] == [600, 400]
    draft = await ask(world)
    assert (
        await world.client.post(
            f"{API}/{draft['id']}/disbursements", json={"amount_vnd": 1}, headers=world.h["finance"]
        )
    ).status_code == 409


async def test_ten_concurrent_payments_against_room_for_two(world: World) -> None:
    request = await approved(world, amount=2_000)
    url = f"{API}/{request['id']}/disbursements"
    responses = await asyncio.gather(
        *(
            world.client.post(url, json={"amount_vnd": 1_000}, headers=world.h["finance"])
            for _ in range(10)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 201] + [409] * 8
    got = (await world.client.get(f"{API}/{request['id']}", headers=world.h["finance"])).json()
    assert got["disbursed_vnd"] == 2_000


async def test_deadline_and_its_extensions(world: World, app) -> None:
    request = await approved(world, amount=1_000)  # investment of 2023: deadline 31/01/2024
    url = f"{API}/{request['id']}"
    late = await world.client.post(
        f"{url}/disbursements",
        json={"amount_vnd": 10, "disbursed_on": "2024-02-01"},
        headers=world.h["finance"],
    )
    assert late.status_code == 409
    ext = {
        "reason": "Chậm giải phóng mặt bằng",
        "decided_by": "Chủ tịch UBND tỉnh",
        "decision_number": "88/QĐ-UBND",
    }
    assert (
        await world.client.post(
            f"{url}/deadline-extensions",
            json={**ext, "new_deadline": "2024-06-30"},
            headers=world.h["lead"],
        )
    ).status_code == 403
    beyond = await world.client.post(
        f"{url}/deadline-extensions",
        json={**ext, "new_deadline": "2025-01-01"},
        headers=world.h["leader"],
    )
    assert beyond.status_code == 422 and beyond.json()["errors"][0]["field"] == "new_deadline"
    earlier = await world.client.post(
        f"{url}/deadline-extensions",
        json={**ext, "new_deadline": "2024-01-15"},
        headers=world.h["leader"],
    )
    assert earlier.status_code == 422
    extended = await world.client.post(
        f"{url}/deadline-extensions",
        json={**ext, "new_deadline": "2024-12-31"},
        headers=world.h["leader"],
    )
    assert extended.status_code == 201, extended.text
    assert (extended.json()["previous_deadline"], extended.json()["decision_number"]) == (
        "2024-01-31",
        "88/QĐ-UBND",
    )
    got = (await world.client.get(url, headers=world.h["lead"])).json()
    assert got["disbursement_deadline"] == "2024-12-31"
    stand_at(app, datetime(2024, 2, 1, 3, 0, tzinfo=UTC))
    assert (
        await world.client.post(
            f"{url}/disbursements", json={"amount_vnd": 10}, headers=world.h["finance"]
        )
    ).status_code == 201
    history = [
        h["action"]
        for h in (await world.client.get(f"{url}/history", headers=world.h["office"])).json()[
            "items"
        ]
    ]
    assert history[-2:] == ["deadline_extended", "disbursed"]


async def test_filters_and_search(world: World) -> None:
    a = await ask(
        world,
        title="Kinh phí đào tạo an toàn thông tin",
        expenditure_type="recurrent",
        purpose="training",
    )
    b = await ask(world, project_name="Nâng cấp trung tâm tích hợp dữ liệu", fiscal_year=2024)

    async def ids(**params: Any) -> set[str]:
        return {
            r["id"]
            for r in (await world.client.get(API, params=params, headers=world.h["office"])).json()[
                "items"
            ]
        }

    assert await ids(q="an toan thong tin") == {a["id"]}
    assert await ids(q="tich hop du lieu") == {b["id"]}
    assert await ids(purpose="training") == {a["id"]}
    assert await ids(expenditure_type="investment", fiscal_year=2024) == {b["id"]}
    assert await ids(requesting_agency_id=world.lead["id"], status="draft") == {a["id"], b["id"]}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    approved_amount=st.integers(min_value=1, max_value=10**6),
    payments=st.lists(st.integers(min_value=-10, max_value=10**6), min_size=1, max_size=8),
)
async def test_no_sequence_of_payments_passes_the_approved_amount(
    world: World, engine: AsyncEngine, approved_amount: int, payments: list[int]
) -> None:
    request = await approved(world, amount=approved_amount)
    url = f"{API}/{request['id']}/disbursements"
    accepted = 0
    for amount in payments:
        response = await world.client.post(
            url, json={"amount_vnd": amount}, headers=world.h["finance"]
        )
        if response.status_code == 201:
            accepted += amount
        else:
            assert response.status_code in (409, 422)
    got = (await world.client.get(f"{API}/{request['id']}", headers=world.h["finance"])).json()
    async with engine.connect() as conn:
        total = (
            await conn.execute(
                text(
                    "SELECT coalesce(sum(amount_vnd), 0) FROM disbursements WHERE budget_request_id = :i"
                ),
                {"i": request["id"]},
            )
        ).scalar()
    assert got["disbursed_vnd"] == total == accepted <= approved_amount


async def test_pages_sorted_by_amounts_beyond_int4_follow_their_cursor(world: World) -> None:
    amounts = [2_147_483_647, 2_147_483_648, 5_000_000_000, 10**15]
    for amount in amounts:
        await ask(world, amount_requested_vnd=amount)
    seen: list[int] = []
    params: dict[str, Any] = {"sort": "-amount_requested_vnd", "limit": 1}
    while True:
        response = await world.client.get(API, params=params, headers=world.h["office"])
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["amount_requested_vnd"] for item in body["items"]]
        if not body["next_cursor"]:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == sorted(amounts, reverse=True)
