"""The OpenAPI document: every error response described as RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.api.openapi_contract import complete
from app.errors.problems import KINDS

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; `code` names the kind (GET /problems/{code}).",
    "required": ["type", "code", "title", "status", "detail", "instance", "request_id"],
    "properties": {
        "type": {"type": "string", "examples": ["/problems/validation-error"]},
        "code": {"type": "string", "enum": [kind.code for kind in KINDS]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "allowed_actions": {"type": "array", "items": {"type": "string"}},
        "current_version": {"type": "integer"},
        "accepted_parameters": {"type": "array", "items": {"type": "string"}},
    },
}
PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _name_actions(schemas: dict[str, Any], body: dict[str, Any]) -> None:
    """A lifecycle's body is one action model per action: say that `action` tells them apart,
    so generated clients get a tagged union."""
    choices = body.get("oneOf") or []
    mapping = {}
    for choice in choices:
        ref = choice.get("$ref", "")
        action = schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}).get("action", {})
        if "const" not in action:
            return
        mapping[action["const"]] = ref
    if mapping:
        body["discriminator"] = {"propertyName": "action", "mapping": mapping}


def install(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        schemas = schema["components"]["schemas"]
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schema["components"]["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "An API key (`ddk_…`)."}
        }
        for name, path in schema.get("paths", {}).items():
            for operation in path.values():
                if name.startswith("/api/v1/"):
                    operation["security"] = [{"bearer": []}]
                content = operation.get("requestBody", {}).get("content", {})
                if "application/json" in content:
                    _name_actions(schemas, content["application/json"]["schema"])
        complete(schema, PROBLEM_CONTENT)
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
