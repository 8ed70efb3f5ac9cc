"""Two `dondoc serve` processes on one database under concurrent load: no lost update, no
duplicate code."""

from __future__ import annotations

import asyncio
import signal

import httpx

from tests.server import KEY, serve


async def test_two_instances_share_one_database(database_url: str) -> None:
    (first, a), (second, b) = await asyncio.gather(serve(database_url), serve(database_url))
    headers = {"Authorization": f"Bearer {KEY}"}
    try:
        async with httpx.AsyncClient(headers=headers, timeout=20) as client:
            agency = (
                await client.post(
                    f"{a}/api/v1/agencies", json={"code": "TWO1", "name": "x", "kind": "department"}
                )
            ).json()
            url = f"/api/v1/agencies/{agency['id']}"
            patches = await asyncio.gather(
                *(
                    client.patch(
                        f"{base}{url}",
                        json={"name": f"Tên {i}"},
                        headers={**headers, "If-Match": '"1"'},
                    )
                    for i, base in enumerate([a, b] * 8)
                )
            )
            assert sorted(r.status_code for r in patches) == [200] + [412] * 15
            winner = next(r.json()["name"] for r in patches if r.status_code == 200)
            assert (await client.get(f"{b}{url}")).json()["name"] == winner

            created = await asyncio.gather(
                *(
                    client.post(
                        f"{base}/api/v1/tasks",
                        json={"title": f"Nhiệm vụ {i}", "lead_agency_id": agency["id"]},
                    )
                    for i, base in enumerate([a, b] * 20)
                )
            )
            assert all(r.status_code == 201 for r in created)
            codes = [r.json()["code"] for r in created]
            assert len(set(codes)) == 40

            task = created[0].json()
            starts = await asyncio.gather(
                *(
                    client.post(
                        f"{base}/api/v1/tasks/{task['id']}/transitions", json={"action": "start"}
                    )
                    for base in [a, b] * 4
                )
            )
            assert sorted(r.status_code for r in starts) == [200] + [409] * 7
            history = (await client.get(f"{a}/api/v1/tasks/{task['id']}/history")).json()["items"]
            assert [h["action"] for h in history] == ["created", "start"]
    finally:
        for process in (first, second):
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), timeout=30)
