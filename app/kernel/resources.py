"""What the shared machinery knows of a resource, declared once by its feature
(`app/<feature>/spec.py`) and assembled by the one registry (`app/registry.py`): the name it
has in history, the feed, attachments and comments; the collection in its URLs; its noun in
the notices officials read; the prefix of its human codes; who among an agency's staff sees
it; who may take each of its actions, and its lifecycle; whether documents and comments may
be attached to it, and to which of its records; whom its changes notify."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Table

from app.access.lifecycle import Lifecycle, Rule
from app.access.visibility import AgencyVisibility
from app.core.enums import NoticeKind


@dataclass(frozen=True)
class Record:
    """A record of a resource a document may belong to (a task's progress report, a budget
    request's disbursement): its type, its table and the column naming the resource."""

    name: str
    table: Table
    owner_column: str


@dataclass(frozen=True)
class Notices:
    """Whom a resource's changes notify: the notice each history action sends, and the
    officials it goes to — the focal official the resource names (`focal_column`, when it
    has one), else the focal points of the agency in `agency_column`. Comments that mention
    officials notify them on every commentable resource."""

    kinds: Mapping[str, NoticeKind]
    agency_column: str
    focal_column: str | None = None


@dataclass(frozen=True)
class Section:
    """A part of the API: its OpenAPI tag and the routers (modules, named: a router imports
    its service, which imports its spec) whose routes carry the tag, in the document's order."""

    tag: str
    description: str
    routers: tuple[str, ...]


@dataclass(frozen=True)
class ResourceSpec:
    name: str  # "budget_request": history, the feed, attachments, comments, permissions
    segment: str  # "budget-requests": its collection, /api/v1/<segment>/{id}
    noun_vi: str  # "Đề nghị kinh phí": in the notices officials read
    table: Table
    code_prefix: str | None = None  # "KP": codes KP-2023-00001 (app/kernel/codes.py)
    visibility: AgencyVisibility | None = None  # None: every role sees it
    attachable: bool = False
    commentable: bool = False
    records: tuple[Record, ...] = ()
    notices: Notices | None = None
    # Who may take each action (app/access/permissions.py enforces it): the lifecycle's
    # transitions are rows of it; `editable`: the statuses update and delete are open in
    # (none: every status).
    permissions: Mapping[str, Rule] | None = None
    lifecycle: Lifecycle | None = None
    editable: tuple[str, ...] = ()
    # The module of its service, named (not imported: the service imports its spec), whose
    # `load(conn, caller, id)` reads one as the caller sees it (404 otherwise): what
    # attaching and commenting load (`load_as_seen`).
    service: str | None = None
    # Its part of the API (None: it has no routes of its own).
    section: Section | None = None


Loader = Callable[[Any, Any, uuid.UUID], Awaitable[Row[*tuple[Any, ...]]]]


def loader(spec: ResourceSpec) -> Loader:
    """The service's `load` of the resource, its module imported by the name the spec gives."""
    if spec.service is None:
        raise LookupError(f"the {spec.name} spec names no service")
    load: Loader = importlib.import_module(spec.service).load
    return load
