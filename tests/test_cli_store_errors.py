"""A store the CLI cannot use: one `error:` line, exit 1, and nothing on disk changed."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest

from test_cli_record import one_error_line, tree_digest

COMMANDS = [
    ("record", "nps", "5"),
    ("export", "readings"),
    ("import", "readings", "{csv}"),
    ("scorecard",),
    ("doctor",),
]


@pytest.fixture
def readings_csv(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("metric,department,date,value\nnps,sales,2026-04-01,5\n", encoding="utf-8")
    return path


def _run(cli, command, db, readings_csv):
    args = [str(a).replace("{csv}", str(readings_csv)) for a in command]
    return cli(*args, "--db", db)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_store_path_is_a_directory(cli, tmp_path, readings_csv, command):
    directory = tmp_path / "adir"
    directory.mkdir()
    result = _run(cli, command, directory, readings_csv)
    assert result.exit_code == 1
    assert "is a directory" in one_error_line(result)
    assert list(directory.iterdir()) == []


@pytest.mark.parametrize("command", [*COMMANDS, ("init",)], ids=lambda c: c[0])
def test_store_path_below_a_file(cli, tmp_path, readings_csv, command):
    blocker = tmp_path / "afile"
    blocker.write_text("keep me")
    result = _run(cli, command, blocker / "store.json", readings_csv)
    assert result.exit_code == 1
    one_error_line(result)
    assert blocker.read_text() == "keep me"


@pytest.mark.parametrize("content", [b"", b"garbage", b'{"meta": {"1": {"sch', b"\x00" * 100])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_corrupt_store_is_reported_and_left_alone(seeded, cli, store_path, readings_csv, command, content):
    store_path.write_bytes(content)
    before = tree_digest(store_path.parent)
    result = _run(cli, command, store_path, readings_csv)
    assert result.exit_code == 1
    assert "is damaged" in result.stderr
    assert all(line.startswith("error: ") for line in result.stderr.splitlines())
    assert "Traceback" not in result.output
    assert tree_digest(store_path.parent) == before


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_store_locked_past_the_timeout(seeded, cli, store_path, readings_csv, command):
    before = tree_digest(store_path.parent)
    with open(str(store_path) + ".lock", "a") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        started = time.monotonic()
        result = cli(*[str(a).replace("{csv}", str(readings_csv)) for a in command],
                     env={"CXTUI_LOCK_TIMEOUT": "0.2"})
        waited = time.monotonic() - started
    assert result.exit_code == 1
    assert "stayed locked by another cxtui process for 0.2 s" in result.stderr
    assert waited < 3
    assert tree_digest(store_path.parent) == before


def test_bad_lock_timeout_setting(seeded, cli):
    result = cli("record", "nps", "5", env={"CXTUI_LOCK_TIMEOUT": "soon"})
    assert result.exit_code == 1
    assert "CXTUI_LOCK_TIMEOUT must be a number of seconds" in one_error_line(result)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
def test_store_not_writable(seeded, cli, store_path):
    before = tree_digest(store_path.parent)
    # Every directory of the store: a reading is written into store.json.d, not beside store.json.
    directories = [Path(root) for root, _, _ in os.walk(store_path.parent)]
    for directory in directories:
        os.chmod(directory, 0o555)
    try:
        result = cli("record", "nps", "5")
    finally:
        for directory in directories:
            os.chmod(directory, 0o755)
    assert result.exit_code == 1
    one_error_line(result)
    assert tree_digest(store_path.parent) == before
