"""A full attachments' disk under a real `dondoc serve` on a PostgreSQL of the test's own: an
upload is 507 `storage-full` (not a database outage), the log names the store and its free
space, `/readyz` says the store cannot take files, and a multi-file upload that fails part-way
leaves no file behind. The store is a small tmpfs mounted by the test (it needs root, as CI
runs)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.faults import an_agency, own_cluster
from tests.server import AUTH, serve

MAX_UPLOAD = 300_000


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "files"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _pdf(size: int, seed: int) -> bytes:
    return b"%PDF-1.4\n" + bytes([seed]) * 7 + os.urandom(size - 16)


def _fill(disk: Path, leave: int) -> Path:
    """A filler file that leaves about `leave` bytes free on `disk`."""
    filler = disk / "filler"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with open(filler, "ab") as handle:
        handle.write(b"\0" * max(0, free - leave))
    return filler


def _stored_files(disk: Path) -> list[Path]:
    return [p for p in disk.rglob("*") if p.is_file() and p.name != "filler"]


async def test_a_full_attachment_disk_is_its_own_problem(tmp_path: Path, small_disk: Path) -> None:
    url, _ = await own_cluster(tmp_path, "storage")
    log = tempfile.TemporaryFile()
    process, base = await serve(
        url,
        log,
        {"DONDOC_FILES_DIR": str(small_disk), "DONDOC_MAX_UPLOAD_BYTES": str(MAX_UPLOAD)},
    )
    try:
        async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=30) as client:
            agency = await an_agency(client, "DISK1", "Sở Đĩa")
            task = (
                await client.post(
                    "/api/v1/tasks", json={"title": "Hồ sơ", "lead_agency_id": agency["id"]}
                )
            ).json()
            attachments = f"/api/v1/tasks/{task['id']}/attachments"
            assert (await client.get("/readyz")).status_code == 200

            # Room for one file of three: the upload fails part-way, nothing of it stays.
            filler = _fill(small_disk, 400_000)
            files = [
                ("file", (f"bao-cao-{n}.pdf", _pdf(250_000, n), "application/pdf"))
                for n in range(3)
            ]
            response = await client.post(attachments, files=files)
            assert response.status_code == 507, response.text
            problem = orjson.loads(response.content)
            assert problem["code"] == "storage-full"
            assert response.headers["content-type"] == "application/problem+json"
            assert _stored_files(small_disk) == []
            listed = (await client.get(attachments)).json()
            assert listed["items"] == []
            assert (await client.get("/readyz")).status_code == 200  # a file still fits

            # Less room than one file may need: /readyz says the store cannot take files.
            _fill(small_disk, 100_000)
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert "attachments' store cannot take files" in ready.json()["detail"]
            one = [("file", ("to-trinh.pdf", _pdf(200_000, 9), "application/pdf"))]
            refused = await client.post(attachments, files=one)
            assert refused.status_code == 507 and refused.json()["code"] == "storage-full"
            assert _stored_files(small_disk) == []
            assert (await client.get("/healthz")).status_code == 200
            # The database is fine meanwhile: other work goes on.
            assert (await client.get(f"/api/v1/tasks/{task['id']}")).status_code == 200

            filler.unlink()  # the operator made room
            assert (await client.get("/readyz")).status_code == 200
            stored = await client.post(attachments, files=one)
            assert stored.status_code == 201, stored.text
            assert len(_stored_files(small_disk)) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=60)
    log.seek(0)
    written = log.read().decode()
    assert f"attachments' store at {small_disk}" in written and "bytes free" in written
    assert "database unavailable" not in written and "Traceback" not in written
