"""A member of the store's group plants links and odd files at the store's paths: no cxtui command
writes through them, and each either refuses with one line naming the file or carries on safely."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cxtui.store import Store, StoreError
from store_helpers import child_env, seeded_store

SECRET = b"root only\n"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = seeded_store(tmp_path / "team")
    store.record("nps", 5, department="sales", date=date(2026, 2, 2))
    # Rotation has filled every backup slot of the main file; the chunk and series file have some.
    store.record("nps", 6, department="sales", date=date(2026, 2, 9))
    return store


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file of someone else's the attacker points links at (mode 0600)."""
    directory = tmp_path / "home"
    directory.mkdir(mode=0o700)
    secret = directory / "secret"
    secret.write_bytes(SECRET)
    secret.chmod(0o600)
    return secret


def _fingerprint(path: Path) -> tuple[bytes, int, list[str]]:
    return path.read_bytes(), stat.S_IMODE(path.stat().st_mode), sorted(os.listdir(path.parent))


def _plant(at: Path, target: Path) -> None:
    if at.is_symlink() or at.exists():
        at.unlink()
    at.parent.mkdir(parents=True, exist_ok=True)
    at.symlink_to(target)


def _slot_paths(store: Store) -> dict[str, Path]:
    layout = store.layout
    chunk = layout.partition("2026-02")
    series = layout.series("nps")
    paths = {
        "audit": layout.audit,
        "journal": layout.journal,
        "lock": layout.lock,
        "main": layout.main,
        "chunk": chunk,
        "series": series,
        "presence": layout.data_dir / "presence" / "kim-1-abcdef.json",
    }
    for n in range(1, 4):
        for name, target in (("main", layout.main), ("chunk", chunk), ("series", series)):
            paths[f"backup-{name}-{n}"] = layout.backup(target, n)
    return paths


SLOTS = ["audit", "journal", "lock", "main", "chunk", "series", "presence",
         *(f"backup-{name}-{n}" for name in ("main", "chunk", "series") for n in range(1, 4))]


def _attempts(store: Store):
    return [
        lambda: Store(store.path, user="tester").record("nps", 7, department="sales", date=date(2026, 2, 16)),
        lambda: Store(store.path, user="tester").record("nps", 8, department="sales", date=date(2026, 2, 23)),
        lambda: Store(store.path, user="tester").snapshot(as_of=date(2026, 3, 1)),
        lambda: Store(store.path, user="tester").audit(),
    ]


@pytest.mark.parametrize("dangling", [False, True], ids=["to-a-file", "dangling"])
@pytest.mark.parametrize("slot", SLOTS)
def test_a_link_planted_at_any_store_path_is_never_written_through(store, outside, slot, dangling):
    planted = _slot_paths(store)[slot]
    target = outside.with_name("not-yet") if dangling else outside
    _plant(planted, target)
    before = _fingerprint(outside)
    for attempt in _attempts(store):
        try:
            attempt()
        except StoreError as exc:
            message = str(exc)
            assert "\n" not in message
            assert str(planted) in message, message
    problems = Store(store.path).doctor()
    assert all("\n" not in p.message for p in problems)
    assert _fingerprint(outside) == before
    assert not target.exists() or target == outside


@pytest.mark.parametrize("slot", ["audit", "main", "chunk", "series", "lock"])
def test_a_link_at_a_data_file_is_refused_naming_it(store, outside, slot):
    planted = _slot_paths(store)[slot]
    _plant(planted, outside)
    with pytest.raises(StoreError) as info:
        _attempts(store)[0]()
    assert str(planted) in str(info.value)
    problems = Store(store.path).doctor()
    assert any(p.level == "error" and str(planted) in p.message for p in problems)


def test_a_planted_backup_slot_is_removed_and_rotation_carries_on(store, outside):
    layout = store.layout
    # The next slot rotation would fill: the chunk has one backup so far.
    slot = layout.backup(layout.partition("2026-02"), 2)
    assert not slot.exists()
    _plant(slot, outside)
    before = _fingerprint(outside)
    _attempts(store)[0]()
    assert _fingerprint(outside) == before
    assert not slot.is_symlink() and not slot.exists()  # a readings file keeps one backup
    assert layout.backup(layout.partition("2026-02"), 1).is_file()
    assert stat.S_IMODE(outside.stat().st_mode) == 0o600


def test_a_hard_link_to_another_file_as_the_audit_trail_is_refused(store, outside):
    store.layout.audit.unlink()
    os.link(outside, store.layout.audit)
    before = _fingerprint(outside)
    with pytest.raises(StoreError, match="hard links") as info:
        _attempts(store)[0]()
    assert str(store.layout.audit) in str(info.value)
    assert _fingerprint(outside) == before


@pytest.mark.parametrize("which", ["data", "readings", "series", "backups", "month"])
def test_a_store_directory_replaced_by_a_link_is_refused(store, tmp_path, which):
    layout = store.layout
    directory = {"data": layout.data_dir, "readings": layout.readings_dir, "series": layout.series_dir,
                 "backups": layout.backups_dir, "month": layout.readings_dir / "2026-02"}[which]
    elsewhere = tmp_path / "elsewhere"
    directory.rename(elsewhere)
    directory.symlink_to(elsewhere)
    before = sorted(p.name for p in elsewhere.rglob("*"))
    with pytest.raises(StoreError) as info:
        _attempts(store)[0]()
    assert str(directory) in str(info.value)
    assert sorted(p.name for p in elsewhere.rglob("*")) == before


def test_a_store_directory_writable_by_everyone_is_refused(store):
    os.chmod(store.layout.data_dir, 0o777)
    with pytest.raises(StoreError, match="writable by everyone") as info:
        Store(store.path).snapshot()
    assert str(store.layout.data_dir) in str(info.value)


def test_the_cli_names_the_linked_audit_trail_in_one_line(store, outside):
    env = {**os.environ, "CXTUI_DB": str(store.path), **child_env(store)}
    _plant(store.layout.audit, outside)
    before = _fingerprint(outside)
    for args in (["record", "nps", "7", "--dept", "sales"], ["doctor"]):
        result = subprocess.run([sys.executable, "-m", "cxtui.cli", *args], env=env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 1, result
        assert str(store.layout.audit) in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    assert _fingerprint(outside) == before


def test_a_data_file_with_a_second_hard_link_is_refused_naming_it(store, tmp_path):
    chunk = store.layout.partition("2026-02")
    os.link(chunk, tmp_path / "second-name")
    with pytest.raises(StoreError, match="hard links") as info:
        Store(store.path).readings()
    assert str(chunk) in str(info.value)
