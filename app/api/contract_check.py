"""The committed contract (`openapi.json`) and its breaking changes.

`python -m app.api.contract_check write` writes the service's OpenAPI document to openapi.json.
`python -m app.api.contract_check` (CI) fails when openapi.json is not the service's document, or
when it breaks clients generated from the previous one — an operation removed, an operationId
renamed, a type narrowed, a request field or parameter newly required — unless CHANGELOG.md
names each such change (the identifier printed: `GET /api/v1/tasks`, `TaskCreate.priority`, …).
The document compared with is openapi.json at the last release (the newest git tag), or, before
the first release, as first committed — so every breaking change since the last release is in
CHANGELOG.md, however many commits a push holds; `CONTRACT_BASE` (a git revision) overrides."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "openapi.json"
CHANGELOG = ROOT / "CHANGELOG.md"
METHODS = ("get", "put", "post", "delete", "patch")


def current() -> dict[str, Any]:
    from app.core.config import Settings
    from app.main import create_app

    return create_app(Settings()).openapi()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": op
        for path, ops in doc.get("paths", {}).items()
        for method, op in ops.items()
        if method in METHODS
    }


def _request_schemas(doc: dict[str, Any]) -> set[str]:
    """Component schemas a request body refers to (directly or in a oneOf)."""
    names: set[str] = set()
    for op in _operations(doc).values():
        for media in op.get("requestBody", {}).get("content", {}).values():
            text = json.dumps(media.get("schema", {}))
            names |= {part.split('"')[0] for part in text.split("#/components/schemas/")[1:]}
    return names


def _values(schema: dict[str, Any]) -> tuple[set[str], set[Any] | None]:
    """The JSON types and (when closed) the values a property allows."""
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    types: set[str] = set()
    values: set[Any] | None = set()
    for option in options:
        kind = option.get("type")
        types |= set(kind) if isinstance(kind, list) else {kind or option.get("$ref", "any")}
        if "enum" in option and values is not None:
            values |= {json.dumps(v) for v in option["enum"]}
        elif "const" in option and values is not None:
            values.add(json.dumps(option["const"]))
        elif option.get("type") != "null":
            values = None
    return types, values


def _narrowed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    old_types, old_values = _values(old)
    new_types, new_values = _values(new)
    if "any" in new_types:
        return False
    if not old_types <= new_types:
        return True
    return new_values is not None and (old_values is None or not old_values <= new_values)


def breaking(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Each breaking change as `identifier: what`."""
    found: list[str] = []
    before, after = _operations(old), _operations(new)
    for key, op in before.items():
        if key not in after:
            found.append(f"{key}: operation removed")
        elif op.get("operationId") != after[key].get("operationId"):
            found.append(f"{key}: operationId {op.get('operationId')} renamed")
        else:
            was = {(p["in"], p["name"]) for p in op.get("parameters", []) if p.get("required")}
            for p in after[key].get("parameters", []):
                if p.get("required") and (p["in"], p["name"]) not in was:
                    found.append(f"{key}: parameter {p['name']} now required")
    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    inputs = _request_schemas(new)
    for name, schema in old_schemas.items():
        now = new_schemas.get(name)
        if now is None:
            found.append(f"{name}: schema removed")
            continue
        if _narrowed(schema, now) and "properties" not in schema:
            found.append(f"{name}: type narrowed")
        for prop, spec in schema.get("properties", {}).items():
            if prop not in now.get("properties", {}):
                found.append(f"{name}.{prop}: field removed")
            elif _narrowed(spec, now["properties"][prop]):
                found.append(f"{name}.{prop}: type narrowed")
        if name in inputs:
            for prop in set(now.get("required", [])) - set(schema.get("required", [])):
                found.append(f"{name}.{prop}: request field now required")
    return found


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def _base() -> str:
    """The last release's tag, or the commit that first added openapi.json."""
    found = os.environ.get("CONTRACT_BASE") or _git("describe", "--tags", "--abbrev=0")
    if found:
        return found
    added = _git("log", "--diff-filter=A", "--format=%H", "--", "openapi.json").splitlines()
    return added[-1] if added else ""


def _previous() -> dict[str, Any] | None:
    base = _base()
    if not base:
        return None
    shown = _git("show", f"{base}:openapi.json")
    return json.loads(shown) if shown else None


def check() -> list[str]:
    """What is wrong with the committed contract (nothing: an empty list)."""
    document = current()
    if not DOCUMENT.exists() or DOCUMENT.read_text() != render(document):
        return [
            "openapi.json is not the service's document: run `python -m app.api.contract_check write`"
        ]
    previous = _previous()
    if previous is None:
        return []
    changelog = CHANGELOG.read_text() if CHANGELOG.exists() else ""
    return [
        f"breaking change not in CHANGELOG.md: {change}"
        for change in breaking(previous, document)
        if change.split(": ", 1)[0] not in changelog
    ]


def main(argv: list[str]) -> int:
    if argv[:1] == ["write"]:
        DOCUMENT.write_text(render(current()))
        return 0
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
