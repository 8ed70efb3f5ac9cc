"""The access log of a real `dondoc serve`: one JSON line per request, written off the request
path (a queue and a thread of its own), never a credential; with DONDOC_ACCESS_LOG=false, none
is built at all while /metrics still counts every request."""

from __future__ import annotations

import json
import signal
import tempfile
from typing import Any

import httpx

from tests.server import AUTH, KEY, serve


async def _run(database_url: str, env: dict[str, str] | None) -> tuple[list[dict[str, Any]], str]:
    log = tempfile.TemporaryFile()
    process, base = await serve(database_url, log=log, env=env)
    try:
        async with httpx.AsyncClient(base_url=base, headers=AUTH) as client:
            for _ in range(3):
                assert (await client.get("/api/v1/agencies")).status_code == 200
            metrics = (await client.get("/metrics")).text
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()
    log.seek(0)
    text = log.read().decode()
    lines = []
    for line in text.splitlines():
        start = line.find("{")
        if "dondoc.access" in line and start >= 0:
            lines.append(json.loads(line[start:]))
    assert KEY not in text
    return lines, metrics


async def test_the_access_log_is_written_through_its_queue(database_url: str) -> None:
    lines, _ = await _run(database_url, None)
    listed = [line for line in lines if line["route"] == "/api/v1/agencies"]
    assert len(listed) == 3 and {line["status"] for line in listed} == {200}
    assert all(line["caller"]["role"] == "admin" for line in listed)


async def test_no_access_log_when_turned_off(database_url: str) -> None:
    lines, metrics = await _run(database_url, {"DONDOC_ACCESS_LOG": "false"})
    assert lines == []
    counted = [
        m
        for m in metrics.splitlines()
        if m.startswith("dondoc_http_requests_total") and '/api/v1/agencies"' in m
    ]
    assert counted and float(counted[0].rsplit(" ", 1)[1]) == 3
