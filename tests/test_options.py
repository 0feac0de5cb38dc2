"""The options of one run (runtime/options.py): read once, flags before the environment, and the
only place that reads cxtui's settings from the environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cxtui.runtime.options import OptionError, Options, default_store_path

PACKAGE = Path(__file__).resolve().parent.parent / "cxtui"


@pytest.mark.parametrize(
    ("db", "environ", "expected"),
    [
        (None, {}, {"store_path": default_store_path(), "user": None, "lock_timeout": None, "debug": False}),
        (None, {"CXTUI_DB": "/srv/cx/store.json"}, {"store_path": Path("/srv/cx/store.json")}),
        ("team.json", {"CXTUI_DB": "/srv/cx/store.json"}, {"store_path": Path("team.json")}),
        ("~/cx.json", {}, {"store_path": Path("~/cx.json").expanduser()}),
        (None, {"CXTUI_USER": "omar"}, {"user": "omar"}),
        (None, {"CXTUI_USER": ""}, {"user": None}),
        (None, {"CXTUI_LOCK_TIMEOUT": "0.5"}, {"lock_timeout": 0.5}),
        (None, {"CXTUI_LOCK_TIMEOUT": "-3"}, {"lock_timeout": 0.0}),
        (None, {"CXTUI_LOCK_TIMEOUT": ""}, {"lock_timeout": None}),
        (None, {"CXTUI_DEBUG": "1"}, {"debug": True}),
    ],
)
def test_flags_then_environment_then_defaults(db, environ, expected):
    options = Options.read(db, environ=environ)
    assert {name: getattr(options, name) for name in expected} == expected


def test_a_lock_timeout_that_is_no_number_is_refused_in_words():
    with pytest.raises(OptionError, match=r"CXTUI_LOCK_TIMEOUT must be a number of seconds \(got 'soon'\)"):
        Options.read(None, environ={"CXTUI_LOCK_TIMEOUT": "soon"})


def test_a_user_flag_wins_over_the_environment():
    assert Options.read(None, user="kim", environ={"CXTUI_USER": "omar"}).user == "kim"


def test_nothing_else_reads_cxtuis_settings_from_the_environment():
    """Another module may read the environment only under a comment saying it is not cxtui's setting
    (exchange/printed.py reads the terminal's COLUMNS, as rich does)."""
    readers = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "options.py" and path.parent.name == "runtime":
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            said_why = number > 1 and "not a cxtui setting" in lines[number - 2]
            if re.search(r"\benviron\b|getenv\(|putenv\(", line.split("#")[0]) and not said_why:
                readers.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert readers == []


def test_the_tui_waits_for_the_lock_as_long_as_the_options_say(tmp_path):
    from cxtui.tui.app import create_app

    app = create_app(Options.read(tmp_path / "store.json", environ={"CXTUI_LOCK_TIMEOUT": "0.05"}))
    assert app._open().lock_timeout == 0.05
    default = create_app(Options.read(tmp_path / "store.json", environ={}))
    assert default._open().lock_timeout > 0.05
