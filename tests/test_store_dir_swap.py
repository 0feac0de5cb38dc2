"""A member of the store's group swaps one of the store's directories for a link to someone else's
directory in the instant between cxtui's check of that directory and its write into it (the race
the checks alone cannot close). Every write is made relative to a directory fd reached without
following links, so the write is refused and nothing lands in the other directory.

The race is won for the attacker deterministically: the swap runs right after every directory check
(`fsio.check_dir`, which `ensure_dir` and the store's own start-up check call)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from cxtui.store import Store, StoreError, fsio
from store_helpers import seeded_store, tree_digest


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = seeded_store(tmp_path / "team")
    store.record("nps", 5, department="sales", date=date(2026, 2, 2))
    store.record("nps", 6, department="sales", date=date(2026, 2, 9))
    return store


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """Someone else's private directory the attacker points the swapped name at."""
    directory = tmp_path / "home"
    directory.mkdir(mode=0o700)
    (directory / "keep").write_bytes(b"private\n")
    return directory


def _swapper(monkeypatch: pytest.MonkeyPatch, name: Path, victim: Path) -> list[Path]:
    """The attacker wins every race on `name`: each check of it sees the real directory, and right
    after the check a link to `victim` stands in its place. Returns the swaps made."""
    swapped: list[Path] = []
    moved = name.with_name(name.name + ".moved")
    check_dir: Callable[..., None] = fsio.check_dir

    def check_then_swap(path: Path, gid: int | None = None) -> None:
        if path == name and name.is_symlink():
            name.unlink()
            moved.rename(name)
        check_dir(path, gid)
        if path == name:
            name.rename(moved)
            name.symlink_to(victim, target_is_directory=True)
            swapped.append(name)

    monkeypatch.setattr(fsio, "check_dir", check_then_swap)
    return swapped


CASES = {
    # name of the directory swapped, relative to the store's data directory ("" = the data directory)
    "backups": "backups",
    "a month of readings": "readings/2026-02",
    "the readings folder": "readings",
    "the series folder": "series",
    "the data directory": "",
}


@pytest.mark.parametrize("relative", CASES.values(), ids=CASES.keys())
def test_a_directory_swapped_after_its_check_is_never_written_through(
        store: Store, victim: Path, monkeypatch: pytest.MonkeyPatch, relative: str) -> None:
    name = store.layout.data_dir / relative if relative else store.layout.data_dir
    before = tree_digest(victim)
    swapped = _swapper(monkeypatch, name, victim)
    with pytest.raises(StoreError):
        # A later command may find the commit half applied and try to finish it: also through fds.
        for _ in range(2):
            store.record("nps", 7, department="sales", date=date(2026, 2, 16))
    assert swapped, "the swap never ran: the test did not exercise the race"
    assert tree_digest(victim) == before
    assert sorted(os.listdir(victim)) == ["keep"]


def test_refusal_names_the_link(store: Store, victim: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = store.layout.backups_dir
    _swapper(monkeypatch, name, victim)
    with pytest.raises(fsio.UnsafeFile) as caught:
        store.record("nps", 7, department="sales", date=date(2026, 2, 16))
    assert caught.value.path == name
    assert "symbolic link" in caught.value.problem


def test_a_store_reached_through_its_owners_link_still_works(tmp_path: Path) -> None:
    """Links above the store's directory are the user's choice, resolved once when it is opened."""
    seeded_store(tmp_path / "real")
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    store = Store(tmp_path / "alias" / "store.json", user="tester")
    store.record("nps", 9, department="sales", date=date(2026, 3, 2))
    assert store.path == tmp_path / "real" / "store.json"
    assert [r.value for r in store.readings("nps", department="sales")] == [9]


@pytest.mark.parametrize("operation", ["read", "write", "append", "mkdir", "unlink", "replace"])
def test_every_primitive_refuses_a_link_on_the_way(tmp_path: Path, victim: Path, operation: str) -> None:
    base = tmp_path / "store"
    base.mkdir()
    (base / "sub").symlink_to(victim, target_is_directory=True)
    inside = base / "sub" / "keep"
    before = tree_digest(victim)
    actions: dict[str, Callable[[], object]] = {
        "read": lambda: fsio.read_limited(inside, 1 << 10),
        "write": lambda: fsio.atomic_write(base / "sub" / "new", b"x"),
        "append": lambda: fsio.append_durably(inside, b"x"),
        "mkdir": lambda: fsio.ensure_dir(base / "sub" / "made"),
        "unlink": lambda: fsio.unlink(inside),
        "replace": lambda: fsio.replace(inside, base / "taken"),
    }
    with pytest.raises(fsio.UnsafeFile):
        actions[operation]()
    assert tree_digest(victim) == before
