"""Credentials and roles: API keys checked from memory on the hot path."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.admin.models import API_KEYS
from app.agencies.models import AGENCY_CODE_PATTERN
from app.core.enums import AgencyStatus, Role
from app.errors.domain import Forbidden, TooManyRequests, Unauthorized
from app.kernel.schemas import utcnow

log = logging.getLogger("dondoc.auth")

KEY_PREFIX = "ddk_"
AGENCY_CODE = re.compile(AGENCY_CODE_PATTERN)
LAST_USED_RESOLUTION_SECONDS = 60.0


@dataclass(frozen=True)
class Caller:
    role: Role
    agency_id: uuid.UUID | None = None
    key_id: uuid.UUID | None = None
    name: str | None = None
    # The official behind the credential, when one is linked (API key or OIDC subject).
    official_id: uuid.UUID | None = None

    @property
    def identity(self) -> str:
        """Stable identity of the credential, used to scope idempotency keys."""
        return f"key:{self.key_id}" if self.key_id else f"role:{self.role}"

    def has_role(self, *roles: Role) -> bool:
        return self.role == Role.admin or self.role in roles

    def require(self, *roles: Role) -> None:
        if not self.has_role(*roles):
            allowed = ", ".join(r.value for r in roles) or "admin"
            raise Forbidden(f"Role '{self.role}' may not do this (allowed: admin, {allowed}).")


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough; only the hash is stored.
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class KeyCache:
    """Recently verified keys. Revocation in this process evicts at once; other processes
    notice within `ttl` seconds."""

    ttl: float
    entries: dict[str, tuple[Caller, float]] = field(default_factory=dict)
    touched: dict[uuid.UUID, float] = field(default_factory=dict)

    def get(self, key_hash: str) -> Caller | None:
        hit = self.entries.get(key_hash)
        if hit is None:
            return None
        caller, expires = hit
        if expires < time.monotonic():
            self.entries.pop(key_hash, None)
            return None
        return caller

    def put(self, key_hash: str, caller: Caller) -> None:
        if len(self.entries) > 10_000:
            self.entries.clear()
        self.entries[key_hash] = (caller, time.monotonic() + self.ttl)

    def evict(self, key_id: uuid.UUID) -> None:
        for h, (caller, _) in list(self.entries.items()):
            if caller.key_id == key_id:
                self.entries.pop(h, None)

    def evict_agency(self, agency_id: uuid.UUID) -> None:
        """Keys of an agency that stopped being active are checked again at their next use."""
        for h, (caller, _) in list(self.entries.items()):
            if caller.agency_id == agency_id:
                self.entries.pop(h, None)

    def due_for_touch(self, key_id: uuid.UUID) -> bool:
        now = time.monotonic()
        if now - self.touched.get(key_id, -1e9) < LAST_USED_RESOLUTION_SECONDS:
            return False
        self.touched[key_id] = now
        return True


async def lookup_key(engine: AsyncEngine, key_hash: str) -> Caller | None:
    """The caller behind a key that is not revoked; Forbidden when the key belongs to an agency
    that was merged, dissolved or deleted (its staff sign in through the successor now)."""
    from app.agencies.models import AGENCIES
    from app.db import single_statements

    t, a = API_KEYS.c, AGENCIES.c
    async with engine.connect() as conn:
        await single_statements(conn)
        row = (
            await conn.execute(
                select(t.id, t.name, t.role, t.agency_id, t.official_id, a.status, a.deleted_at)
                .select_from(API_KEYS.outerjoin(AGENCIES, a.id == t.agency_id))
                .where(t.key_hash == key_hash, t.revoked_at.is_(None))
            )
        ).first()
    if row is None:
        return None
    if row.role == Role.agency.value and (
        row.status != AgencyStatus.active or row.deleted_at is not None
    ):
        state = "deleted" if row.deleted_at is not None else row.status
        raise Forbidden(
            f"This key belongs to an agency that is {state}: keys of an agency that is no longer"
            " active do not sign in. Ask an administrator for a key of the successor."
        )
    return Caller(
        role=Role(row.role),
        agency_id=row.agency_id,
        key_id=row.id,
        name=row.name,
        official_id=row.official_id,
    )


async def _touch(engine: AsyncEngine, key_id: uuid.UUID) -> None:
    t = API_KEYS.c
    try:
        async with engine.begin() as conn:
            await conn.execute(update(API_KEYS).where(t.id == key_id).values(last_used_at=utcnow()))
    except Exception:  # bookkeeping only; never fails a request
        log.warning("could not record last use of key %s", key_id, exc_info=True)


class RateLimiter:
    """At most `per_minute` requests per credential and calendar minute, in this process (with
    several processes each keeps its own count)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.windows: dict[uuid.UUID, tuple[int, int]] = {}

    def hit(self, key_id: uuid.UUID) -> tuple[int, int]:
        """Count a request; (requests left, seconds until the window resets), or 429."""
        now = time.time()
        minute = int(now // 60)
        start, count = self.windows.get(key_id, (minute, 0))
        if start != minute:
            start, count = minute, 0
        count += 1
        self.windows[key_id] = (start, count)
        if len(self.windows) > 100_000:
            self.windows = {k: v for k, v in self.windows.items() if v[0] == minute}
        reset = max(1, int((minute + 1) * 60 - now) + 1)
        if count > self.per_minute:
            raise TooManyRequests(
                f"More than {self.per_minute} requests a minute with this credential.", reset
            )
        return self.per_minute - count, reset


class FailedSignIns:
    """Failed authentications per client address and calendar minute, in this process. Past
    the limit, a credential not already verified from memory is refused with 429 before any
    database lookup: guessing keys costs the database nothing."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.windows: dict[str, tuple[int, int]] = {}

    def _window(self, address: str) -> tuple[int, int]:
        minute = int(time.time() // 60)
        start, count = self.windows.get(address, (minute, 0))
        return (minute, 0) if start != minute else (start, count)

    def check(self, address: str) -> None:
        start, count = self._window(address)
        if count >= self.per_minute:
            retry = max(1, int((start + 1) * 60 - time.time()) + 1)
            raise TooManyRequests(
                f"Too many failed sign-ins from {address}; try again in {retry} s.", retry
            )

    def failed(self, address: str) -> tuple[int, int]:
        """Count a failed sign-in; (failures left, seconds until the window resets)."""
        start, count = self._window(address)
        if len(self.windows) > 100_000:
            self.windows = {a: w for a, w in self.windows.items() if w[0] == start}
        self.windows[address] = (start, count + 1)
        return max(0, self.per_minute - count - 1), max(1, int((start + 1) * 60 - time.time()))


def _quota(request: Request, policy: str, limit: int, left: int, reset: int) -> None:
    """The rate-limit headers of this answer (IETF draft: RateLimit, RateLimit-Policy)."""
    request.state.rate_limit = (f'"{policy}";q={limit};w=60', f'"{policy}";r={left};t={reset}')


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


_background: set[asyncio.Task[None]] = set()


async def authenticate(request: Request) -> Caller:
    """The caller behind `Authorization: Bearer <key>`, from memory when recently seen.

    The header is read directly (the OpenAPI security scheme is declared in app/api/openapi.py):
    a nested security dependency would cost more than the check itself."""
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("Send 'Authorization: Bearer <credential>'.")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send 'Authorization: Bearer <credential>'.")
    throttle: FailedSignIns | None = request.app.state.failed_sign_ins
    try:
        if token.count(".") == 2:
            caller = await _token_caller(request, token, throttle)
        else:
            caller = await _key_caller(request, token, throttle)
    except Unauthorized:
        if throttle is not None:
            left, reset = throttle.failed(_client_address(request))
            _quota(request, "sign-in", throttle.per_minute, left, reset)
        raise
    assert caller.key_id is not None
    limiter: RateLimiter | None = request.app.state.rate_limiter
    if limiter is not None:
        try:
            left, reset = limiter.hit(caller.key_id)
        except TooManyRequests as exc:
            _quota(request, "credential", limiter.per_minute, 0, int(exc.headers["Retry-After"]))
            raise
        _quota(request, "credential", limiter.per_minute, left, reset)
    request.state.caller = caller
    return caller


async def _token_caller(request: Request, token: str, throttle: FailedSignIns | None) -> Caller:
    """A signed-in user: role and agency from the token's claims."""
    from app.access.oidc import claim, role_of, subject_id

    verifier = request.app.state.oidc
    if not verifier.enabled:
        raise Unauthorized("Bearer tokens (OIDC) are not accepted by this deployment.")
    if throttle is not None:
        throttle.check(_client_address(request))
    claims = await verifier.claims(token)
    settings = request.app.state.settings
    role = role_of(claims, settings.oidc_roles_claim)
    agency_id = None
    if role == Role.agency:
        code = claim(claims, settings.oidc_agency_claim)
        # Only something shaped like an agency code reaches the database (a NUL would not).
        usable = isinstance(code, str) and AGENCY_CODE.fullmatch(code) is not None
        agency_id = await _agency_by_code(request, code) if usable else None
        if agency_id is None:
            raise Forbidden("The token names no active agency of this service.")
    name = claims.get("name") or claims.get("preferred_username")
    subject = printable(str(claims["sub"]))
    shown = f"{printable(str(name))} ({subject})" if name else subject
    return Caller(
        role=role,
        agency_id=agency_id,
        key_id=subject_id(claims["iss"], claims["sub"]),
        name=shown[:300],
        official_id=await _official_by_subject(request, str(claims["sub"])),
    )


def printable(text: str) -> str:
    """A name from a token as it may be recorded in history: no control, format or other
    invisible characters (PostgreSQL refuses NUL; bidi overrides would disguise it)."""
    return "".join(ch for ch in text if ch.isprintable() and unicodedata.category(ch) != "Cf")


_SUBJECTS: dict[str, tuple[uuid.UUID | None, float]] = {}
SUBJECT_TTL_SECONDS = 30.0


async def _official_by_subject(request: Request, subject: str) -> uuid.UUID | None:
    """The active official whose `oidc_subject` is the token's `sub` (remembered for
    SUBJECT_TTL_SECONDS: a token is verified on every request, the link changes rarely)."""
    from app.people.models import OFFICIALS

    hit = _SUBJECTS.get(subject)
    if hit is not None and hit[1] > time.monotonic():
        return hit[0]
    o = OFFICIALS.c
    async with request.app.state.read_engine.connect() as conn:
        found: uuid.UUID | None = (
            await conn.execute(select(o.id).where(o.oidc_subject == subject, o.active))
        ).scalar()
    if len(_SUBJECTS) > 10_000:
        _SUBJECTS.clear()
    _SUBJECTS[subject] = (found, time.monotonic() + SUBJECT_TTL_SECONDS)
    return found


def forget_subjects() -> None:
    """Links changed (an official edited): the next token looks its official up again."""
    _SUBJECTS.clear()


async def _agency_by_code(request: Request, code: str) -> uuid.UUID | None:
    from app.agencies import refs as agency_refs

    async with request.app.state.read_engine.connect() as conn:
        return (await agency_refs.by_codes(conn, [code], active=True)).get(code)


async def _key_caller(request: Request, token: str, throttle: FailedSignIns | None) -> Caller:
    key_hash = hash_key(token)
    cache: KeyCache = request.app.state.key_cache
    caller = cache.get(key_hash)
    if caller is None:
        if throttle is not None:
            throttle.check(_client_address(request))
        # Through the read pool: a flood of unknown keys never takes a connection that writes.
        caller = await lookup_key(request.app.state.read_engine, key_hash)
        if caller is None:
            raise Unauthorized("Invalid or revoked API key.")
        cache.put(key_hash, caller)
    assert caller.key_id is not None
    if cache.due_for_touch(caller.key_id):
        task = asyncio.create_task(_touch(request.app.state.engine, caller.key_id))
        _background.add(task)
        task.add_done_callback(_background.discard)
    return caller


CurrentCaller = Annotated[Caller, Depends(authenticate)]
