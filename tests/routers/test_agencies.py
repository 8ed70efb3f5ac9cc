"""Agencies through HTTP: CRUD, validation, merge patch, If-Match, soft delete, history."""

from __future__ import annotations

import asyncio
import unicodedata
import uuid

import httpx

from tests.conftest import make_agency

API = "/api/v1/agencies"


async def test_create_returns_201_location_etag_and_body(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    response = await client.post(
        API,
        json={
            "code": "000.00.13.H56",
            "name": "Sở Khoa học và Công nghệ",
            "short_name": "Sở KH&CN",
            "kind": "department",
        },
        headers=office,
    )
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"{API}/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["version"] == 1
    assert body["status"] == "active"
    assert uuid.UUID(body["id"]).version == 7
    assert body["allowed_actions"] == ["update", "delete", "succession"]
    fetched = await client.get(f"{API}/{body['id']}", headers=office)
    assert fetched.status_code == 200
    assert fetched.json()["name"] == "Sở Khoa học và Công nghệ"
    assert fetched.headers["etag"] == '"1"'


async def test_duplicate_code_is_409_and_creates_nothing(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    await make_agency(client, office, code="H56.12")
    again = await client.post(
        API, json={"code": "H56.12", "name": "Khác", "kind": "other"}, headers=office
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    listed = await client.get(API, params={"count": "true"}, headers=office)
    assert listed.json()["total"] == 1


async def test_code_format_is_validated(client: httpx.AsyncClient, office: dict[str, str]) -> None:
    for code in ["", "H56-12", "A" * 36, "Sở.1"]:
        response = await client.post(
            API, json={"code": code, "name": "X", "kind": "other"}, headers=office
        )
        assert response.status_code == 422, code
        assert response.json()["errors"][0]["field"] == "code"


async def test_unknown_kind_and_unknown_field_are_422(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    bad_kind = await client.post(
        API, json={"code": "A1", "name": "X", "kind": "ministry"}, headers=office
    )
    assert bad_kind.status_code == 422
    assert bad_kind.json()["errors"][0]["field"] == "kind"
    status_given = await client.post(
        API, json={"code": "A1", "name": "X", "kind": "other", "status": "merged"}, headers=office
    )
    assert status_given.status_code == 422
    assert status_given.json()["errors"][0]["field"] == "status"


async def test_text_is_nfc_trimmed_and_control_characters_refused(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    nfd = unicodedata.normalize("NFD", "Sở Thông tin và Truyền thông")
    assert nfd != unicodedata.normalize("NFC", nfd)
    created = await make_agency(client, office, name=f"  {nfd}\t ")
    assert created["name"] == unicodedata.normalize("NFC", "Sở Thông tin và Truyền thông")
    bad = await client.post(
        API, json={"code": "B1", "name": "Sở\x07 Nội vụ", "kind": "department"}, headers=office
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "name"
    found = await client.get(API, params={"q": "thong tin"}, headers=office)
    assert [a["id"] for a in found.json()["items"]] == [created["id"]]


async def test_parent_must_exist_and_no_cycles(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    missing = await client.post(
        API,
        json={"code": "C1", "name": "X", "kind": "other", "parent_id": str(uuid.uuid4())},
        headers=office,
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "parent_id"
    top = await make_agency(client, office)
    child = await make_agency(client, office, parent_id=top["id"])
    cycle = await client.patch(
        f"{API}/{top['id']}", json={"parent_id": child["id"]}, headers={**office, "If-Match": '"1"'}
    )
    assert cycle.status_code == 422
    self_parent = await client.patch(
        f"{API}/{top['id']}", json={"parent_id": top["id"]}, headers={**office, "If-Match": '"1"'}
    )
    assert self_parent.status_code == 422


async def test_patch_is_a_merge_patch_needing_if_match(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    agency = await make_agency(client, office, short_name="Cũ")
    url = f"{API}/{agency['id']}"
    missing = await client.patch(url, json={"name": "Mới"}, headers=office)
    assert missing.status_code == 428
    stale = await client.patch(url, json={"name": "Mới"}, headers={**office, "If-Match": '"7"'})
    assert stale.status_code == 412
    ok = await client.patch(
        url,
        content='{"name": "Tên mới", "short_name": null}'.encode(),
        headers={**office, "If-Match": '"1"', "Content-Type": "application/merge-patch+json"},
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == '"2"'
    body = ok.json()
    assert (body["name"], body["short_name"], body["kind"], body["version"]) == (
        "Tên mới",
        None,
        "department",
        2,
    )
    readonly = await client.patch(
        url, json={"status": "merged"}, headers={**office, "If-Match": '"2"'}
    )
    assert readonly.status_code == 422
    code = await client.patch(url, json={"code": "NEW1"}, headers={**office, "If-Match": '"2"'})
    assert code.status_code == 422
    cleared = await client.patch(url, json={"name": None}, headers={**office, "If-Match": '"2"'})
    assert cleared.status_code == 422
    after = await client.get(url, headers=office)
    assert after.json()["version"] == 2 and after.json()["name"] == "Tên mới"


async def test_sixteen_concurrent_patches_with_one_if_match(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    agency = await make_agency(client, office)
    url = f"{API}/{agency['id']}"

    async def patch(i: int) -> int:
        response = await client.patch(
            url, json={"name": f"Tên {i}"}, headers={**office, "If-Match": '"1"'}
        )
        return response.status_code

    statuses = await asyncio.gather(*(patch(i) for i in range(16)))
    assert sorted(statuses) == [200] + [412] * 15
    history = await client.get(f"{url}/history", headers=office)
    assert [h["action"] for h in history.json()["items"]] == ["created", "updated"]
    assert (await client.get(url, headers=office)).json()["version"] == 2


async def test_history_records_actor_changes_and_request_id(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    agency = await make_agency(client, office, short_name="A")
    url = f"{API}/{agency['id']}"
    patched = await client.patch(
        url,
        json={"short_name": "B"},
        headers={**office, "If-Match": '"1"', "X-Request-ID": "req-42"},
    )
    items = (await client.get(f"{url}/history", headers=office)).json()["items"]
    assert [i["action"] for i in items] == ["created", "updated"]
    assert items[1]["changes"] == {"short_name": {"old": "A", "new": "B"}}
    # The request id is the service's; what the client sent is kept apart, marked as its own.
    assert items[1]["request_id"] == patched.headers["x-request-id"] != "req-42"
    assert items[1]["client_request_id"] == "req-42"
    assert items[0]["client_request_id"] is None
    forged = await client.patch(
        url,
        json={"short_name": "C"},
        headers={**office, "If-Match": '"2"', "X-Request-ID": "req 43; DROP TABLE"},
    )
    assert forged.status_code == 200
    items = (await client.get(f"{url}/history", headers=office)).json()["items"]
    assert items[2]["client_request_id"] is None  # not well-formed: not kept
    assert items[1]["actor_role"] == "office"
    assert items[1]["actor_name"] == "test office"
    assert items[0]["changes"]["code"]["new"] == agency["code"]


async def test_soft_delete_and_restore(client: httpx.AsyncClient, office: dict[str, str]) -> None:
    agency = await make_agency(client, office)
    url = f"{API}/{agency['id']}"
    stale = await client.delete(url, headers={**office, "If-Match": '"9"'})
    assert stale.status_code == 412
    assert (await client.delete(url, headers=office)).status_code == 204
    assert (await client.get(url, headers=office)).status_code == 404
    assert (await client.get(API, headers=office)).json()["items"] == []
    hidden = await client.get(API, params={"include_deleted": "true"}, headers=office)
    assert [a["id"] for a in hidden.json()["items"]] == [agency["id"]]
    assert (await client.delete(url, headers=office)).status_code == 404
    restored = await client.post(f"{url}/restore", headers=office)
    assert restored.status_code == 200
    assert restored.json()["deleted_at"] is None and restored.json()["version"] == 3
    assert (await client.post(f"{url}/restore", headers=office)).status_code == 409
    actions = [
        h["action"] for h in (await client.get(f"{url}/history", headers=office)).json()["items"]
    ]
    assert actions == ["created", "deleted", "restored"]


async def test_filters_repeated_parameters_are_or(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    top = await make_agency(client, office, kind="provincial_committee")
    dept = await make_agency(client, office, kind="department", parent_id=top["id"])
    board = await make_agency(client, office, kind="board", parent_id=top["id"])
    await make_agency(client, office, kind="other")
    both = await client.get(API, params=[("kind", "department"), ("kind", "board")], headers=office)
    assert {a["id"] for a in both.json()["items"]} == {dept["id"], board["id"]}
    children = await client.get(API, params={"parent_id": top["id"]}, headers=office)
    assert {a["id"] for a in children.json()["items"]} == {dept["id"], board["id"]}
    active = await client.get(API, params={"status": "active", "count": "true"}, headers=office)
    assert active.json()["total"] == 4
    merged = await client.get(API, params={"status": "merged"}, headers=office)
    assert merged.json()["items"] == []
    bad = await client.get(API, params={"status": "sleeping"}, headers=office)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "status"
    assert (await client.get(API, params={"limit": "0"}, headers=office)).status_code == 400
    assert (await client.get(f"{API}/not-a-uuid", headers=office)).status_code == 404


async def test_search_is_diacritics_and_case_insensitive_over_code_and_names(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    ict = await make_agency(
        client,
        office,
        code="000.00.12.H56",
        name="Sở Thông tin và Truyền thông",
        short_name="Sở TT&TT",
    )
    dost = await make_agency(client, office, code="000.00.13.H56", name="Sở Khoa học và Công nghệ")
    await make_agency(client, office, code="000.00.04.H56", name="Sở Nội vụ")

    async def ids(q: str) -> set[str]:
        response = await client.get(API, params={"q": q}, headers=office)
        assert response.status_code == 200
        return {a["id"] for a in response.json()["items"]}

    assert await ids("truyen thong") == {ict["id"]}
    assert await ids("TRUYỀN   thông sở") == {ict["id"]}
    assert await ids("cong nghe khoa") == {dost["id"]}
    assert await ids("đường") == set()
    assert await ids("000.00.13") == {dost["id"]}
    assert await ids("H56.12") == {ict["id"]}
    assert len(await ids("so")) == 3
    assert await ids("thong cong") == set()


async def test_pagination_with_cursor_link_and_count(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    made = [
        await make_agency(client, office, code=f"P{i:02d}", name=f"Đơn vị {i % 3}")
        for i in range(7)
    ]
    seen: list[str] = []
    url: str | None = f"{API}?limit=3&sort=-name,code&count=true"
    pages = 0
    while url:
        response = await client.get(url, headers=office)
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == 7
        seen += [a["code"] for a in body["items"]]
        pages += 1
        if body["next_cursor"]:
            link = response.headers["link"]
            assert link.endswith('>; rel="next"')
            url = link[1 : link.index(">")]
        else:
            assert "link" not in response.headers
            url = None
    expected = sorted(made, key=lambda a: (-int(str(a["name"])[-1]), a["code"]))
    assert seen == [a["code"] for a in expected]
    assert pages == 3


async def test_limit_is_clamped_and_sort_and_cursor_are_checked(
    client: httpx.AsyncClient, office: dict[str, str]
) -> None:
    for i in range(3):
        await make_agency(client, office, code=f"L{i}")
    big = await client.get(API, params={"limit": "5000"}, headers=office)
    assert big.status_code == 200 and len(big.json()["items"]) == 3
    unknown = await client.get(API, params={"sort": "-colour"}, headers=office)
    assert unknown.status_code == 400
    assert unknown.json()["type"] == "/problems/bad-request"
    garbage = await client.get(API, params={"cursor": "not-a-cursor"}, headers=office)
    assert garbage.status_code == 400
    page = (await client.get(API, params={"limit": "1", "sort": "code"}, headers=office)).json()
    other_sort = await client.get(
        API, params={"limit": "1", "sort": "name", "cursor": page["next_cursor"]}, headers=office
    )
    assert other_sort.status_code == 400


async def test_only_office_and_admin_write_agencies(
    client: httpx.AsyncClient, keys, office: dict[str, str]
) -> None:
    from app.core.enums import Role

    agency = await make_agency(client, office)
    for role in (Role.viewer, Role.leader, Role.finance):
        headers = await keys.make(role)
        created = await client.post(
            API, json={"code": "Z1", "name": "X", "kind": "other"}, headers=headers
        )
        assert created.status_code == 403, role
        patched = await client.patch(
            f"{API}/{agency['id']}", json={"name": "X"}, headers={**headers, "If-Match": '"1"'}
        )
        assert patched.status_code == 403
        assert (await client.delete(f"{API}/{agency['id']}", headers=headers)).status_code == 403
        seen = await client.get(f"{API}/{agency['id']}", headers=headers)
        assert seen.status_code == 200 and seen.json()["allowed_actions"] == []
    staff = await keys.make(Role.agency, agency["id"])
    assert (
        await client.post(API, json={"code": "Z2", "name": "X", "kind": "other"}, headers=staff)
    ).status_code == 403
    assert (await client.get(API, headers=staff)).status_code == 200
