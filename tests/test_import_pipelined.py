"""`cxtui import` of a large file, pipelined (importing.pipelined_import): a forked copy checks the
file while this process adds the rows it has passed, in one transaction under the write lock. Whatever
the file holds and however the copy fails, the store ends as the import done in turn leaves it, and
the user reads the same words.

Whatever forks runs in a child Python of its own: the suite's process may have threads by then, and
forking one with threads is what forked.can_fork refuses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cxtui.store import Store
from store_helpers import CHILDREN_LEFT, COUNTING_FORKS, RUN_CLI_COUNTING_FORKS, child_env, child_python
from test_cli_record import tree_digest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this system")

ROWS = 3000
HEADER = "metric,department,date,value,confidence,note\n"


# --- forked.Piped ------------------------------------------------------------------------------------

PIPED = CHILDREN_LEFT + """
    import json, os, signal, sys
    from cxtui.store import forked
    parent = os.getpid()

    def run(job, stop_after=None):
        piped = forked.Piped(job)
        lines = []
        for line in piped.lines():
            lines.append(line.decode())
            if stop_after is not None and len(lines) == stop_after:
                break
        result = piped.result() if stop_after is None else b"(stopped)"
        piped.close()
        print(json.dumps([len(lines), lines[:2], lines[-1:], None if result is None else result.decode(),
                          children_left()]))
"""


def _run_piped(body: str) -> list:
    result = child_python(PIPED + body)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_lines_come_from_another_process_in_order_then_its_result():
    # Far more than a pipe holds: the copy writes while this process reads.
    count, first, last, result, left = _run_piped("""
    def job(out):
        for n in range(200_000):
            out.write(b"line %d\\n" % n)
        return ("pid %d\\nwith \\0 and a newline" % os.getpid()).encode()
    run(job)
    """)
    assert count == 200_000 and first == ["line 0\n", "line 1\n"] and last == ["line 199999\n"]
    assert result.startswith("pid ") and result.endswith("with \0 and a newline")
    assert left == "none left"


@pytest.mark.parametrize("failure", [
    "raise RuntimeError('only in the copy')",
    "os.kill(os.getpid(), signal.SIGKILL)",
    "os._exit(0)",  # left without its end: not taken as done
])
def test_a_copy_that_fails_gives_no_result(failure):
    count, _, last, result, left = _run_piped(f"""
    def job(out):
        for n in range(50_000):
            out.write(b"line %d\\n" % n)
        out.flush()
        {failure}
        return b"done"
    run(job)
    """)
    assert count == 50_000 and last == ["line 49999\n"]
    assert result is None and left == "none left"


def test_a_reader_that_stops_early_leaves_no_copy_behind():
    count, _, _, result, left = _run_piped("""
    def job(out):
        while True:
            out.write(b"more\\n")
    run(job, stop_after=10)
    """)
    assert (count, result, left) == (10, "(stopped)", "none left")


# --- cxtui import --------------------------------------------------------------------------------------

# The CLI with the pipeline forced on a small file, the forks counted. MODE makes one thing go wrong:
#   fail-in-copy    the copy's check raises (a helper out of memory);
#   kill-in-copy    the copy is killed half-way through the rows;
#   store-refuses   this process's transaction refuses the 3rd row while the copy still checks;
#   lock-probe      the copy notes in LOCK_PROBE whether another process could take the lock.
CLI = COUNTING_FORKS + """
    import fcntl, signal
    from cxtui.exchange import importing
    from cxtui.store import transaction
    from cxtui.store.errors import RuleViolation
    mode = os.environ.get("MODE", "")
    importing.PIPELINE_BYTES = int(os.environ.get("PIPELINE_BYTES", "0"))
    check = importing.plan_rows
    def checking(store, *args, **kwargs):
        if os.getpid() != parent:
            if mode == "fail-in-copy":
                raise MemoryError
            if mode == "lock-probe":
                fd = os.open(store.layout.lock, os.O_RDWR)
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    said = "free"
                except BlockingIOError:
                    said = "held"
                open(os.environ["LOCK_PROBE"], "w").write(said)
        return check(store, *args, **kwargs)
    importing.plan_rows = checking
    if mode == "kill-in-copy":
        append = importing.Spool.append
        def append_then_die(self, record):
            if os.getpid() != parent and len(self) == 1000:
                self._file.flush()
                os.kill(os.getpid(), signal.SIGKILL)
            append(self, record)
        importing.Spool.append = append_then_die
    adds, add = [0], transaction.Transaction.add
    def counted_add(self, model):
        if self.bulk and mode == "store-refuses" and len(self.entries) == 2:
            raise RuleViolation("value", "value: refused by the store")
        adds[0] += 1
        return add(self, model)
    transaction.Transaction.add = counted_add
    def said():
        return ("adds", adds[0])
""" + RUN_CLI_COUNTING_FORKS


def _rows(n: int, bad: dict[int, str] | None = None) -> str:
    rows = [f"nps,sales,2026-{1 + i % 6:02d}-{1 + i % 28:02d},{i % 100},{1 + i % 10 if i % 3 else ''},note {i}\n"
            for i in range(n)]
    for i, row in (bad or {}).items():
        rows[i] = row
    return HEADER + "".join(rows)


def _import(store: Store, csv: Path, member: dict[str, str], *, pipelined: bool, mode: str = "",
            extra: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], str, int]:
    """The import in a child Python acting as `member` (child_env): its result, "forks N none left",
    and how many rows this process added to its transaction."""
    env = {**member, "MODE": mode, "PIPELINE_BYTES": "0" if pipelined else str(1 << 60), **(extra or {})}
    result = child_python(CLI, "import", "readings", str(csv), "--db", str(store.path), env=env)
    *said, forks = result.stdout.splitlines()
    result.stdout = "\n".join(said)
    return result, forks.partition(" adds ")[0], int(forks.partition(" adds ")[2])


@pytest.fixture
def member(seeded: Store) -> dict[str, str]:
    """What a child process needs to act on `seeded`, settled before anything is compared: run by
    anyone but root, child_env changes the store (the user is made an admin)."""
    return child_env(seeded)


def _twin(store: Store, tmp_path: Path) -> Store:
    """A copy of the store, for the import done in turn."""
    shutil.copytree(store.path.parent, tmp_path / "twin")
    return Store(tmp_path / "twin" / store.path.name, user="tester")


def _contents(store: Store) -> list[tuple]:
    return sorted((r.metric, r.department, r.date, r.value, r.confidence, r.note, r.recorded_by)
                  for r in store.readings())


def _audited_tx(store: Store) -> set[str]:
    return {e.tx for e in store.audit(limit=10 * ROWS) if e.entity == "reading"}


@pytest.mark.parametrize("mode", ["", "fail-in-copy", "kill-in-copy"])
def test_a_pipelined_import_stores_what_the_import_in_turn_stores(seeded: Store, tmp_path: Path, member: dict[str, str], mode: str):
    twin = _twin(seeded, tmp_path)
    csv = tmp_path / "in.csv"
    csv.write_text(_rows(ROWS))
    before = _audited_tx(seeded)

    piped, forks, _ = _import(seeded, csv, member, pipelined=True, mode=mode)
    alone, alone_forks, _ = _import(twin, csv, member, pipelined=False)

    assert piped.returncode == alone.returncode == 0, piped.stderr + alone.stderr
    assert piped.stdout == alone.stdout.replace(str(twin.path), str(seeded.path)) == f"imported {ROWS} readings from {csv}"
    assert (forks, alone_forks) == ("forks 1 none left", "forks 0 none left")
    assert _contents(seeded) == _contents(twin)
    assert len(_audited_tx(seeded) - before) == 1  # one commit, whoever checked the rows
    assert seeded.doctor() == []
    assert not [p for p in seeded.path.parent.rglob("*") if ".tmp-" in p.name]


@pytest.mark.parametrize(("what", "bad"), [
    ("one bad row, the last", {ROWS - 1: "nps,sales,2026-03-02,500,,\n"}),
    ("many bad rows", {i: f"nps,nobody,2026-03-02,{i},,\n" for i in range(0, ROWS, 7)}),
    ("a row of the wrong width", {5: "nps,sales\n"}),
])
@pytest.mark.parametrize("mode", ["", "store-refuses", "fail-in-copy"])
def test_a_file_with_problems_is_refused_in_the_words_of_the_import_in_turn(
        seeded: Store, tmp_path: Path, member: dict[str, str], what: str, bad: dict[int, str], mode: str):
    csv = tmp_path / "in.csv"
    csv.write_text(_rows(ROWS, bad))
    before = tree_digest(seeded.path.parent)
    alone, _, _ = _import(seeded, csv, member, pipelined=False)
    piped, forks, adds = _import(seeded, csv, member, pipelined=True, mode=mode)
    assert alone.returncode == piped.returncode == 1, what
    assert piped.stderr == alone.stderr and "nothing was imported" in piped.stderr
    assert forks == "forks 1 none left"
    assert tree_digest(seeded.path.parent) == before
    if mode == "":  # the rows after the first problem are only checked, not added
        assert adds == min(bad)


def test_a_header_the_import_cannot_use_is_named_as_the_import_in_turn_names_it(seeded: Store, tmp_path: Path, member: dict[str, str]):
    csv = tmp_path / "in.csv"
    csv.write_text(_rows(ROWS).replace("metric,", "metrik,", 1))
    alone, _, _ = _import(seeded, csv, member, pipelined=False)
    piped, _, _ = _import(seeded, csv, member, pipelined=True)
    assert alone.returncode == piped.returncode != 0
    assert piped.stderr == alone.stderr and "metrik" in piped.stderr


def test_a_row_the_store_refuses_in_a_clean_file_is_the_stores_error(seeded: Store, tmp_path: Path, member: dict[str, str]):
    csv = tmp_path / "in.csv"
    csv.write_text(_rows(ROWS))
    before = tree_digest(seeded.path.parent)
    piped, forks, _ = _import(seeded, csv, member, pipelined=True, mode="store-refuses")
    assert piped.returncode == 1
    assert "refused by the store" in piped.stderr and len(piped.stderr.strip().splitlines()) == 1
    assert forks == "forks 1 none left"
    assert tree_digest(seeded.path.parent) == before


def test_the_copy_checks_the_file_under_the_write_lock(seeded: Store, tmp_path: Path, member: dict[str, str]):
    csv = tmp_path / "in.csv"
    csv.write_text(_rows(ROWS))
    probe = tmp_path / "probe"
    piped, _, _ = _import(seeded, csv, member, pipelined=True, mode="lock-probe", extra={"LOCK_PROBE": str(probe)})
    assert piped.returncode == 0, piped.stderr
    assert probe.read_text() == "held"


def test_only_a_large_file_is_pipelined(seeded: Store, tmp_path: Path, member: dict[str, str]):
    csv = tmp_path / "in.csv"
    csv.write_text(_rows(50))
    result, forks, _ = _import(seeded, csv, member, pipelined=True, extra={"PIPELINE_BYTES": str(csv.stat().st_size + 1)})
    assert result.returncode == 0, result.stderr
    assert forks == "forks 0 none left"
