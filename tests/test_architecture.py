"""The four rules of the layout, read from the parsed source (nothing is imported):

1. ``optviz/`` never imports streamlit: it is a UI-free library.
2. The core (``optviz/optimizers/``, ``optviz/runner.py``) imports nothing else of optviz but
   :data:`CORE_MAY_IMPORT`: no problem (surfaces, networks, data), figure, lane or page module.
3. No page imports another page: ``pages/*.py``, the top-level ``*.py`` files (the router) and
   ``pages/components/`` import from ``pages`` only ``pages.components``.
4. No import cycle inside ``optviz/``, function-level imports included.

Every ``Import``/``ImportFrom`` node of a module's whole AST counts (inside functions too), with relative
imports resolved against the module's package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: What the core may import from optviz: its own package, and the noise generator the runner adds to gradients.
CORE_MAY_IMPORT = ("optviz.optimizers", "optviz.noise", "optviz.callbacks")  # callbacks: numpy only
CORE = ("optviz.optimizers", "optviz.runner")


def module_name(path: Path, root: Path) -> str:
    """``optviz/optimizers/adam.py`` -> ``optviz.optimizers.adam``; a package's ``__init__.py`` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str, root: Path) -> bool:
    base = root.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports(path: Path, root: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports, anywhere in it, as ``(absolute dotted name, line)``.

    ``from package import name`` counts as importing ``package.name`` when that is a module under ``root``.
    """
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield (submodule if _is_module(submodule, root) else base), node.lineno


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _modules(root: Path, *patterns: str) -> list[Path]:
    return sorted({p for pattern in patterns for p in root.glob(pattern)})


def streamlit_imports(root: Path) -> list[str]:
    """Rule 1: ``file:line`` of every streamlit import under ``optviz/``."""
    return [
        f"{path.relative_to(root)}:{line}"
        for path in _modules(root, "optviz/**/*.py")
        for imported, line in imports(path, root)
        if _within(imported, ("streamlit",))
    ]


def core_violations(root: Path) -> list[str]:
    """Rule 2: imports of optviz modules by the core other than :data:`CORE_MAY_IMPORT`, and any page import."""
    found = []
    for path in _modules(root, "optviz/optimizers/**/*.py", "optviz/runner.py"):
        for imported, line in imports(path, root):
            if _within(imported, ("optviz", "pages")) and not _within(imported, CORE_MAY_IMPORT):
                found.append(f"{path.relative_to(root)}:{line} imports {imported}")
    return found


def page_violations(root: Path) -> list[str]:
    """Rule 3: a page, the router or a shared component importing a page (anything in ``pages`` but components)."""
    found = []
    for path in _modules(root, "pages/**/*.py", "*.py"):
        for imported, line in imports(path, root):
            if _within(imported, ("pages",)) and not _within(imported, ("pages.components",)) and imported != "pages":
                found.append(f"{path.relative_to(root)}:{line} imports {imported}")
    return found


def import_cycles(root: Path) -> list[list[str]]:
    """Rule 4: the import cycles among ``optviz/`` modules (each as a closed path), function-level imports included."""
    graph: dict[str, set[str]] = {}
    for path in _modules(root, "optviz/**/*.py"):
        name = module_name(path, root)
        graph[name] = {imported for imported, _ in imports(path, root) if _within(imported, ("optviz",))}
    cycles, done = [], set()

    def visit(node: str, trail: list[str]) -> None:
        if node in trail:
            cycles.append([*trail[trail.index(node) :], node])
            return
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            visit(target, [*trail, node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return cycles


def test_optviz_never_imports_streamlit():
    assert len(_modules(ROOT, "optviz/**/*.py")) >= 20
    assert streamlit_imports(ROOT) == []


def test_the_core_imports_only_itself_and_the_allowed_helpers():
    assert len(_modules(ROOT, "optviz/optimizers/**/*.py")) >= 8
    assert core_violations(ROOT) == []


def test_no_page_imports_another_page():
    assert len(_modules(ROOT, "pages/*.py")) >= 6
    assert page_violations(ROOT) == []


def test_no_import_cycle_inside_optviz():
    assert import_cycles(ROOT) == []


# --- each check fails on a violation (a small fake tree per rule) --------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for package in ("optviz", "optviz/optimizers", "optviz/figures", "pages", "pages/components"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").touch()
    return tmp_path


def test_relative_imports_resolve_to_modules(tmp_path):
    root = _tree(
        tmp_path,
        {
            "optviz/optimizers/adam.py": "from ._base import Optimizer\nfrom .. import noise\nfrom ..lanes import x\n",
            "optviz/optimizers/_base.py": "",
            "optviz/noise.py": "",
            "optviz/lanes.py": "",
        },
    )
    found = [name for name, _ in imports(root / "optviz/optimizers/adam.py", root)]
    assert found == ["optviz.optimizers._base", "optviz.noise", "optviz.lanes"]


@pytest.mark.parametrize(
    ("files", "check", "expected"),
    [
        ({"optviz/figures/plot.py": "def f():\n    import streamlit as st\n"}, streamlit_imports, 1),
        ({"optviz/x.py": "from streamlit.runtime import caching\n"}, streamlit_imports, 1),
        ({"optviz/runner.py": "from .surfaces import Surface\n", "optviz/surfaces.py": ""}, core_violations, 1),
        ({"optviz/optimizers/sgd.py": "def f():\n    from ..figures import plot\n"}, core_violations, 1),
        ({"optviz/runner.py": "from .noise import gaussian\nfrom .optimizers import Optimizer\n"}, core_violations, 0),
        ({"pages/train.py": "from pages import sweep\n", "pages/sweep.py": ""}, page_violations, 1),
        ({"pages/train.py": "import pages.sweep\n"}, page_violations, 1),
        ({"pages/components/widgets.py": "from pages.train import x\n"}, page_violations, 1),
        ({"app.py": "from pages.home import x\n"}, page_violations, 1),
        ({"pages/train.py": "from pages.components.url_state import UrlReader\n"}, page_violations, 0),
        ({"optviz/a.py": "from .b import x\n", "optviz/b.py": "def f():\n    from . import a\n"}, import_cycles, 1),
        (  # a three-module cycle through absolute, from- and star imports
            {
                "optviz/a.py": "import optviz.b",
                "optviz/b.py": "from optviz.c import y",
                "optviz/c.py": "from .a import *",
            },
            import_cycles,
            1,
        ),
        ({"optviz/a.py": "from .b import x\n", "optviz/b.py": ""}, import_cycles, 0),
    ],
)
def test_each_rule_catches_its_violation(tmp_path, files, check, expected):
    assert len(check(_tree(tmp_path, files))) == expected
