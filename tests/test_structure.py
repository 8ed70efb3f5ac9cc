"""The size rules of CONVENTIONS.md, held: no module of app/ over 400 lines, no function over
60 (declarative tables are module constants, not functions)."""

from __future__ import annotations

import ast
from pathlib import Path

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
