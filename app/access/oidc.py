"""OIDC bearer tokens from the province's identity provider (often Keycloak), beside API keys.

Only asymmetric signatures (RS256, ES256) with keys from DONDOC_OIDC_JWKS_URL are accepted; the
key set is cached and fetched again when a token names an unknown `kid`, at most once a minute.
`iss`, `aud`, `exp` and `nbf` are checked with 60 s of leeway.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

import httpx
import jwt

from app.core.config import Settings
from app.core.enums import Role
from app.errors.domain import Forbidden, Unauthorized

log = logging.getLogger("dondoc.oidc")
ALGORITHMS = ["RS256", "ES256"]
LEEWAY_SECONDS = 60
REFRESH_SECONDS = 60.0
# When a token names several roles, the broadest one applies.
ROLE_ORDER = (Role.admin, Role.office, Role.leader, Role.finance, Role.viewer, Role.agency)


class Verifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.keys: dict[str, Any] = {}
        self.fetched_at = -1e9
        self.lock = asyncio.Lock()

    @property
    def enabled(self) -> bool:
        s = self.settings
        return bool(s.oidc_issuer and s.oidc_audience and s.oidc_jwks_url)

    async def _refresh(self) -> None:
        async with self.lock:
            if time.monotonic() - self.fetched_at < REFRESH_SECONDS:
                return
            self.fetched_at = time.monotonic()
            try:
                async with httpx.AsyncClient(
                    timeout=5, follow_redirects=False, trust_env=False
                ) as client:
                    data = (
                        (await client.get(str(self.settings.oidc_jwks_url)))
                        .raise_for_status()
                        .json()
                    )
                keys = {}
                for entry in data.get("keys", []):
                    try:
                        key = jwt.PyJWK(entry)
                    except jwt.PyJWTError:
                        continue
                    if entry.get("kid") and key.algorithm_name in ALGORITHMS:
                        keys[entry["kid"]] = (key.key, key.algorithm_name)
                self.keys = keys
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("could not fetch the JWKS: %r", exc)

    async def _key(self, kid: str) -> Any:
        if kid not in self.keys:
            await self._refresh()
        if kid not in self.keys:
            raise Unauthorized("The token is signed with an unknown key.")
        return self.keys[kid]

    async def claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("Malformed token.") from exc
        if header.get("alg") not in ALGORITHMS:
            raise Unauthorized("Only RS256 and ES256 tokens are accepted.")
        key, algorithm = await self._key(str(header.get("kid", "")))
        if header["alg"] != algorithm:
            # An ES256 header naming an RSA key's kid (or the reverse) verifies nothing.
            raise Unauthorized("The token's algorithm is not its key's.")
        try:
            return dict(
                jwt.decode(
                    token,
                    key,
                    algorithms=[algorithm],
                    audience=self.settings.oidc_audience,
                    issuer=self.settings.oidc_issuer,
                    leeway=LEEWAY_SECONDS,
                    options={"require": ["exp", "iss", "aud", "sub"]},
                )
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthorized(f"Invalid token: {type(exc).__name__}.") from exc


def claim(claims: dict[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def role_of(claims: dict[str, Any], path: str) -> Role:
    named = claim(claims, path)
    names = set(named) if isinstance(named, list) else {named} if isinstance(named, str) else set()
    for role in ROLE_ORDER:
        if role.value in names:
            return role
    raise Forbidden("The token names no role of this service.")


def subject_id(issuer: str, subject: str) -> uuid.UUID:
    """A stable id for a signed-in user, for rate limits and idempotency keys."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer}#{subject}")
