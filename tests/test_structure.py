"""The size rules of CONVENTIONS.md, held: no module of app/ over 400 lines, no function over
60 (declarative tables are module constants, not functions)."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path
from typing import Any

APP = Path(__file__).parent.parent / "app"


def test_no_module_over_400_lines() -> None:
    long = {
        str(p.relative_to(APP)): n
        for p in APP.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert long == {}


def test_no_function_over_60_lines() -> None:
    long = {}
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60:
                    long[f"{path.relative_to(APP)}:{node.name}"] = length
    assert long == {}


def _private_names() -> Any:
    spec = importlib.util.spec_from_file_location(
        "private_names", APP.parent / ".ci" / "private_names.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_private_names_of_the_framework(tmp_path: Path) -> None:
    """CI's check (.ci/private_names.py) passes on app/ and finds each kind of private use:
    a private module, a private name imported, an attribute the service does not define;
    Row's documented `_mapping` and the service's own `_names` pass."""
    check = _private_names()
    assert list(check.findings([APP])) == []
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from fastapi._compat import ModelField\n"
        "from fastapi.dependencies.utils import _should_embed_body_fields\n"
        "import sqlalchemy._thing\n"
        "def _ours(conn, row, statement):\n"
        "    row._mapping\n"
        "    _ours(conn, row, statement)._ours\n"
        "    statement._generate_cache_key()\n"
        "    return conn._stmt_cache\n"
    )
    found = "\n".join(check.findings([sample]))
    for name in ("fastapi._compat", "_should_embed_body_fields", "sqlalchemy._thing"):
        assert name in found
    assert "._generate_cache_key" in found and "._stmt_cache" in found
    assert "_mapping" not in found and "._ours" not in found


def _imported_packages(path: Path) -> set[str]:
    """The top-level names of the service (`app.<name>`) and `demo` a module imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "demo":
                found.add("demo")
            elif parts[0] == "app" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_the_layers_import_downwards_only() -> None:
    """core/ depends on nothing of the service; db/ and errors/ only on core/; nothing in app/
    imports the demo but the command that loads it (cli.py)."""
    allowed = {"core": {"core"}, "db": {"core", "db"}, "errors": {"core", "errors"}}
    crossing = {}
    for path in APP.rglob("*.py"):
        layer = path.relative_to(APP).parts[0].removesuffix(".py")
        imported = _imported_packages(path)
        if layer in allowed and imported - allowed[layer]:
            crossing[str(path.relative_to(APP))] = sorted(imported - allowed[layer])
        if layer != "cli" and "demo" in imported:
            crossing[str(path.relative_to(APP))] = ["demo"]
    assert crossing == {}


def test_every_feature_is_a_package_of_its_own() -> None:
    """The features of README's layout, each a package; nothing loose at app/ but the process's
    entry points, the table registry and the resource registry."""
    loose = {p.name for p in APP.glob("*.py")}
    assert loose == {"__init__.py", "__main__.py", "cli.py", "main.py", "serving.py"} | {
        "registry.py",
        "tables.py",
        "worker.py",
    }
    features = {"agencies", "directives", "tasks", "proposals", "budget", "people", "files"}
    features |= {"reports", "integration", "admin"}
    for feature in features:
        assert (APP / feature / "__init__.py").is_file(), feature
        assert list((APP / feature).glob("*models.py")), feature


def test_if_match_is_applied_in_one_place() -> None:
    """A service admits the row it changes (app/kernel/versioned.py); none checks a
    precondition or writes a versioned row's next version of its own."""
    check = re.compile(r"\b(if_match|precondition)\.check\(")
    by_hand = re.compile(r"\bversion\s*\+\s*1\b|\.c\.version\s*\+")
    for path in APP.rglob("*.py"):
        if path.name in ("versioned.py", "precondition.py"):
            continue
        source = path.read_text()
        assert not check.search(source), path
        assert not by_hand.search(source), path
