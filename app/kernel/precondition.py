"""The version precondition of a change (`If-Match`), parsed once per request.

`ETag` is the resource's version as a strong entity tag (`"3"`). `If-Match` matches with the
strong comparison of RFC 9110 §13.1.1: `*`, or a listed strong tag equal to the current one; a
weak tag (`W/"3"`) never matches. Whether the header is required (PATCH) is decided where the
precondition is made, once, not at every call site; it is applied to the row being changed by
`app/kernel/versioned.py`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors.domain import BadRequest, PreconditionFailed, PreconditionRequired

_TAG = re.compile(r'\*|(?:W/)?"[\x21\x23-\x7e]*"')


def etag(version: int) -> str:
    return f'"{version}"'


@dataclass(frozen=True)
class Precondition:
    tags: tuple[str, ...] | None  # None: no If-Match was sent
    required: bool = False

    @classmethod
    def parse(cls, header: str | None, *, required: bool = False) -> Precondition:
        if header is None:
            return cls(None, required)
        tags = tuple(t.strip() for t in header.split(",") if t.strip())
        if not tags or not all(_TAG.fullmatch(t) for t in tags):
            raise BadRequest(
                'If-Match: send the ETag as it was given, e.g. "3" (quotes included), or *.',
                errors=[{"field": "If-Match", "message": "not a list of entity tags"}],
            )
        return cls(tags, required)

    def check(self, version: int) -> None:
        """428 when required and missing; 412 when it names another version."""
        if self.tags is None:
            if self.required:
                raise PreconditionRequired(
                    "Send If-Match with the ETag of the version you are changing."
                )
            return
        current = etag(version)
        if not any(t == "*" or t == current for t in self.tags):
            raise PreconditionFailed(
                f"The resource has changed (current version {version}); read it again and retry.",
                current_version=version,
            )


# The default of a route parameter; FastAPI always runs the dependency instead.
ABSENT = Precondition(None)
