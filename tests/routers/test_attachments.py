"""Attachments (issue 18) through HTTP: upload, list, describe, download with Range and the
Vietnamese file name, removal; types by content, limits, visibility, dedupe, the sweep."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.files import service as attachments
from tests.conftest import World

PDF = b"%PDF-1.4\n" + b"noi dung " * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def zip_of(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


async def upload(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    files: list[tuple[str, bytes]],
    **fields: list[str],
) -> httpx.Response:
    parts = [("file", (name, data, "application/octet-stream")) for name, data in files]
    data = {k: v for k, v in fields.items()}
    return await client.post(url, files=parts, data=data, headers=headers)


@pytest.fixture(autouse=True)
def own_store(app: Any, tmp_path: Path) -> Any:
    """Each test its own store, so that what it finds there is what it stored."""
    from app.files.storage import LocalFileStore

    kept = app.state.file_store
    app.state.file_store = LocalFileStore(tmp_path / "files")
    yield app.state.file_store
    app.state.file_store = kept


def objects(app: Any) -> list[Path]:
    root: Path = app.state.file_store.objects
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.feed
async def test_round_trip(world: World, app: Any) -> None:
    c = world.client
    task = await world.task()
    url = f"/api/v1/tasks/{task['id']}/attachments"
    name = "Báo cáo tiến độ quý I/2023 — Sở TT&TT.pdf"
    r = await upload(
        c,
        url,
        world.h["lead"],
        [(name, PDF), ("bieu-do.png", PNG)],
        description=["Báo cáo kết quả", "Biểu đồ"],
        document_number=["123/BC-STTTT"],
        document_date=["2023-04-05"],
    )
    assert r.status_code == 201, r.text
    first, second = r.json()["items"]
    assert first["file_name"] == "2023 — Sở TT&TT.pdf"  # the last path part only
    assert (first["media_type"], first["size_bytes"]) == ("application/pdf", len(PDF))
    assert first["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (first["document_number"], first["document_date"]) == ("123/BC-STTTT", "2023-04-05")
    assert second["media_type"] == "image/png" and second["document_number"] is None
    listed = (await c.get(url, headers=world.h["coop"])).json()["items"]
    assert [i["id"] for i in listed] == [first["id"], second["id"]]
    meta = await c.get(f"/api/v1/attachments/{first['id']}", headers=world.h["viewer"])
    assert meta.status_code == 200 and meta.headers["ETag"] == '"1"'
    content = await c.get(f"/api/v1/attachments/{first['id']}/content", headers=world.h["coop"])
    assert content.status_code == 200 and content.content == PDF
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["etag"] == f'"{first["sha256"]}"'
    disposition = content.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="2023 ')
    assert "filename*=UTF-8''2023%20%E2%80%94%20S%E1%BB%9F%20TT%26TT.pdf" in disposition
    assert disposition.isascii()
    # ranges: a slice, the last bytes, one past the end
    part = await c.get(
        f"/api/v1/attachments/{first['id']}/content",
        headers={**world.h["lead"], "Range": "bytes=0-8"},
    )
    assert part.status_code == 206 and part.content == PDF[:9]
    assert part.headers["content-range"] == f"bytes 0-8/{len(PDF)}"
    tail = await c.get(
        f"/api/v1/attachments/{first['id']}/content",
        headers={**world.h["lead"], "Range": "bytes=-7"},
    )
    assert tail.status_code == 206 and tail.content == PDF[-7:]
    beyond = await c.get(
        f"/api/v1/attachments/{first['id']}/content",
        headers={**world.h["lead"], "Range": f"bytes={len(PDF) + 10}-"},
    )
    assert beyond.status_code == 416
    # each attachment is in the task's history and the feed
    history = (
        await c.get(f"/api/v1/tasks/{task['id']}/history", headers=world.h["office"])
    ).json()["items"]
    attached = [h for h in history if h["action"] == "attached"]
    assert [h["changes"]["attachment_id"]["new"] for h in attached] == [first["id"], second["id"]]
    events = (
        await c.get("/api/v1/events", params={"type": "task.attached"}, headers=world.h["lead"])
    ).json()["items"]
    assert len(events) == 2


async def test_types_are_recognised_from_content(world: World, app: Any) -> None:
    c = world.client
    task = await world.task()
    url = f"/api/v1/tasks/{task['id']}/attachments"
    accepted = [
        ("ke-hoach.docx", docx(), "officedocument.wordprocessingml"),
        ("anh-chup.pdf", PNG, "image/png"),  # named .pdf, recognised as what it is
        ("ho-so.zip", zip_of(**{"a.pdf": PDF, "b.png": PNG, "c.docx": docx()}), "application/zip"),
    ]
    for name, data, expected in accepted:
        r = await upload(c, url, world.h["office"], [(name, data)])
        assert r.status_code == 201, (name, r.text)
        assert expected in r.json()["items"][0]["media_type"]
    before = objects(app)
    refused = [
        ("chuong-trinh.pdf", b"MZ\x90\x00" + b"\x00" * 100),
        ("ghi-chu.txt", "Chỉ là văn bản".encode()),
        ("ho-so.zip", zip_of(**{"a.pdf": PDF, "virus.exe": b"MZ\x90\x00"})),
        ("long.zip", zip_of(**{"inner.zip": zip_of(**{"a.pdf": PDF})})),
        ("hong.zip", b"PK\x03\x04" + b"\x00" * 50),
    ]
    for name, data in refused:
        r = await upload(c, url, world.h["office"], [(name, data)])
        assert r.status_code == 415, (name, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert objects(app) == before
    r = await upload(c, url, world.h["office"], [("rong.pdf", b"")])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    # a refused file in a request refuses the request: the good one before it is not attached
    r = await upload(c, url, world.h["office"], [("tot.pdf", PDF + b"x"), ("xau.txt", b"abc")])
    assert r.status_code == 415
    assert len((await c.get(url, headers=world.h["office"])).json()["items"]) == 3
    r = await c.post(url, json={"file": "x"}, headers=world.h["office"])
    assert r.status_code == 415


async def test_too_large_is_refused_while_streaming(world: World, app: Any) -> None:
    c = world.client
    task = await world.task()
    url = f"/api/v1/tasks/{task['id']}/attachments"
    app.state.settings.max_upload_bytes = 64 * 1024
    try:
        before = objects(app)
        r = await upload(c, url, world.h["office"], [("lon.pdf", PDF * 20)])
        assert r.status_code == 413 and "DONDOC_MAX_UPLOAD_BYTES" in r.json()["detail"]
        r = await upload(c, url, world.h["office"], [("vua.pdf", PDF)])
        assert r.status_code == 201
    finally:
        app.state.settings.max_upload_bytes = 25 * 1024 * 1024
    assert len(objects(app)) == len(before) + 1
    tmp = app.state.file_store.tmp
    assert not any(tmp.iterdir())  # the refused file's partial content is gone
    assert len((await c.get(url, headers=world.h["office"])).json()["items"]) == 1


async def test_visibility_and_rights_follow_the_resource(world: World) -> None:
    c = world.client
    task = await world.task()
    url = f"/api/v1/tasks/{task['id']}/attachments"
    r = await upload(c, url, world.h["coop"], [("phoi-hop.pdf", PDF)])
    assert r.status_code == 201  # a cooperating agency attaches its part
    item = r.json()["items"][0]
    assert (await upload(c, url, world.h["other"], [("x.pdf", PDF)])).status_code == 404
    assert (await upload(c, url, world.h["viewer"], [("x.pdf", PDF)])).status_code == 403
    assert (await upload(c, url, world.h["finance"], [("x.pdf", PDF)])).status_code == 403
    for path in (
        url,
        f"/api/v1/attachments/{item['id']}",
        f"/api/v1/attachments/{item['id']}/content",
    ):
        assert (await c.get(path, headers=world.h["other"])).status_code == 404, path
        assert (await c.get(path, headers=world.h["viewer"])).status_code == 200, path
    proposal = (
        await c.post(
            "/api/v1/proposals",
            json={"title": "Kiến nghị", "category": "other"},
            headers=world.h["lead"],
        )
    ).json()
    purl = f"/api/v1/proposals/{proposal['id']}/attachments"
    assert (await upload(c, purl, world.h["lead"], [("to-trinh.pdf", PDF)])).status_code == 201
    assert (await c.get(purl, headers=world.h["coop"])).status_code == 404
    directive = (
        await c.post(
            "/api/v1/directives",
            json={"kind": "plan", "title": "Kế hoạch", "issuer_agency_id": world.lead["id"]},
            headers=world.h["office"],
        )
    ).json()
    durl = f"/api/v1/directives/{directive['id']}/attachments"
    assert (await upload(c, durl, world.h["leader"], [("thong-bao.pdf", PDF)])).status_code == 201
    assert (await upload(c, durl, world.h["lead"], [("x.pdf", PDF)])).status_code == 403
    assert (await c.get(durl, headers=world.h["other"])).status_code == 200
    missing = "/api/v1/tasks/01a23030-0000-7000-8000-000000000000/attachments"
    assert (await upload(c, missing, world.h["office"], [("x.pdf", PDF)])).status_code == 404


async def test_removal_dedupe_and_the_sweep(world: World, app: Any, engine: Any) -> None:
    c = world.client
    task = await world.task()
    url = f"/api/v1/tasks/{task['id']}/attachments"
    one = (await upload(c, url, world.h["office"], [("a.pdf", PDF)])).json()["items"][0]
    two = (await upload(c, url, world.h["lead"], [("b.pdf", PDF)])).json()["items"][0]
    assert one["sha256"] == two["sha256"]
    store = app.state.file_store
    assert [p.name for p in objects(app)] == [one["sha256"]]  # kept once
    gone = await c.delete(
        f"/api/v1/attachments/{one['id']}", headers={**world.h["lead"], "If-Match": '"1"'}
    )
    assert gone.status_code == 204
    assert [i["id"] for i in (await c.get(url, headers=world.h["office"])).json()["items"]] == [
        two["id"]
    ]
    shown = (await c.get(url, params={"include_deleted": "true"}, headers=world.h["office"])).json()
    assert len(shown["items"]) == 2
    assert (
        await c.get(f"/api/v1/attachments/{one['id']}/content", headers=world.h["office"])
    ).status_code == 404
    # a crash between the content and its row: the content is stored, no row names it
    real = attachments.create

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the process died before its COMMIT")

    attachments.create = crash
    try:
        r = await upload(c, url, world.h["office"], [("mo-coi.png", PNG)])
        assert r.status_code == 500
    finally:
        attachments.create = real
    assert (
        len(
            (
                await c.get(url, params={"include_deleted": "true"}, headers=world.h["office"])
            ).json()["items"]
        )
        == 2
    )
    orphan = hashlib.sha256(PNG).hexdigest()
    assert store.path(orphan).exists()
    leftover = store.tmp / "dead.part"
    leftover.write_bytes(b"half")
    assert await attachments.sweep(engine, store, grace_seconds=3600) == 0  # too young yet
    assert await attachments.sweep(engine, store, grace_seconds=0) == 2
    assert not store.path(orphan).exists() and not leftover.exists()
    # the content of a removed attachment stays while its row (deleted or not) names it
    assert store.path(one["sha256"]).exists()
    ok = await c.get(f"/api/v1/attachments/{two['id']}/content", headers=world.h["office"])
    assert ok.content == PDF


async def test_an_upload_retried_with_its_key_is_attached_once(world: World) -> None:
    c = world.client
    task = await world.task()
    url = f"/api/v1/tasks/{task['id']}/attachments"
    headers = {**world.h["lead"], "Idempotency-Key": "up-1"}
    first = await upload(c, url, headers, [("a.pdf", PDF)])
    again = await upload(c, url, headers, [("a.pdf", PDF)])
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    other = await upload(c, url, headers, [("a.pdf", PDF + b"khac")])
    assert other.status_code == 422  # the same key with another body
    assert len((await c.get(url, headers=world.h["lead"])).json()["items"]) == 1


async def test_a_progress_reports_evidence(world: World) -> None:
    c = world.client
    task = await world.task()
    report = await c.post(
        f"/api/v1/tasks/{task['id']}/progress-reports",
        json={"progress_percent": 40, "results": "Đã triển khai"},
        headers=world.h["lead"],
    )
    assert report.status_code == 201, report.text
    url = f"/api/v1/tasks/{task['id']}/progress-reports/{report.json()['id']}/attachments"
    r = await upload(c, url, world.h["lead"], [("minh-chung.pdf", PDF)])
    assert r.status_code == 201, r.text
    item = r.json()["items"][0]
    assert (item["record_type"], item["record_id"]) == ("progress_report", report.json()["id"])
    assert [i["id"] for i in (await c.get(url, headers=world.h["coop"])).json()["items"]] == [
        item["id"]
    ]
    # the task's documents include the report's
    listed = (
        await c.get(f"/api/v1/tasks/{task['id']}/attachments", headers=world.h["coop"])
    ).json()
    assert [i["id"] for i in listed["items"]] == [item["id"]]
    wrong = f"/api/v1/tasks/{task['id']}/progress-reports/{task['id']}/attachments"
    assert (await upload(c, wrong, world.h["lead"], [("x.pdf", PDF)])).status_code == 404


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\a\\Bao cao.pdf", "Bao cao.pdf"),
        ("Ba\u0301o ca\u0301o.pdf", "Báo cáo.pdf"),  # NFD in, NFC out
        ("evil\u202egpj.pdf", "evilgpj.pdf"),
        ("a\x00b\x1f.pdf", "ab.pdf"),
        ("...", "tep-dinh-kem"),
    ],
)
def test_file_names_are_cleaned(raw: str, clean: str) -> None:
    from app.files.uploads import clean_file_name

    assert clean_file_name(raw) == clean


def test_the_contract_says_multipart_and_binary(app: Any) -> None:
    doc = app.openapi()
    upload_op = doc["paths"]["/api/v1/tasks/{resource_id}/attachments"]["post"]
    form = upload_op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["file"]["items"] == {"type": "string", "format": "binary"}
    assert form["required"] == ["file"]
    download = doc["paths"]["/api/v1/attachments/{attachment_id}/content"]["get"]
    media = download["responses"]["200"]["content"]
    assert media["application/pdf"]["schema"]["format"] == "binary"
    assert "image/png" in media and "application/zip" in media


def test_the_sweep_command(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    """`dondoc files sweep` removes a content no row names (and a leftover temporary file)."""
    from app.cli import main
    from app.core.config import get_settings

    objects_dir = tmp_path / "files" / "objects" / "ab"
    objects_dir.mkdir(parents=True)
    (objects_dir / ("ab" + "0" * 62)).write_bytes(b"orphan")
    (tmp_path / "files" / "tmp").mkdir()
    (tmp_path / "files" / "tmp" / "x.part").write_bytes(b"half")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DONDOC_FILES_DIR", str(tmp_path / "files"))
    get_settings.cache_clear()
    try:
        main(["files", "sweep", "--grace", "0"])
    finally:
        get_settings.cache_clear()
    assert "removed 2 files" in capsys.readouterr().out
    assert not any(p.is_file() for p in (tmp_path / "files").rglob("*"))


async def test_the_task_lists_its_documents_and_a_completion_cites_them(
    world: World, app: Any
) -> None:
    from datetime import UTC, datetime

    from tests.conftest import stand_at

    stand_at(app, datetime(2023, 6, 1, 3, 0, tzinfo=UTC))
    c = world.client
    task = await world.task()
    assert (await c.get(f"/api/v1/tasks/{task['id']}", headers=world.h["lead"])).json()[
        "documents"
    ] == []
    url = f"/api/v1/tasks/{task['id']}/attachments"
    made = (await upload(c, url, world.h["lead"], [("a.pdf", PDF), ("b.png", PNG)])).json()
    first, second = made["items"]
    await c.delete(f"/api/v1/attachments/{second['id']}", headers=world.h["lead"])
    body = (await c.get(f"/api/v1/tasks/{task['id']}", headers=world.h["lead"])).json()
    assert body["documents"] == [
        {
            "id": first["id"],
            "file_name": "a.pdf",
            "media_type": "application/pdf",
            "size_bytes": len(PDF),
            "record_id": None,
        }
    ]
    listed = (await c.get("/api/v1/tasks", headers=world.h["lead"])).json()["items"]
    assert "documents" not in listed[0]  # single reads only
    assert (await world.act(task, "lead", "start")).status_code == 200
    r = await world.act(task, "lead", "submit", result="Xong", evidence_ids=[second["id"]])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "evidence_ids"
    r = await world.act(task, "lead", "submit", result="Xong", evidence_ids=[first["id"]])
    assert r.status_code == 200, r.text
    history = (await c.get(f"/api/v1/tasks/{task['id']}/history", headers=world.h["lead"])).json()[
        "items"
    ]
    assert history[-1]["changes"]["evidence_ids"]["new"] == [first["id"]]


async def test_records_of_a_task_and_a_budget_request(world: World) -> None:
    """An extension request's and a disbursement's documents: attached to the record, listed
    with it and with its resource; a record of another resource is a 404."""
    from tests.test_permissions import APPROVED

    c = world.client
    task = await world.task(due_date="2099-12-31")
    asked = await c.post(
        f"/api/v1/tasks/{task['id']}/extension-requests",
        json={"proposed_due_date": "2100-03-31", "reason": "Chờ vốn"},
        headers=world.h["lead"],
    )
    assert asked.status_code == 201, asked.text
    url = f"/api/v1/tasks/{task['id']}/extension-requests/{asked.json()['id']}/attachments"
    r = await upload(c, url, world.h["lead"], [("cong-van-xin-gia-han.pdf", PDF)])
    assert r.status_code == 201, r.text
    assert r.json()["items"][0]["record_type"] == "extension_request"
    request = (
        await c.post(
            "/api/v1/budget-requests",
            json={
                "title": "Kinh phí",
                "requesting_agency_id": world.lead["id"],
                "expenditure_type": "recurrent",
                "purpose": "training",
                "funding_source": "provincial",
                "fiscal_year": 2099,
                "amount_requested_vnd": 100,
            },
            headers=world.h["admin"],
        )
    ).json()
    for action, fields in APPROVED:
        moved = await c.post(
            f"/api/v1/budget-requests/{request['id']}/transitions",
            json={"action": action, **fields},
            headers=world.h["admin"],
        )
        assert moved.status_code == 200, moved.text
    paid = await c.post(
        f"/api/v1/budget-requests/{request['id']}/disbursements",
        json={"amount_vnd": 50},
        headers=world.h["finance"],
    )
    assert paid.status_code == 201, paid.text
    url = f"/api/v1/budget-requests/{request['id']}/disbursements/{paid.json()['id']}/attachments"
    r = await upload(c, url, world.h["finance"], [("uy-nhiem-chi.pdf", PDF)])
    assert r.status_code == 201, r.text
    listed = (await c.get(url, headers=world.h["lead"])).json()["items"]
    assert [i["record_type"] for i in listed] == ["disbursement"]
    everything = (
        await c.get(f"/api/v1/budget-requests/{request['id']}/attachments", headers=world.h["lead"])
    ).json()["items"]
    assert len(everything) == 1
    wrong = f"/api/v1/budget-requests/{request['id']}/disbursements/{task['id']}/attachments"
    assert (await upload(c, wrong, world.h["finance"], [("x.pdf", PDF)])).status_code == 404
    assert (await c.get(url, headers=world.h["other"])).status_code == 404


async def test_a_frozen_report_cites_its_documents(world: World) -> None:
    c = world.client
    directive = (
        await c.post(
            "/api/v1/directives",
            json={"kind": "plan", "title": "Kế hoạch", "issuer_agency_id": world.lead["id"]},
            headers=world.h["office"],
        )
    ).json()
    url = f"/api/v1/directives/{directive['id']}/attachments"
    signed = (await upload(c, url, world.h["office"], [("bao-cao-da-ky.pdf", PDF)])).json()
    cited = signed["items"][0]["id"]
    r = await c.post(
        "/api/v1/reports/snapshots",
        json={
            "kind": "tasks",
            "group_by": "lead_agency",
            "period": "2023",
            "attachment_ids": [cited],
        },
        headers=world.h["office"],
    )
    assert r.status_code == 201, r.text
    assert r.json()["attachment_ids"] == [cited]
    again = (
        await c.get(f"/api/v1/reports/snapshots/{r.json()['id']}", headers=world.h["viewer"])
    ).json()
    assert again["attachment_ids"] == [cited]
    r = await c.post(
        "/api/v1/reports/snapshots",
        json={"kind": "tasks", "period": "2023", "attachment_ids": [directive["id"]]},
        headers=world.h["office"],
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "attachment_ids"
