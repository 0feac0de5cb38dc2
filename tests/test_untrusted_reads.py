"""Every file the store reads is untrusted: FIFOs, devices, deep nesting and huge files are refused
with one line naming the file, without blocking, recursing or filling memory."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cxtui.store import Store, StoreCorrupt, fsio
from store_helpers import child_env, seeded_store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = seeded_store(tmp_path / "team")
    store.record("nps", 5, department="sales", date=date(2026, 2, 2))
    return store


def _files(store: Store) -> dict[str, Path]:
    return {"main": store.layout.main, "chunk": store.layout.partition("2026-02"),
            "series": store.layout.series("nps")}


def _replace(path: Path, how: str) -> None:
    path.unlink()
    if how == "fifo":
        os.mkfifo(path, 0o660)
    elif how == "dev-zero":
        path.symlink_to("/dev/zero")
    elif how == "deep":
        path.write_bytes(b"[" * 200_000)
    elif how == "deep-object":
        path.write_bytes(b'{"_meta": ' + b'{"a": ' * 100_000)
    elif how == "huge":
        with open(path, "wb") as f:
            f.truncate(fsio.MAIN_LIMIT + 1)  # sparse
    elif how == "directory":
        path.mkdir()


HOW = ["fifo", "dev-zero", "deep", "deep-object", "huge", "directory"]


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("which", ["main", "chunk", "series"])
def test_odd_data_files_are_refused_naming_them(store, which, how):
    path = _files(store)[which]
    _replace(path, how)
    with pytest.raises(StoreCorrupt) as info:
        fresh = Store(store.path, user="tester")
        fresh.readings() if which != "series" else fresh.snapshot(as_of=date(2026, 3, 1))
    message = str(info.value)
    assert str(path) in message and "\n" not in message


@pytest.mark.parametrize("how", ["fifo", "dev-zero", "deep", "huge"])
@pytest.mark.parametrize("command", [["scorecard"], ["doctor"], ["record", "nps", "7", "--dept", "sales", "--date", "2026-02-20"]])
def test_the_cli_does_not_hang_on_odd_files(store, how, command):
    env = {**os.environ, "CXTUI_DB": str(store.path), **child_env(store)}
    _replace(store.layout.partition("2026-02"), how)
    result = subprocess.run([sys.executable, "-m", "cxtui.cli", *command], env=env, capture_output=True,
                            text=True, timeout=60)
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    # The scorecard reads the series index, not this chunk: it carries on. Whatever reads the chunk
    # (doctor, a record into its month) refuses it by name.
    assert result.returncode == (0 if command == ["scorecard"] else 1), result
    if result.returncode:
        assert str(store.layout.partition("2026-02")) in result.stdout + result.stderr


def test_an_audit_trail_that_is_a_fifo_is_refused(store):
    _replace(store.layout.audit, "fifo")
    with pytest.raises(fsio.UnsafeFile, match="FIFO"):
        Store(store.path).audit()
    assert any("FIFO" in p.message for p in Store(store.path).doctor())


def test_an_overlong_audit_line_is_an_unreadable_line_not_a_crash(store):
    with open(store.layout.audit, "ab") as f:
        f.write(b'{"x": "' + b"a" * (fsio.AUDIT_LINE_LIMIT + 1) + b'"}\n')
    assert Store(store.path).audit()
    assert any("unreadable lines" in p.message for p in Store(store.path).doctor())


def test_a_backup_that_is_a_fifo_is_not_offered(store):
    path = store.layout.main
    for n in (1, 2, 3):
        _replace(store.layout.backup(path, n), "fifo")
    path.write_bytes(b"{")
    with pytest.raises(StoreCorrupt, match="no good backup"):
        Store(store.path).snapshot()
