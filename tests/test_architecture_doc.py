"""docs/architecture.md is the map of the package: it must name every module, and name no module
that is gone, so that a move without its map fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cxtui"
MAP = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _modules() -> set[str]:
    return {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"}


def test_every_module_is_on_the_map():
    named = set(re.findall(r"`([\w/]+\.(?:py|tcss))`", MAP))
    missing = sorted(m for m in _modules() if m not in named)
    assert not missing, f"docs/architecture.md does not name: {missing}"


def test_every_module_on_the_map_exists():
    named = set(re.findall(r"`([\w/]+\.(?:py|tcss))`", MAP))
    # Paths under tests/ are the repository's; every other path is the package's.
    gone = sorted(m for m in named if not (ROOT / m if m.startswith("tests/") else PACKAGE / m).is_file())
    assert not gone, f"docs/architecture.md names modules that do not exist: {gone}"


def test_every_layer_folder_has_a_section():
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file())
    for folder in folders:
        assert re.search(rf"^## .*\b{folder}/", MAP, re.M), f"docs/architecture.md has no section for {folder}/"
