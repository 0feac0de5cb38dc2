"""The store under stress: concurrent processes, SIGKILLed writers, crashes at every syscall,
full disks and damaged files. Each test uses real processes (fork) and real files."""

from __future__ import annotations

import errno
import os
import random
import signal
import time
from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest

from cxtui.models import Goal, Metric, Reading
from cxtui.store import NEW_ID, StaleRecord, Store, StoreCorrupt, StoreIOError
from store_helpers import seeded_store, tree_digest

WORKERS = 8
MUTATIONS = 200
UPDATES_PER_WORKER = 40  # of the 200; the rest are inserts


def _run_in_child(body) -> int:
    """Fork, run `body()` in the child and return its exit status (the child never returns)."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            body()
        except BaseException:
            code = 70
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _worker(path: Path, worker: int) -> None:
    store = Store(path, user=f"lead{worker}", lock_timeout=60)
    start = date(2025, 1, 6)
    for n in range(MUTATIONS):
        if n % (MUTATIONS // UPDATES_PER_WORKER) == 0:
            # Read-modify-write of one shared record, retried on a stale copy: no update may be lost.
            while True:
                counter = store.get(Metric, "counter")
                try:
                    store.update(counter.model_copy(update={"description": str(int(counter.description) + 1)}))
                    break
                except StaleRecord:
                    continue
        else:
            day = start + timedelta(days=7 * ((worker * MUTATIONS + n) % 90))
            store.record("counter", worker * 1000 + n, department="sales", date=day, note=f"w{worker}")


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(3))
def test_eight_processes_lose_nothing(tmp_path, round_):
    store = seeded_store(tmp_path)
    # The shared counter is a metric, which only admins may change.
    store.update(store.settings().model_copy(update={"admins": [f"lead{w}" for w in range(WORKERS)]}))
    pids = []
    for worker in range(WORKERS):
        pid = os.fork()
        if pid == 0:
            try:
                _worker(store.path, worker)
                os._exit(0)
            except BaseException:
                os._exit(70)
        pids.append(pid)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    assert codes == [0] * WORKERS

    fresh = Store(store.path)
    readings = fresh.readings()
    inserts_per_worker = MUTATIONS - UPDATES_PER_WORKER
    assert len(readings) == WORKERS * inserts_per_worker
    assert len({r.id for r in readings}) == len(readings)
    expected_values = {w * 1000 + n for w in range(WORKERS) for n in range(MUTATIONS)
                       if n % (MUTATIONS // UPDATES_PER_WORKER) != 0}
    assert {int(r.value) for r in readings} == expected_values
    assert fresh.get(Metric, "counter").description == str(WORKERS * UPDATES_PER_WORKER)
    assert fresh.get(Metric, "counter").version == 1 + WORKERS * UPDATES_PER_WORKER
    for path in [store.path, *store.layout.partitions().values()]:
        orjson.loads(path.read_bytes())
    mutations = [e for e in fresh.audit() if e.by.startswith("lead")]
    assert len(mutations) == WORKERS * MUTATIONS
    assert fresh.doctor() == []


def _sequential_writer(path: Path) -> None:
    store = Store(path, user="writer")
    for n in range(10_000):
        store.record("nps", n % 100, department="sales", date=date(2026, 1 + n % 12, 1), note=str(n))


@pytest.mark.slow
def test_sigkilled_writers_leave_a_store_that_opens_and_holds_a_prefix(tmp_path):
    rng = random.Random(20261122)
    trials = 120
    for trial in range(trials):
        directory = tmp_path / str(trial)
        directory.mkdir()
        store = seeded_store(directory)
        pid = os.fork()
        if pid == 0:
            try:
                _sequential_writer(store.path)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.06))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)

        fresh = Store(store.path)
        notes = sorted(int(r.note) for r in fresh.readings())
        assert notes == list(range(len(notes))), f"trial {trial}: not a prefix"
        audited = [e for e in fresh.audit(entity="reading")]
        assert len(audited) == len(notes), f"trial {trial}: audit and data disagree"
        assert fresh.doctor() == [], f"trial {trial}"
        leftovers = [p for p in directory.rglob("*") if ".tmp-" in p.name]
        assert leftovers == []


_COUNTED = ("open", "write", "fsync", "replace", "link", "ftruncate", "unlink")


def _mutation(store: Store) -> None:
    """One commit touching the entity file, a reading partition and the audit trail."""
    store.add_many([
        Goal(id=NEW_ID, department="finance", title="Protect margin", metric="gross_margin", kind="increase",
             baseline=30, target=35, start="2026-01-01", deadline="2026-12-31"),
        Reading(id=NEW_ID, metric="gross_margin", department="finance", date="2026-03-02", value=31,
                recorded_by="x", recorded_at="2026-03-02T09:00:00Z"),
    ])


def _crash_at(k: int):
    """Make the k-th counted os call the last thing this process does (a write goes half-way)."""
    calls = {"n": 0}
    for name in _COUNTED:
        real = getattr(os, name)

        def hooked(*args, _real=real, _name=name, **kwargs):
            calls["n"] += 1
            if calls["n"] == k:
                if _name == "write":
                    fd, data = args
                    _real(fd, bytes(data)[: max(1, len(data) // 2)])
                os._exit(99)
            return _real(*args, **kwargs)

        setattr(os, name, hooked)


def test_a_crash_at_any_syscall_leaves_wholly_old_or_wholly_new(tmp_path):
    k = 1
    outcomes = {"old": 0, "new": 0}
    while True:
        directory = tmp_path / f"k{k}"
        directory.mkdir()
        store = seeded_store(directory)
        old_goals = {g.id for g in store.list(Goal)}
        old_audit = len(store.audit())

        def body(path=store.path, k=k):
            fresh = Store(path, user="tester")
            _crash_at(k)
            _mutation(fresh)

        code = _run_in_child(body)
        reopened = Store(store.path)
        goals = {g.id for g in reopened.list(Goal)}
        readings = reopened.readings(metric="gross_margin")
        audit = reopened.audit()
        if goals == old_goals:
            assert readings == [] and len(audit) == old_audit, f"k={k}: partly applied"
            outcomes["old"] += 1
        else:
            assert len(goals - old_goals) == 1 and len(readings) == 1, f"k={k}: partly applied"
            assert len(audit) == old_audit + 2, f"k={k}: audit incomplete"
            outcomes["new"] += 1
        assert reopened.doctor() == [], f"k={k}"
        assert [p for p in directory.rglob("*") if ".tmp-" in p.name] == []
        if code == 0:
            break
        assert code == 99, f"k={k}: child failed with {code}"
        k += 1
    assert k > 10 and outcomes["old"] > 0 and outcomes["new"] > 0


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EIO])
def test_failed_writes_leave_the_store_intact_with_a_clear_error(tmp_path, monkeypatch, err):
    """Fail the n-th os.write of one commit for every n until the commit gets through."""
    n = 1
    while True:
        directory = tmp_path / f"n{n}"
        directory.mkdir()
        store = seeded_store(directory)
        before = tree_digest(directory)
        real_write = os.write
        calls = {"n": 0}

        def failing_write(fd, data, _n=n):
            calls["n"] += 1
            if calls["n"] == _n:
                raise OSError(err, os.strerror(err))
            return real_write(fd, data)

        monkeypatch.setattr(os, "write", failing_write)
        try:
            _mutation(store)
            failed = None
        except StoreIOError as exc:
            failed = exc
        finally:
            monkeypatch.setattr(os, "write", real_write)
        if failed is None:
            break
        assert os.strerror(err) in str(failed)
        if failed.committed:
            assert "will be finished" in str(failed)
            assert len(Store(store.path).readings(metric="gross_margin")) == 1
        else:
            assert "the store was not changed" in str(failed)
            assert tree_digest(directory) == before, f"n={n}"
            # Nothing is wedged: the same change goes through once the disk is fine.
            _mutation(store)
        n += 1
    assert n > 2


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda raw: b"", id="empty"),
        pytest.param(lambda raw: raw[: len(raw) // 2], id="truncated"),
        pytest.param(lambda raw: raw + b"garbage", id="trailing-garbage"),
        pytest.param(lambda raw: b"\x00" * len(raw), id="zeroed"),
        pytest.param(lambda raw: b"[1, 2, 3]", id="not-an-object"),
        pytest.param(lambda raw: raw.replace(b'"name":"Sales"', b'"name":"\\u0007"'), id="invalid-record"),
    ],
)
@pytest.mark.parametrize("which", ["main", "partition"])
def test_damaged_files_are_refused_and_never_written(tmp_path, damage, which):
    store = seeded_store(tmp_path)
    store.record("nps", 5, department="sales", date=date(2026, 2, 2))
    store.record("nps", 6, department="sales", date=date(2026, 2, 9))
    target = store.path if which == "main" else store.layout.partition("2026-02")
    damaged = damage(target.read_bytes())
    if damaged == target.read_bytes():
        damaged = b"{"  # the record-level damage only applies to the main file
    target.write_bytes(damaged)
    before = tree_digest(tmp_path)

    attempts = [
        lambda s: s.record("nps", 7, department="sales", date=date(2026, 2, 16)),
        lambda s: s.snapshot(),
        lambda s: s.readings(),
    ]
    for attempt in attempts:
        with pytest.raises(StoreCorrupt) as info:
            attempt(Store(store.path, user="tester"))
        assert str(target) in str(info.value)
        assert "left untouched" in str(info.value)
        assert info.value.backup is not None and info.value.backup.exists()
    assert tree_digest(tmp_path) == before
    problems = Store(store.path).doctor()
    assert problems and problems[0].level == "error"
    assert tree_digest(tmp_path) == before


def test_a_missing_store_file_with_data_present_is_not_recreated(tmp_path):
    store = seeded_store(tmp_path)
    store.path.unlink()
    with pytest.raises(StoreCorrupt, match="missing but its data directory exists"):
        Store(store.path).record("nps", 1)
    assert not store.path.exists()


def test_leftover_temp_files_are_cleaned_up(tmp_path):
    store = seeded_store(tmp_path)
    stray = tmp_path / ".store.json.tmp-999-deadbeef"
    stray.write_bytes(b"half")
    (store.layout.readings_dir / "2026-01").mkdir(parents=True)
    partial = store.layout.readings_dir / "2026-01" / ".2026-01.json.tmp-999-cafebabe"
    partial.write_bytes(b"{")
    store.record("nps", 1, date=date(2026, 1, 5))
    assert not stray.exists() and not partial.exists()
