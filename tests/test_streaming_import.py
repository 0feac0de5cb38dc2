"""A large import streams: full readings chunks and audit lines go to temp files as the transaction
runs, and the commit is still all or nothing (issue 13). Peak memory is measured by the benchmark;
these check that the streamed path stores exactly what it should, and nothing when it fails."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest

from cxtui.exchange.importing import Spool
from cxtui.models import Department, Goal, Incentive, Metric, Objective, Reading, Scale, Tension, utcnow
from cxtui.store import NEW_ID, Store, StoreIOError
from cxtui.store import journal as journal_module
from cxtui.store.errors import ReferenceViolation
from cxtui.store.files import CHUNK_SIZE

from test_cli_record import tree_digest

HEADER = "metric,department,date,value,confidence,note\n"
# Longer than every buffer the import uses (the 1 MiB line cap of the CSV reader, the 1 MiB pieces
# the journal and audit are written in): a file the old code would have held whole.
NOTE = "n" * 700
ROWS = 3 * CHUNK_SIZE + 7  # three full chunks of one month are sealed before the commit


def _rows(n: int, *, month: str = "2026-03") -> list[str]:
    return [f"nps,sales,{month}-{1 + i % 28:02d},{i % 100},,{NOTE}\n" for i in range(n)]


def _write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def _temp_files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if ".tmp-" in p.name]


def _audit_lines(store_path: Path) -> list[dict]:
    audit = store_path.with_name(store_path.name + ".d") / "audit.jsonl"
    return [orjson.loads(line) for line in audit.read_bytes().splitlines()]


def _readings(n: int, day: date = date(2026, 3, 1)) -> list[Reading]:
    return [Reading(id=NEW_ID, metric="nps", department="sales", date=day + timedelta(days=i % 28), value=i % 100,
                    note=NOTE, recorded_by="kim", recorded_at=utcnow()) for i in range(n)]


def test_an_import_larger_than_any_buffer_is_stored_whole(seeded, cli, store_path, tmp_path):
    rows = _rows(ROWS) + _rows(5, month="2025-11")
    csv = _write_csv(tmp_path / "in.csv", rows)
    assert csv.stat().st_size > 1 << 20
    audit_before = len(_audit_lines(store_path))

    result = cli("import", "readings", csv)

    assert result.exit_code == 0, result.output
    assert f"imported {ROWS + 5} readings" in result.stdout
    store = Store(store_path, user="tester")
    march = [r for r in store.readings(start=date(2026, 3, 1), end=date(2026, 3, 31)) if r.note == NOTE]
    assert len(march) == ROWS
    assert len(store.readings(start=date(2025, 11, 1), end=date(2025, 11, 30))) == 5
    chunks = sorted((store_path.with_name("store.json.d") / "readings" / "2026-03").iterdir())
    assert [p.name for p in chunks] == ["2026-03.2.json", "2026-03.3.json", "2026-03.4.json", "2026-03.json"]
    sizes = [len(orjson.loads(p.read_bytes())["readings"]) for p in chunks]
    assert max(sizes) == CHUNK_SIZE and sum(sizes) == ROWS + 1  # the seeded store had one March reading
    entries = _audit_lines(store_path)[audit_before:]
    assert len(entries) == ROWS + 5
    assert len({e["tx"] for e in entries}) == 1  # one commit
    assert [e["id"] for e in entries] == [f"{entries[0]['tx']}.{i}" for i in range(ROWS + 5)]
    ids = [e["entity_id"] for e in entries]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"R-\d{8}-[0-9a-f]{16}", i) for i in ids)
    assert store.doctor() == []
    assert _temp_files(store_path.parent) == []


def test_an_import_failing_at_its_last_row_leaves_the_store_byte_identical(seeded, cli, store_path, tmp_path):
    csv = _write_csv(tmp_path / "in.csv", [*_rows(ROWS), "nps,sales,2026-03-02,500,,\n"])
    before = tree_digest(store_path.parent)

    result = cli("import", "readings", csv)

    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: {csv}:{ROWS + 2}: value: 500 is outside the scale of nps (-100..100 pts); "
                                     "nothing was imported")
    assert tree_digest(store_path.parent) == before


def test_a_bulk_transaction_refused_after_sealing_chunks_leaves_nothing_behind(seeded, store_path):
    """The store refuses the last model after three chunks went to temp files: they are removed,
    and no file of the store changed."""
    before = tree_digest(store_path.parent)
    bad = Reading(id=NEW_ID, metric="nps", department="nowhere", date=date(2026, 3, 3), value=1,
                  recorded_by="kim", recorded_at=utcnow())

    with pytest.raises(ReferenceViolation, match="nowhere"):
        seeded.add_stream([*_readings(ROWS), bad])

    assert tree_digest(store_path.parent) == before
    assert _temp_files(store_path.parent) == []


def test_a_streamed_commit_interrupted_after_its_journal_is_finished_by_the_next_process(
        seeded, store_path, monkeypatch):
    """The journal of a bulk commit is written in pieces from the audit temp file; a process that
    finds it (the writer died before applying it) verifies and applies it like any other."""
    def die(*_args) -> None:
        raise OSError(5, "the writer died here")

    with monkeypatch.context() as patched:
        patched.setattr(journal_module, "apply", die)
        with pytest.raises(StoreIOError) as raised:
            seeded.add_stream(_readings(ROWS))
    assert raised.value.committed
    journal_path = store_path.with_name("store.json.d") / "journal.json"
    assert journal_module.load(seeded.layout, journal_path) is not None  # a valid journal, not applied yet

    other = Store(store_path, user="tester")
    assert len(other.readings(start=date(2026, 3, 1), end=date(2026, 3, 31))) == ROWS + 1
    assert not journal_path.exists()
    lines = _audit_lines(store_path)
    entries = [e for e in lines if e["tx"] == lines[-1]["tx"]]  # a created reading is logged by its digest
    assert len(entries) == ROWS
    assert all(e["entity"] == "reading" and e["action"] == "add" and e["digest"] for e in entries)
    assert other.doctor() == []


def test_a_sealed_chunk_touched_again_in_the_same_transaction_comes_back(seeded, store_path):
    """Sealing only saves memory: a reading in a sealed chunk can still be found and changed."""
    with seeded._transaction(bulk=True) as tx:
        added = [tx.add(r) for r in _readings(CHUNK_SIZE + 10)]
        assert tx.sealed  # the month's first chunk was written out
        first = added[0]
        tx.update(first.model_copy(update={"value": 99.0}))

    store = Store(store_path, user="tester")
    assert store.get(Reading, first.id).value == 99.0
    assert len(store.readings(start=date(2026, 3, 1), end=date(2026, 3, 31))) == CHUNK_SIZE + 11
    assert store.doctor() == []
    assert _temp_files(store_path.parent) == []


def test_a_dry_run_of_a_large_file_counts_and_writes_nothing(seeded, cli, store_path, tmp_path):
    csv = _write_csv(tmp_path / "in.csv", _rows(ROWS))
    before = tree_digest(store_path.parent)

    result = cli("import", "readings", csv, "--dry-run")

    assert result.exit_code == 0, result.output
    assert f"would import {ROWS} readings" in result.stdout
    assert f"nps: {ROWS} reading(s)" in result.stdout
    assert tree_digest(store_path.parent) == before
    assert not any(name.startswith("tmp") for name in os.listdir(store_path.parent))


SPOOLED = [
    Reading(id=NEW_ID, metric="nps", department=None, date=date(2026, 3, 1), value=-5, confidence=7,
            note="=a\tnote\nwith lines", recorded_by="kim", recorded_at="2026-03-01T10:00:00.123456+02:00"),
    Reading(id="R-1", metric="nps", department="sales", date=date(2026, 3, 1), value=123456789.125, recorded_by="kim",
            recorded_at=utcnow(), version=3, updated_by="omar", updated_at=utcnow()),
    Objective(id=NEW_ID, title="Customers recommend us", metric="nps", target=45.5, baseline=None,
              start="2026-01-01", deadline="2027-06-30"),
    Tension(a="nps", b="aht", why="both"),
    Department(id="sales", name="Sales", leads=["kim", "omar"]),
    Metric(id="nps", name="NPS", unit="pts", scale=Scale(min=-100, max=None)),
    Goal(id="G-1", department="sales", title="Lift", metric="nps", kind="increase", baseline=10, target=30,
         start="2026-01-01", deadline="2026-12-31", objectives=["O-1"]),
    Incentive(id="I-1", department="sales", title="Kicker", metric="nps", direction="up", weight=0.4),
]


@pytest.mark.parametrize("record", SPOOLED, ids=lambda r: type(r).__name__)
def test_a_spooled_record_reads_back_as_it_was(record):
    spool = Spool(type(record))
    spool.append(record)
    spool.append(record)
    back = list(spool)
    spool.close()
    assert back == [record, record]
    assert [r.model_dump(mode="json") for r in back] == [record.model_dump(mode="json")] * 2
