"""The forked helper of `cxtui export readings` (store/forked.py): the later months made by a forked
copy of the process under the same lock, the bytes those one process writes, and every way the copy
can fail ending with this process doing that half itself.

Whatever forks runs in a child Python of its own: the suite's process may have threads by then, and
forking one with threads is what forked.can_fork refuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from datetime import date
from pathlib import Path

import pytest

from cxtui.exchange import csv_files
from cxtui.exchange.exporting import reading_csv
from cxtui.exchange.table_columns import TABLES
from cxtui.models import Reading
from cxtui.store import NEW_ID, Store, StoreError, forked
from cxtui.store.read_view import ReadView
from store_helpers import CHILDREN_LEFT, child_env, seeded_store

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this system")


def _python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def _last_json(result: subprocess.CompletedProcess[str]):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- forked.in_order --------------------------------------------------------------------------------

IN_ORDER = """
    import json, os, signal, sys, time
    from cxtui.store import forked
    parent = os.getpid()

    def first():
        yield 1, b"a"
        yield 2, b"bb"

    def run(second):
        try:
            items = [[n, d.decode()] for n, d in forked.in_order(first, second, fork=True)]
        except Exception as exc:
            items = ["raised", str(exc)]
        print(json.dumps([items, parent]))
"""


def test_the_second_half_comes_from_another_process_in_order():
    items, parent = _last_json(_python(IN_ORDER + """
    def second():
        yield 3, str(os.getpid()).encode()
        yield 0, b""
        yield 4, b"x" * 100_000
    run(second)
    """))
    assert items[:2] == [[1, "a"], [2, "bb"]]
    assert items[2][0] == 3 and int(items[2][1]) != parent
    assert items[3:] == [[0, ""], [4, "x" * 100_000]]


@pytest.mark.parametrize("failure", [
    "raise RuntimeError('only in the copy')",
    "os.kill(os.getpid(), signal.SIGKILL)",
    "sys.exit(0)",  # left without its trailer: not taken as done
])
def test_a_helper_that_fails_leaves_its_half_to_this_process(failure):
    items, parent = _last_json(_python(IN_ORDER + f"""
    def second():
        if os.getpid() != parent:
            {failure}
        yield 3, b"made here"
    run(second)
    """))
    assert items == [[1, "a"], [2, "bb"], [3, "made here"]]


def test_a_half_that_fails_here_too_raises_its_own_error():
    items, _ = _last_json(_python(IN_ORDER + """
    def second():
        raise ValueError("the file is damaged")
        yield
    run(second)
    """))
    assert items == ["raised", "the file is damaged"]


def test_a_reader_that_stops_early_leaves_no_helper_behind():
    result = _python(IN_ORDER + CHILDREN_LEFT + """
    def second():
        time.sleep(60)
        yield 3, b"late"
    started = time.monotonic()
    items = forked.in_order(first, second, fork=True)
    next(items)
    items.close()
    print(json.dumps([children_left(), time.monotonic() - started < 30]))
    """)
    assert _last_json(result) == ["none left", True]


def test_no_fork_where_another_thread_runs():
    assert forked.can_fork() in (True, False)  # whatever this machine allows without threads
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert forked.can_fork() is False
    finally:
        stop.set()
        thread.join()


# --- the store and the CLI ---------------------------------------------------------------------------

NOTES = ["", "=SUM(A1)", "-x", "a,b", 'say "hi"', "two\nlines", "plain"]


@pytest.fixture
def months(tmp_path: Path) -> Store:
    """Readings over eight months, some dated out of order within a month, some company-level, with
    notes that need guards or quotes."""
    store = seeded_store(tmp_path / "team")
    readings = []
    for i in range(400):
        month = 1 + i % 8
        readings.append(Reading(
            id=NEW_ID, metric="nps", department=None if i % 7 == 0 else "sales",
            date=date(2025, month, 28 - (i * 5) % 27), value=float(i % 23) - 4.5 if i % 3 else i % 11,
            confidence=None if i % 4 else 1 + i % 10, note=NOTES[i % len(NOTES)], recorded_by="kim",
            recorded_at=f"2026-01-02T03:{i // 60 % 60:02d}:{i % 60:02d}{'.5' if i % 4 else ''}Z"))
    for start in range(0, len(readings), 50):  # several files a month, several commits
        store.add_many(readings[start:start + 50])
    return store


def _row_way(store: Store) -> bytes:
    """The export as the row path writes it: Store.reading_rows and render, a row at a time."""
    header = list(TABLES["readings"].columns)
    return "".join(csv_files.render(header, store.reading_rows(header))).encode()


HELPED = """
    import fcntl, json, os, sys
    from cxtui.exchange.exporting import reading_csv
    from cxtui.store import Store, forked, repository
    repository.HELPER_BYTES = 0  # a small store: helped all the same
    forked.can_fork = lambda: True
    forks = []
    fork = os.fork
    def counted_fork():
        forks.append(1)
        return fork()
    os.fork = counted_fork
    store = Store(sys.argv[1])
    held = []
    def check_lock(rows):
        # Once the helper's items come, the helper has left: this process still holds the lock.
        fd = os.open(store.layout.lock, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held.append(False)
        except BlockingIOError:
            held.append(True)
        finally:
            os.close(fd)
"""


def test_the_helped_export_is_the_bytes_of_one_process(months: Store, tmp_path: Path):
    out = tmp_path / "helped.csv"
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(HELPED + """
    chunks, written = reading_csv(store, helper=True)
    open(sys.argv[2], "wb").write(b"".join(chunks))
    print(json.dumps([written(), len(forks)]))
    """), str(months.path), str(out)], capture_output=True, text=True, timeout=120,
        env={**os.environ, **child_env(months)})
    written, forks = _last_json(result)
    chunks, alone = reading_csv(months)
    assert out.read_bytes() == b"".join(chunks) == _row_way(months)
    assert written == alone() == 400
    assert forks == 1


def test_the_lock_is_held_until_the_helpers_months_are_taken(months: Store):
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(HELPED + """
    texts = store.reading_month_texts(lambda month: str(os.getpid()).encode(), helper=True)
    items = [next(texts) for _ in range(8)]  # every month; the last ones made by the helper, gone now
    check_lock(0)
    texts.close()
    check_lock(0)
    print(json.dumps([len(forks), held, sorted({int(text) for _, text in items} - {os.getpid()})]))
    """), str(months.path)], capture_output=True, text=True, timeout=120, env={**os.environ, **child_env(months)})
    forks, held, helpers = _last_json(result)
    assert forks == 1 and len(helpers) == 1
    assert held == [True, False]


CLI = """
    import sys
    from cxtui.store import forked, repository
    repository.HELPER_BYTES = 0
    forked.can_fork = lambda: True
    from cxtui.cli import main
    sys.argv = ["cxtui", *sys.argv[1:]]
    main()
"""


def test_cxtui_export_readings_helped_writes_what_one_process_writes(months: Store, tmp_path: Path):
    out = tmp_path / "readings.csv"
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(CLI), "export", "readings", str(out),
                             "--db", str(months.path)], capture_output=True, text=True, timeout=120,
                            env={**os.environ, **child_env(months)})
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"wrote 400 rows of readings to {out}"
    assert out.read_bytes() == _row_way(months)


def test_a_damaged_file_in_the_helpers_half_is_refused_in_one_line(months: Store, tmp_path: Path):
    last = sorted(months.layout.partitions().items())[-1][1]
    last.write_bytes(last.read_bytes().replace(b'"value":', b'"value":"x",\n"was":', 1))
    out = tmp_path / "readings.csv"
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(CLI), "export", "readings", str(out),
                             "--db", str(months.path)], capture_output=True, text=True, timeout=120,
                            env={**os.environ, **child_env(months)})
    assert result.returncode == 1
    assert result.stderr.startswith("error:") and str(last) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_a_month_folder_swapped_for_a_link_while_the_export_runs_is_refused_naming_it(
        months: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A folder is opened once for all its files: one a member swaps for a link after the listing
    is refused as a file reached through it is, never read through."""
    folder = months.layout.readings_dir / "2025-03"
    elsewhere = tmp_path / "elsewhere"
    listed = ReadView.partition_paths
    calls = []

    def swap_after_listing(self, end=None):
        paths = listed(self, end)
        calls.append(1)
        if len(calls) == 2:  # month_sizes lists first; then the read lists again
            folder.rename(elsewhere)
            folder.symlink_to(elsewhere)
        return paths

    monkeypatch.setattr(ReadView, "partition_paths", swap_after_listing)
    chunks, _ = reading_csv(Store(months.path, user="tester"))  # as a new process: nothing cached
    with pytest.raises(StoreError) as info:
        b"".join(chunks)
    assert str(folder) in str(info.value)


def test_when_no_process_can_be_forked_this_one_does_both_halves(monkeypatch: pytest.MonkeyPatch):
    def refuse():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    items = forked.in_order(lambda: iter([(1, b"a")]), lambda: iter([(2, b"b")]), fork=True)
    assert list(items) == [(1, b"a"), (2, b"b")]
