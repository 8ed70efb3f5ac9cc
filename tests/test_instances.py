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
            assert all(r.status_code == 201 for r in created), [
                (r.status_code, r.text[:300]) for r in created if r.status_code != 201
            ]
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


async def test_rate_limit_and_key_cache_are_per_process_as_documented(database_url: str) -> None:
    """Two instances: each counts a credential's requests of the calendar minute itself (the
    limit holds per process: a credential may make it on each), and a key revoked through one is
    refused by the other once its cache has expired (DONDOC_API_KEY_CACHE_SECONDS)."""
    import time

    env = {"DONDOC_RATE_LIMIT_PER_MINUTE": "4", "DONDOC_API_KEY_CACHE_SECONDS": "1"}
    if time.time() % 60 > 45:  # the counts are per calendar minute: start within one
        await asyncio.sleep(61 - time.time() % 60)
    (first, a), (second, b) = await asyncio.gather(
        serve(database_url, env=env), serve(database_url, env=env)
    )
    admin = {"Authorization": f"Bearer {KEY}"}
    try:
        async with httpx.AsyncClient(timeout=20) as client:
            keys = []
            for name in ("counted", "revoked"):
                made = await client.post(
                    f"{a}/api/v1/api-keys", json={"name": name, "role": "viewer"}, headers=admin
                )
                assert made.status_code == 201, made.text
                keys.append(made.json())
            counted = {"Authorization": f"Bearer {keys[0]['key']}"}
            for base in (a, b):
                codes = [
                    (await client.get(f"{base}/api/v1/me", headers=counted)).status_code
                    for _ in range(5)
                ]
                assert codes == [200, 200, 200, 200, 429], (base, codes)
            revoked = {"Authorization": f"Bearer {keys[1]['key']}"}
            assert (await client.get(f"{b}/api/v1/me", headers=revoked)).status_code == 200
            gone = await client.delete(f"{a}/api/v1/api-keys/{keys[1]['id']}", headers=admin)
            assert gone.status_code in (200, 204), gone.text
            assert (await client.get(f"{a}/api/v1/me", headers=revoked)).status_code == 401
            await asyncio.sleep(1.5)
            assert (await client.get(f"{b}/api/v1/me", headers=revoked)).status_code == 401
    finally:
        for process in (first, second):
            process.send_signal(signal.SIGTERM)
        await asyncio.gather(first.wait(), second.wait())
