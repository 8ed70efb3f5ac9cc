"""OIDC bearer tokens minted here, against a JWKS served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from app.core.config import Settings
from app.main import create_app
from tests.conftest import make_agency

ISSUER, AUDIENCE = "https://sso.example.gov.vn/realms/tinh", "dondoc"


class Jwks:
    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        self.url = ""

    async def start(self) -> asyncio.Server:
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/certs"
        return server

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        self.fetches += 1
        body = json.dumps({"keys": self.keys}).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
            % len(body)
            + body
        )
        await writer.drain()
        writer.close()


def rsa_key(kid: str) -> tuple[Any, dict[str, Any]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    return private, {**public, "kid": kid, "alg": "RS256", "use": "sig"}


def mint(private: Any, kid: str, alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "name": "Nguyễn Văn A",
        "iat": now,
        "exp": now + 300,
        "realm_access": {"roles": ["office"]},
    }
    body.update(claims)
    return jwt.encode(body, private, algorithm=alg, headers={"kid": kid})


@pytest.fixture
async def sso(database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Jwks, Any]]:
    jwks = Jwks()
    server = await jwks.start()
    private, public = rsa_key("k1")
    jwks.keys = [public]
    settings = Settings(
        oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_url=jwks.url, rate_limit_per_minute=0
    )
    app = create_app(settings, database_url=database_url)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        yield c, jwks, private
    server.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_valid_token_signs_in_with_its_role(sso) -> None:
    client, _, private = sso
    me = await client.get("/api/v1/me", headers=bearer(mint(private, "k1")))
    assert me.status_code == 200, me.text
    assert me.json()["role"] == "office" and me.json()["key_name"] == "Nguyễn Văn A (user-1)"
    created = await client.post(
        "/api/v1/agencies",
        json={"code": "SSO1", "name": "x", "kind": "other"},
        headers=bearer(mint(private, "k1")),
    )
    assert created.status_code == 201
    history = (
        await client.get(
            f"/api/v1/agencies/{created.json()['id']}/history", headers=bearer(mint(private, "k1"))
        )
    ).json()["items"]
    assert history[0]["actor_name"] == "Nguyễn Văn A (user-1)"


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 120},
        {"aud": "another-service"},
        {"iss": "https://evil.example/realms/x"},
        {"nbf": int(time.time()) + 600},
    ],
)
async def test_bad_claims_are_401(sso, claims: dict[str, Any]) -> None:
    client, _, private = sso
    response = await client.get("/api/v1/me", headers=bearer(mint(private, "k1", **claims)))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_forged_tokens_are_401(sso) -> None:
    client, jwks, _ = sso
    foreign, _ = rsa_key("k1")  # same kid, another key
    assert (await client.get("/api/v1/me", headers=bearer(mint(foreign, "k1")))).status_code == 401
    none = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60},
        "",  # no key: the "none" algorithm
        algorithm="none",
    )
    assert (await client.get("/api/v1/me", headers=bearer(none))).status_code == 401
    # HS256 "signed" with the public key, the classic algorithm confusion: built by hand, since
    # the library refuses to make one.
    public_text = json.dumps(jwks.keys[0]).encode()

    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    body = b64(
        json.dumps(
            {
                "iss": ISSUER,
                "aud": AUDIENCE,
                "sub": "x",
                "exp": int(time.time()) + 60,
                "realm_access": {"roles": ["admin"]},
            }
        ).encode()
    )
    signature = b64(hmac.new(public_text, head + b"." + body, hashlib.sha256).digest())
    hs = (head + b"." + body + b"." + signature).decode()
    assert (await client.get("/api/v1/me", headers=bearer(hs))).status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer("a.b.c"))).status_code == 401


async def test_unknown_roles_are_403_and_agencies_come_from_the_claim(
    sso, office: dict[str, str], client: httpx.AsyncClient
) -> None:
    sso_client, _, private = sso
    nobody = await sso_client.get(
        "/api/v1/me",
        headers=bearer(mint(private, "k1", realm_access={"roles": ["offline_access"]})),
    )
    assert nobody.status_code == 403
    agency = await make_agency(client, office, code="000.00.12.H99")
    staff = await sso_client.get(
        "/api/v1/me",
        headers=bearer(
            mint(private, "k1", realm_access={"roles": ["agency"]}, agency_code="000.00.12.H99")
        ),
    )
    assert staff.status_code == 200 and staff.json()["agency_id"] == agency["id"]
    unknown = await sso_client.get(
        "/api/v1/me",
        headers=bearer(mint(private, "k1", realm_access={"roles": ["agency"]}, agency_code="NOPE")),
    )
    assert unknown.status_code == 403


async def test_a_rotated_key_is_fetched_once(sso) -> None:
    client, jwks, private = sso
    assert (await client.get("/api/v1/me", headers=bearer(mint(private, "k1")))).status_code == 200
    fetched = jwks.fetches
    new_private, new_public = rsa_key("k2")
    jwks.keys = [jwks.keys[0], new_public]
    app = client._transport.app
    app.state.oidc.fetched_at = -1e9  # the minute since the last fetch has passed
    assert (
        await client.get("/api/v1/me", headers=bearer(mint(new_private, "k2")))
    ).status_code == 200
    assert jwks.fetches == fetched + 1
    for _ in range(3):  # an unknown kid within the minute does not fetch again
        assert (
            await client.get("/api/v1/me", headers=bearer(mint(new_private, "k9")))
        ).status_code == 401
    assert jwks.fetches == fetched + 1


async def test_es256_tokens_are_accepted(database_url: str) -> None:
    jwks = Jwks()
    server = await jwks.start()
    private = ec.generate_private_key(ec.SECP256R1())
    jwks.keys = [
        {
            **json.loads(ECAlgorithm.to_jwk(private.public_key())),
            "kid": "e1",
            "alg": "ES256",
            "use": "sig",
        }
    ]
    app = create_app(
        Settings(oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_url=jwks.url),
        database_url=database_url,
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        response = await c.get("/api/v1/me", headers=bearer(mint(private, "e1", alg="ES256")))
    server.close()
    assert response.status_code == 200


async def test_crafted_tokens_are_refused_not_crashes(sso) -> None:
    client, _, private = sso
    # A header naming the RSA key's kid with ES256, signed by an EC key: the library would
    # try to verify an ECDSA signature with an RSA key.
    ec_private = ec.generate_private_key(ec.SECP256R1())
    confused = mint(ec_private, "k1", alg="ES256")
    response = await client.get("/api/v1/me", headers=bearer(confused))
    assert response.status_code == 401 and response.json()["type"] == "/problems/unauthorized"
    # An agency code holding NUL (or anything not shaped like a code) never reaches the database.
    for code in ("000.00.12\x00H99", "x" * 36, "a b"):
        staff = await client.get(
            "/api/v1/me",
            headers=bearer(
                mint(private, "k1", realm_access={"roles": ["agency"]}, agency_code=code)
            ),
        )
        assert staff.status_code == 403, code
    # A name with NUL and a bidi override is recorded without them.
    named = await client.get(
        "/api/v1/me", headers=bearer(mint(private, "k1", name="Nguyễn\x00 Văn\u202e A"))
    )
    assert named.status_code == 200 and named.json()["key_name"] == "Nguyễn Văn A (user-1)"


async def test_a_token_acts_as_the_official_of_its_subject(sso) -> None:
    """An official whose `oidc_subject` is the token's `sub` is who the token acts as: /me
    shows them, `assignee=me` finds their tasks, a comment names them as its author."""
    from app.access.auth import forget_subjects

    client, _, private = sso
    office = bearer(mint(private, "k1"))
    agency = await make_agency(client, office, name="Sở Khoa học và Công nghệ")
    made = await client.post(
        "/api/v1/officials",
        json={"name": "Đỗ Thị Bình", "agency_id": agency["id"], "oidc_subject": "user-7"},
        headers=office,
    )
    assert made.status_code == 201, made.text
    signed_in = bearer(mint(private, "k1", sub="user-7"))
    me = (await client.get("/api/v1/me", headers=signed_in)).json()
    assert me["official"]["id"] == made.json()["id"]
    assert (await client.get("/api/v1/me", headers=office)).json()["official"] is None
    task = await client.post(
        "/api/v1/tasks",
        json={"title": "x", "lead_agency_id": agency["id"], "lead_official_id": made.json()["id"]},
        headers=office,
    )
    mine = (await client.get("/api/v1/tasks?assignee=me", headers=signed_in)).json()["items"]
    assert [t["id"] for t in mine] == [task.json()["id"]]
    # retired: the subject no longer resolves (the link is looked up again at once)
    await client.patch(
        f"/api/v1/officials/{made.json()['id']}",
        json={"active": False},
        headers={**office, "If-Match": '"1"'},
    )
    forget_subjects()
    assert (await client.get("/api/v1/me", headers=signed_in)).json()["official"] is None
