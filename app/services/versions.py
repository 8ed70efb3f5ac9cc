"""Optimistic concurrency: ETag is the version, If-Match must name the current one."""

from __future__ import annotations

from app.errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"{version}"'


def matches(if_match: str, version: int) -> bool:
    for tag in if_match.split(","):
        tag = tag.strip()
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag.strip('"') == str(version):
            return True
    return False


def check(if_match: str | None, version: int, *, required: bool) -> None:
    """428 when required and missing; 412 when it names another version."""
    if if_match is None:
        if required:
            raise PreconditionRequired(
                "Send If-Match with the ETag of the version you are changing."
            )
        return
    if not matches(if_match, version):
        raise PreconditionFailed(
            f"The resource has changed (current version {version}); read it again and retry.",
            current_version=version,
        )
