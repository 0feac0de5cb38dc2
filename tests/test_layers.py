"""The layers of docs/architecture.md, checked on the source: each folder of cxtui/ is a layer,
arrows point down only, and nothing outside cxtui/tui imports Textual."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cxtui"

# Layer of each top-level folder (or module) of the package: it may import its own layer and those
# below, never one above.
LAYERS = {
    "cli": 5, "tui": 5,
    "runtime": 4,
    "exchange": 3, "demo": 3,
    "engine": 2,
    "store": 1,
    "models": 0, "__init__": 0,
}


def _module_of(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "cxtui":
                names.update(f"cxtui.{alias.name}" for alias in node.names)
    return names


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    assert {_module_of(p) for p in SOURCES} <= set(LAYERS)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    module = _module_of(path)
    for name in _imports(path):
        top = name.split(".")[0]
        if module != "tui":
            assert top != "textual", f"{path.name} imports Textual"
        if top != "cxtui" or name == "cxtui":
            continue
        target = name.split(".")[1]
        if target == "__version__" or target == module:
            continue
        assert LAYERS[target] <= LAYERS[module], (
            f"{path.relative_to(PACKAGE)} (layer {LAYERS[module]}) imports {name} (layer {LAYERS[target]})"
        )
