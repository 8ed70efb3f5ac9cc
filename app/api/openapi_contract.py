"""What the OpenAPI document says beyond FastAPI's defaults, so that generated clients are
typed as the service behaves: every status an operation can answer, every response header,
header parameters as plain strings (If-Match required where the service requires it), and
downloads (CSV, xlsx) as binary."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from app.core import enums

DOWNLOADS = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
STRING = {"schema": {"type": "string"}}
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {"description": "The service's id of this request (quote it).", **STRING},
    "RateLimit": {
        "description": 'Quota left (IETF draft): `"credential";r=599;t=42` — requests left '
        "this window and seconds until it resets (`sign-in` for failed sign-ins).",
        **STRING,
    },
    "RateLimit-Policy": {
        "description": 'The quota (IETF draft): `"credential";q=600;w=60`.',
        **STRING,
    },
    "ETag": {"description": 'The version, as a strong entity tag (`"3"`).', **STRING},
    "Location": {"description": "The created resource.", **STRING},
    "Link": {"description": 'The next page: `<…?cursor=…>; rel="next"`.', **STRING},
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer of an earlier request with the "
        "same Idempotency-Key.",
        **STRING,
    },
    "Retry-After": {"description": "Seconds to wait before retrying.", **STRING},
    "Content-Disposition": {
        "description": "`attachment` with the file name (RFC 6266, `filename*` in UTF-8).",
        **STRING,
    },
}
EXTRA_STATUSES = {
    "400": "Malformed request: an unknown query parameter, a malformed header (problem+json)",
    "404": "Not found, or not visible to the caller (problem+json)",
    "409": "Conflict, or a request with the same Idempotency-Key still running (problem+json)",
    "412": "If-Match names an old version (problem+json)",
    "413": "Body too large (problem+json)",
    "415": "Unsupported content type (problem+json)",
    "428": "If-Match missing (problem+json)",
    "429": "Too many requests: wait Retry-After (problem+json)",
    "500": "Unexpected error; quote request_id (problem+json)",
    "503": "Database unavailable or busy: retry after Retry-After (problem+json)",
}


# Names of the meta catalogue (GET /meta/enums) → the schema each is published as.
CATALOGUE_SCHEMAS: dict[str, type[StrEnum]] = {
    "role": enums.Role,
    "agency_kind": enums.AgencyKind,
    "agency_status": enums.AgencyStatus,
    "directive_kind": enums.DirectiveKind,
    "directive_status": enums.DirectiveStatus,
    "task_status": enums.TaskStatus,
    "task_priority": enums.Priority,
    "extension_request_status": enums.ExtensionStatus,
    "deadline_change_kind": enums.DeadlineChangeKind,
    "task_pillar": enums.Pillar,
    "task_recurrence": enums.Recurrence,
    "timeliness": enums.Timeliness,
    "reminder_kind": enums.ReminderKind,
    "reminder_channel": enums.ReminderChannel,
    "proposal_category": enums.ProposalCategory,
    "proposal_status": enums.ProposalStatus,
    "proposal_resolution": enums.Resolution,
    "expenditure_type": enums.ExpenditureType,
    "budget_purpose": enums.BudgetPurpose,
    "funding_source": enums.FundingSource,
    "budget_request_status": enums.BudgetStatus,
    "notify_mode": enums.NotifyMode,
    "notice_kind": enums.NoticeKind,
    "notice_status": enums.NoticeStatus,
}


EDITS = ("created", "updated", "deleted", "restored")
# The history actions of each resource type beyond its lifecycle's transitions (docs/api.md).
OTHER_ACTIONS: dict[str, tuple[str, ...]] = {
    "agency": (*EDITS, "succession"),
    "directive": (*EDITS, "attached", "detached"),
    "task": (
        *EDITS,
        "progress_reported",
        "extension_requested",
        "extension_decided",
        "deadline_adjusted",
        "reminded",
        "due_soon",
        "overdue",
        "commented",
        "attached",
        "detached",
    ),
    "proposal": (*EDITS, "tasks_assigned", "commented", "attached", "detached"),
    "budget_request": (
        *EDITS,
        "disbursed",
        "deadline_extended",
        "commented",
        "attached",
        "detached",
    ),
    "official": ("created", "updated"),
    "api_key": ("created", "revoked"),
    "webhook": EDITS,
    "report_snapshot": ("created",),
}


def history_actions() -> dict[str, list[str]]:
    """Every action a history entry (and so an event `<resource_type>.<action>`) can carry,
    by resource type."""
    from app.registry import LIFECYCLES

    return {
        resource: list(
            dict.fromkeys(
                [
                    *others,
                    *(list(LIFECYCLES[resource].transitions) if resource in LIFECYCLES else []),
                ]
            )
        )
        for resource, others in OTHER_ACTIONS.items()
    }


def _closed_sets() -> dict[str, list[str]]:
    """Schemas of closed sets the models keep as plain strings, by name."""
    from app.registry import PERMISSIONS

    rowless = {"create", "read"}
    sets = {
        f"{name}Action": sorted(set(PERMISSIONS[resource]) - rowless)
        for name, resource in (
            ("Agency", "agency"),
            ("Directive", "directive"),
            ("Task", "task"),
            ("Proposal", "proposal"),
            ("BudgetRequest", "budget_request"),
            ("Official", "official"),
        )
    }
    sets["ResourceType"] = list(OTHER_ACTIONS)
    actions = history_actions()
    sets["HistoryAction"] = list(dict.fromkeys(a for each in actions.values() for a in each))
    sets["EventType"] = [f"{r}.{a}" for r, each in actions.items() for a in each]
    sets["SnapshotKind"] = ["tasks"]
    for enum in (enums.ExtensionStatus, enums.DeliveryStatus, enums.Role):
        sets[enum.__name__] = [m.value for m in enum]
    return sets


# (schema, property) → the closed set its value (or each item) is from
ENUM_FIELDS = {
    ("AgencyRead", "allowed_actions"): "AgencyAction",
    ("DirectiveRead", "allowed_actions"): "DirectiveAction",
    ("TaskRead", "allowed_actions"): "TaskAction",
    ("ProposalRead", "allowed_actions"): "ProposalAction",
    ("BudgetRequestRead", "allowed_actions"): "BudgetRequestAction",
    ("OfficialRead", "allowed_actions"): "OfficialAction",
    ("ExtensionRequestRead", "status"): "ExtensionStatus",
    ("DeliveryRead", "status"): "DeliveryStatus",
    ("HistoryRead", "resource_type"): "ResourceType",
    ("EventRead", "resource_type"): "ResourceType",
    ("HistoryRead", "actor_role"): "Role",
    ("HistoryRead", "action"): "HistoryAction",
    ("EventData", "action"): "HistoryAction",
    ("DriftChange", "action"): "HistoryAction",
    ("DriftChange", "actor_role"): "Role",
    ("EventRead", "type"): "EventType",
    ("Actor", "role"): "Role",
    ("SnapshotRead", "kind"): "SnapshotKind",
    ("SnapshotSummary", "kind"): "SnapshotKind",
    ("SnapshotRead", "group_by"): "TaskGroupBy",
}


def _enums(schemas: dict[str, Any]) -> None:
    """Closed sets as named enum schemas, referenced where they are used."""
    for name, values in _closed_sets().items():
        schemas.setdefault(name, {"type": "string", "enum": values, "title": name})
    for enum in CATALOGUE_SCHEMAS.values():
        schemas.setdefault(
            enum.__name__,
            {"type": "string", "enum": [m.value for m in enum], "title": enum.__name__},
        )
    for (owner, prop), name in ENUM_FIELDS.items():
        properties = schemas.get(owner, {}).get("properties", {})
        if prop not in properties:
            continue
        field = properties[prop]
        ref = {"$ref": f"#/components/schemas/{name}"}
        keep = {k: v for k, v in field.items() if k in ("title", "description")}
        if field.get("type") == "array":
            properties[prop] = {**keep, "type": "array", "items": ref}
        elif any(s.get("type") == "null" for s in field.get("anyOf", [])):
            properties[prop] = {**keep, "anyOf": [ref, {"type": "null"}]}
        else:
            properties[prop] = {**keep, **ref}


# Answers whose every field is always sent (defaults in the model are for building them).
ALWAYS_SENT = ("AgencyRead", "MeetingRead", "SnapshotParams")


def _required(schemas: dict[str, Any]) -> None:
    """Fields always sent are `required` in answers: a page's `next_cursor` (null on the last
    page; `total` only with `count=true`), every field of ALWAYS_SENT."""
    for name, schema in schemas.items():
        properties = schema.get("properties", {})
        wanted = list(properties) if name in ALWAYS_SENT else []
        if "next_cursor" in properties and "items" in properties:
            wanted = ["items", "next_cursor"]
        if wanted:
            schema["required"] = [*schema.get("required", []), *wanted]
            schema["required"] = list(dict.fromkeys(schema["required"]))


def _headers(*names: str) -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _schema_of(response: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    return dict(schemas.get(ref.rsplit("/", 1)[-1], {})) if ref else schema


def _statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    """The statuses this operation can answer beyond those it declares."""
    params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
    extra = ["429", "500", "503"]
    if path.startswith("/api/"):
        extra.append("400")  # an unknown query parameter, a malformed header
    if "{" in path:
        extra.append("404")  # a path id that names nothing (or is not an id)
    if "requestBody" in operation or method in ("post", "put", "patch"):
        extra += ["413", "415"]
    if "Idempotency-Key" in params:
        extra.append("409")
    if "If-Match" in params:
        extra += ["412", "428"]
    return extra


def _parameters(operation: dict[str, Any]) -> None:
    for param in operation.get("parameters", []):
        if param["in"] != "header":
            continue
        schema = param["schema"]
        strings = [s for s in schema.get("anyOf", []) if s.get("type") == "string"]
        param["schema"] = {
            **(strings[0] if strings else {"type": "string"}),
            **({"title": schema["title"]} if "title" in schema else {}),
        }
        if param.get("description", "").startswith("Required: "):
            param["required"] = True


def _response_headers(
    path: str, method: str, code: str, response: dict[str, Any], schemas: dict[str, Any]
) -> None:
    headers = response.setdefault("headers", {})
    headers.update(_headers("X-Request-ID"))
    if path.startswith("/api/"):
        headers.update(_headers("RateLimit", "RateLimit-Policy"))
    if code in ("429", "503"):
        headers.update(_headers("Retry-After"))
    if code[0] != "2":
        return
    content = response.get("content", {})
    if any(media in content for media in DOWNLOADS):
        headers.update(_headers("Content-Disposition"))
    properties = _schema_of(response, schemas).get("properties", {})
    if "version" in properties:
        headers.update(_headers("ETag"))
    if "next_cursor" in properties:
        headers.update(_headers("Link"))
    if code == "201":
        headers.update(_headers("Location"))
    if method == "post":
        headers.update(_headers("Idempotent-Replayed"))


def complete(schema: dict[str, Any], problem_content: dict[str, Any]) -> None:
    schema.setdefault("components", {})["headers"] = HEADERS
    schemas = schema["components"].get("schemas", {})
    _enums(schemas)
    _required(schemas)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            _parameters(operation)
            responses = operation.setdefault("responses", {})
            for code in _statuses(path, method, operation):
                responses.setdefault(code, {"description": EXTRA_STATUSES[code]})
            for code, response in responses.items():
                if code[0] in "45":
                    response["content"] = problem_content
                _response_headers(path, method, code, response, schemas)
