"""Fails when the service's code uses a private name of FastAPI, Starlette, SQLAlchemy or
asyncpg: a module or a name beginning with `_` imported from them, or an attribute beginning
with `_` that the service does not define itself (such as `conn._stmt_cache` or
`statement._generate_cache_key()`). Their public API is what an upgrade keeps.

Usage: python .ci/private_names.py app [more directories or files]
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

PACKAGES = ("fastapi", "starlette", "sqlalchemy", "asyncpg")

# Documented names that begin with `_` (named tuples and SQLAlchemy's Row: `_mapping`,
# `_asdict`, `_fields`, `_t`, `_tuple`; `_replace` and `_make` of every named tuple).
PUBLIC = frozenset({"_mapping", "_asdict", "_fields", "_t", "_tuple", "_replace", "_make"})

# Private names of other libraries, each with its reason (the check cannot tell whose an
# attribute is, so it asks for every one the service does not define).
ELSEWHERE = {
    ("embedded.py", "_lock"): "pgserver's lock on its list of the server's users; no public one",
}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _ours(trees: Iterable[ast.AST]) -> set[str]:
    """Every name the service itself defines: functions, classes, assignments, attributes it
    assigns, parameters, slots and the names it imports from its own modules."""
    names: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)  # __slots__ entries, getattr names
    return names


def _third_party(module: str | None) -> bool:
    return module is not None and module.split(".")[0] in PACKAGES


def findings(paths: Iterable[Path]) -> Iterator[str]:
    files = sorted(
        f for p in paths for f in ([p] if p.is_file() else p.rglob("*.py")) if f.suffix == ".py"
    )
    trees = {f: ast.parse(f.read_text(), str(f)) for f in files}
    ours = _ours(trees.values())
    for file, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if _third_party(alias.name) and any(map(_private, parts)):
                        yield f"{file}:{node.lineno}: imports {alias.name}"
            elif isinstance(node, ast.ImportFrom) and _third_party(node.module):
                module = node.module or ""
                if any(map(_private, module.split("."))):
                    yield f"{file}:{node.lineno}: imports from {module}"
                for alias in node.names:
                    if _private(alias.name):
                        yield f"{file}:{node.lineno}: imports {alias.name} from {module}"
            elif (
                isinstance(node, ast.Attribute)
                and _private(node.attr)
                and node.attr not in PUBLIC
                and node.attr not in ours
                and (file.name, node.attr) not in ELSEWHERE
            ):
                yield f"{file}:{node.lineno}: uses .{node.attr}, a private name it does not own"


def main(argv: list[str]) -> int:
    found = list(findings(Path(a) for a in argv or ["app"]))
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} use(s) of private names of {', '.join(PACKAGES)}", file=sys.stderr)
        return 1
    print(f"no private names of {', '.join(PACKAGES)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
