"""A journal.json any member could have written is verified before it is applied; a forged one is
set aside as journal.json.rejected-<time>, never applied, and doctor reports it."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxtui.store import Store, fsio, journal
from store_helpers import seeded_store, tree_digest

SECRET = b"root only\n"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = seeded_store(tmp_path / "team")
    store.record("nps", 5, department="sales", date=date(2026, 2, 2))
    return store


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    directory = tmp_path / "home"
    directory.mkdir(mode=0o700)
    secret = directory / "secret"
    secret.write_bytes(SECRET)
    secret.chmod(0o600)
    return secret


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _forged(store: Store, target: str, *, data: bytes = b'{"_meta": {"1": {"schema": 1}}}',
            temp: str | None = None, sha: str | None = None, audit: bytes = b"") -> dict:
    """A journal in the current shape naming `target`, with a temp file holding `data` beside it."""
    base = store.path.parent
    target_path = Path(os.path.normpath(base / target)) if not target.startswith("/") else Path(target)
    temp = temp or fsio.temp_path_for(target_path).name
    if target_path.parent.is_dir():
        (target_path.parent / temp).write_bytes(data)
    return {"tx": "20260101T000000000000-1-abcdef", "files": [{"target": target, "temp": temp,
            "sha256": sha or _sha(data)}], "audit_offset": 0, "audit": audit.decode(), "audit_sha256": _sha(audit)}


def _case(store: Store, outside: Path, case: str) -> bytes:
    rel_out = os.path.relpath(outside, store.path.parent)
    audit_line = b"attacker was here\n"
    good_temp = _forged(store, "store.json")
    cases = {
        "outside-relative": orjson.dumps(_forged(store, rel_out)),
        "absolute": orjson.dumps(_forged(store, str(outside))),
        "dotdot-inside": orjson.dumps(_forged(store, "store.json.d/readings/../series/nps.json")),
        "wrong-shape": orjson.dumps(_forged(store, "store.json.d/audit.jsonl")),
        "wrong-month-folder": orjson.dumps(_forged(store, "store.json.d/readings/2026-03/2026-02.json")),
        "wrong-digest": orjson.dumps({**good_temp, "files": [{**good_temp["files"][0], "sha256": "0" * 64}]}),
        "wrong-temp-name": orjson.dumps(_forged(store, "store.json", temp="evil")),
        "audit-any-line": orjson.dumps(_forged(store, "store.json", audit=audit_line)),
        "audit-wrong-digest": orjson.dumps({**good_temp, "audit": "x\n"}),
        "old-shape": orjson.dumps({"tx": "t", "files": [["store.json", good_temp["files"][0]["temp"]]],
                                   "audit_offset": 0, "audit": ""}),
        "empty-object": b"{}",
        "empty-list": b"[]",
        "files-a-number": b'{"files": 5}',
        "not-json": b"{",
        "deep": b"[" * 200_000,
        "offset-past-end": orjson.dumps({**good_temp, "audit_offset": 10**12}),
    }
    return cases[case]


CASES = ["outside-relative", "absolute", "dotdot-inside", "wrong-shape", "wrong-month-folder", "wrong-digest",
         "wrong-temp-name", "audit-any-line", "audit-wrong-digest", "old-shape", "empty-object", "empty-list",
         "files-a-number", "not-json", "deep", "offset-past-end"]


def _data_files(store: Store) -> dict[str, str]:
    return {k: v for k, v in tree_digest(store.path.parent).items()
            if ".tmp-" not in k and "journal" not in k}


@pytest.mark.parametrize("case", CASES)
def test_a_forged_journal_is_set_aside_never_applied_and_reported(store, outside, case):
    payload = _case(store, outside, case)
    before = _data_files(store)
    store.layout.journal.write_bytes(payload)
    readings = Store(store.path, user="tester").readings()  # no command fails because of it
    assert [r.value for r in readings] == [5]
    assert _data_files(store) == before, "nothing of the forged commit was applied"
    assert outside.read_bytes() == SECRET
    assert not store.layout.journal.exists()
    rejected = [p for p in store.layout.data_dir.iterdir() if p.name.startswith("journal.json.rejected-")]
    assert len(rejected) == 1
    problems = Store(store.path).doctor()
    lines = [p.message for p in problems if p.level == "error" and str(rejected[0]) in p.message]
    assert len(lines) == 1 and "\n" not in lines[0]
    # The store works on: a new commit goes through.
    Store(store.path, user="tester").record("nps", 6, department="sales", date=date(2026, 2, 9))


def test_a_journal_larger_than_the_limit_is_refused_unread(store):
    with open(store.layout.journal, "wb") as f:
        f.truncate(fsio.JOURNAL_LIMIT + 1)  # sparse: costs no disk
    assert Store(store.path).readings()
    assert any("larger than" in p.message for p in Store(store.path).doctor())


def test_the_reported_attack_writes_nothing_outside(store, outside):
    """audit.jsonl linked to a root-only file, and a journal whose audit text is any line."""
    store.layout.audit.unlink()
    store.layout.audit.symlink_to(outside)
    store.layout.journal.write_bytes(orjson.dumps(_forged(store, "store.json", audit=b"pwned\n")))
    problems = Store(store.path).doctor()
    assert outside.read_bytes() == SECRET
    assert any(str(store.layout.audit) in p.message for p in problems)


def test_a_journal_linked_elsewhere_is_set_aside_not_followed(store, outside):
    store.layout.journal.symlink_to(outside)
    Store(store.path).snapshot()
    assert outside.read_bytes() == SECRET
    assert not store.layout.journal.is_symlink()


def test_a_genuine_interrupted_commit_still_rolls_forward(store):
    """What the crash tests rely on: a journal this cxtui wrote verifies and is applied."""
    real = journal.apply
    try:
        journal.apply = lambda layout, prepared: None  # the writer dies right after the commit point
        Store(store.path, user="tester").record("nps", 6, department="sales", date=date(2026, 2, 9))
    finally:
        journal.apply = real
    assert store.layout.journal.exists()
    assert [r.value for r in Store(store.path).readings()] == [5, 6]
    assert not store.layout.journal.exists()
    assert len(Store(store.path).audit(entity="reading")) == 2


@settings(derandomize=True, max_examples=500)
@given(st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(["store.json.d", "readings", "series", "..", ".", "", "2026-02", "2026-02.json",
                              "2026-02.2.json", "nps.json", "x", "/", "store.json"]), max_size=5).map("/".join),
))
def test_a_journal_path_names_a_store_data_file_or_nothing(relative):
    from cxtui.store.files import Layout

    layout = Layout(Path("/srv/cx/store.json"))
    target = journal.target_path(layout, relative)
    if target is not None:
        assert ".." not in target.parts
        assert target == layout.main or target.parent == layout.series_dir or (
            target.parent.parent == layout.readings_dir)
        assert str(target.relative_to(layout.main.parent)) == relative
