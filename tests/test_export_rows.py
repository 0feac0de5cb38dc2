"""The fast path of `export readings` (Store.reading_rows): month by month, files not cached, and a
stored UTC timestamp rewritten by its shape: the same rows, in the same order, as the models give."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from cxtui.exchange import csv_files
from cxtui.exchange.table_columns import TABLES
from cxtui.models import Reading, utcnow
from cxtui.store import NEW_ID, Store
from cxtui.store.files import CHUNK_SIZE
from cxtui.store.record_docs import _moment
from cxtui.store.record_docs import iso_moment as _iso_moment


@pytest.mark.parametrize("text", [
    "2026-01-02T03:04:05Z",
    "2026-01-02T03:04:05.123456Z",
    "2026-01-02T03:04:05.123Z",  # not pydantic's form: parsed and written again
    "2026-01-02T05:04:05+02:00",
    "2026-01-02T03:04:05.000001+00:00",
    "2026-01-02 03:04:05Z",
])
@pytest.mark.parametrize("parsed", [True, False])
def test_a_stored_timestamp_is_written_as_isoformat_writes_it(text, parsed):
    assert _iso_moment(text, parsed=parsed) == _moment(text).isoformat()


def test_rows_of_a_month_spread_over_chunks_come_in_date_order(seeded, store_path):
    """The last chunk of a month holds its earliest dates: the month is sorted as a whole."""
    first = date(2026, 5, 1)
    seeded.add_stream(
        Reading(id=NEW_ID, metric="nps", department="sales" if i % 2 else None, date=first + timedelta(days=27 - i % 28),
                value=i % 50, recorded_by="kim", recorded_at=utcnow())
        for i in range(CHUNK_SIZE * 2 + 30)
    )
    store = Store(store_path, user="tester")
    table = TABLES["readings"]
    for department, end in (("*", None), ("sales", date(2026, 5, 20)), (None, None)):
        fast = store.reading_rows(table.columns, department=department, end=end)
        slow = [table.row(r) for r in store.readings(department=department, end=end)]
        assert [[csv_files.cell(v) for v in row] for row in fast] == [[csv_files.cell(v) for v in row] for row in slow]
        assert len(fast) > 0


def test_an_export_does_not_keep_the_files_it_read(seeded, store_path):
    store = Store(store_path, user="tester")
    rows = store.reading_rows(TABLES["readings"].columns)
    assert len(rows) == 2
    assert not [path for path in store.files.kept() if path.parent.parent == store.layout.readings_dir]


@pytest.mark.parametrize("damage", [
    {"value": True}, {"value": float("nan")}, {"value": "5"}, {"confidence": 11}, {"confidence": True},
    {"confidence": 2.0}, {"id": "R-1\x1b[2J"}, {"department": 5}, {"note": "bell\a"}, {"note": None},
    {"date": "2026-02-30"}, {"date": ["2026-03-01"]}, {"recorded_at": "2026-03-01T25:00:00Z"},
    {"recorded_at": "yesterday"}, {"recorded_by": None},
], ids=repr)
def test_the_whole_file_check_refuses_what_the_document_check_refuses(seeded, store_path, damage):
    """The fast check of a whole file passes nothing the check of each document refuses."""
    import orjson

    from cxtui.store import StoreCorrupt

    path = seeded.layout.partition(next(iter(seeded.layout.partitions())))
    data = orjson.loads(path.read_bytes())
    victim_id, victim = next(iter(data["readings"].items()))
    victim.update(damage)
    path.write_bytes(orjson.dumps(data))
    with pytest.raises(StoreCorrupt, match=re.escape(victim.get("id", victim_id))):
        Store(store_path, user="tester").reading_rows(TABLES["readings"].columns)


def test_a_file_the_fast_check_leaves_to_the_slow_one_sorts_with_the_others(seeded, store_path):
    """A note with a line break, a timestamp in another zone: read by the document check, ordered
    by the moment among the other readings of the month."""
    seeded.add_many([
        Reading(id=NEW_ID, metric="nps", department="sales", date=date(2026, 3, 1), value=1, note="two\nlines",
                recorded_by="kim", recorded_at="2026-03-01T10:00:00+02:00"),
        Reading(id=NEW_ID, metric="nps", department="sales", date=date(2026, 3, 1), value=2,
                recorded_by="kim", recorded_at="2026-03-01T09:00:00Z"),
        Reading(id=NEW_ID, metric="nps", department="sales", date=date(2026, 3, 1), value=3,
                recorded_by="kim", recorded_at="2026-03-01T07:59:59.5Z"),
    ])
    store = Store(store_path, user="tester")
    table = TABLES["readings"]
    fast = store.reading_rows(table.columns)
    slow = [table.row(r) for r in store.readings()]
    assert [[csv_files.cell(v) for v in row] for row in fast] == [[csv_files.cell(v) for v in row] for row in slow]
    added = [row[3] for row in fast if row[2] == "2026-03-01" and row[3] > 0]
    assert added == [3.0, 1.0, 2.0]
