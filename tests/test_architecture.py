"""optviz/ stays a UI-free library: no module imports streamlit (checked by parsing, not importing)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_streamlit():
    modules = sorted((ROOT / "optviz").rglob("*.py"))
    assert len(modules) >= 10
    offenders = [str(p.relative_to(ROOT)) for p in modules if "streamlit" in imported_modules(p)]
    assert offenders == []


def test_the_check_itself_detects_a_streamlit_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import os\nfrom streamlit import session_state\n")
    assert "streamlit" in imported_modules(probe)
