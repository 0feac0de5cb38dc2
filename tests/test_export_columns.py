"""The fast readings export (columns built in C, cells a column at a time) writes the very bytes
of the row-at-a-time path it replaces, on values chosen to be awkward."""

from __future__ import annotations

import csv
import io
from datetime import date

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxtui.exchange import csv_files
from cxtui.exchange.exporting import export_rows
from cxtui.exchange.table_columns import TABLES
from cxtui.models import Reading
from cxtui.store import NEW_ID, Store, StoreError
from cxtui.store import reading_columns as reading_columns_module


def _row_way(header, rows) -> str:
    """What render wrote before it worked in columns: the row path alone."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    head = buffer.getvalue()
    return head + "".join(csv_files._row_lines(rows, writer, buffer))


NOTES = ["", "=SUM(A1)", "+1", "-x", "@x", "'=x", "''+y", "a,b", 'say "hi"', "two\nlines", "tab\there", "plain"]
VALUES = [55.0, -0.0, 0.0, -5.0, 0.1, 1e-05, 1.2345e-7, 1e15, 999999999999999.0, 123456789012345.67, 123456789.125, -3.5]


# With a cell to quote in a chunk, render writes that chunk the row way; without, by columns.
GUARDS_ONLY = [n for n in NOTES if not set(n) & set(',"\n')]


@pytest.fixture(params=[NOTES, GUARDS_ONLY], ids=["quoted", "guards-only"])
def awkward(seeded: Store, request) -> Store:
    notes = request.param
    # Several months, dates out of order inside a month, company-level readings (no department),
    # confidences and notes that need guards or quotes.
    readings = []
    for i, value in enumerate(VALUES * 3):
        month = 1 + i % 4
        readings.append(Reading(
            id=NEW_ID, metric="aht", department=None if i % 5 == 0 else "sales",
            date=date(2025, month, 28 - i % 27), value=value, confidence=None if i % 3 else 1 + i % 10,
            note=notes[i % len(notes)], recorded_by="kim",
            recorded_at=f"2026-01-02T03:04:{i % 60:02d}{'.5' if i % 4 else ''}Z"))
    seeded.add_many(readings)
    return seeded


@pytest.mark.parametrize("quick_check", [True, False])
def test_the_fast_export_writes_the_bytes_of_the_row_way(awkward, quick_check, monkeypatch):
    if not quick_check:  # as for a file the quick check declines: each document checked on its own
        monkeypatch.setattr(reading_columns_module, "checked_columns", lambda docs, ids=None, printable=False: None)
    header, rows = export_rows(awkward, "readings")
    fast = "".join(csv_files.render(header, rows))
    assert fast == _row_way(header, awkward.reading_rows(TABLES["readings"].columns))
    assert "'=SUM(A1)" in fast and "\'\'\'+y" in fast and ",999999999999999," in fast


def test_the_columns_are_the_rows_of_reading_rows(awkward):
    columns = TABLES["readings"].columns
    rows = [row for month in awkward.reading_columns(columns) for row in zip(*month)]
    assert [list(r) for r in rows] == awkward.reading_rows(columns)
    assert len(rows) == len(VALUES) * 3 + 2  # and the seeded two


# Before every reading, inside a month, a month's last day, inside a later month, after them all.
ENDS = [date(2024, 12, 31), date(2025, 1, 15), date(2025, 2, 28), date(2025, 3, 10), date(2030, 1, 1)]


@pytest.mark.parametrize("quick_check", [True, False])
@pytest.mark.parametrize("end", ENDS)
def test_columns_up_to_a_date_are_the_rows_up_to_it(awkward, end, quick_check, monkeypatch):
    if not quick_check:
        monkeypatch.setattr(reading_columns_module, "checked_columns", lambda docs, ids=None, printable=False: None)
    columns = TABLES["readings"].columns
    rows = [list(row) for month in awkward.reading_columns(columns, end=end) for row in zip(*month)]
    assert rows == awkward.reading_rows(columns, end=end)
    assert all(row[columns.index("date")] <= end.isoformat() for row in rows)
    header, exported = export_rows(awkward, "readings", as_of=end)
    assert [list(r) for r in exported] == rows


def test_a_column_the_fast_way_does_not_know_is_left_to_reading_rows(awkward):
    assert awkward.reading_columns(["id", "updated_at"]) is None


CELLS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False),
    st.text(max_size=8), st.sampled_from(NOTES), st.dates(), st.lists(st.text(max_size=3), max_size=2),
)


@given(st.integers(1, 4).flatmap(lambda width: st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=30)))
@settings(max_examples=300)
def test_render_by_columns_is_render_by_rows(rows):
    header = [f"c{i}" for i in range(len(rows[0]))] if rows else ["c"]
    assert "".join(csv_files.render(header, rows)) == _row_way(header, rows)


@pytest.mark.parametrize("rows", [
    [["a"], [""]],                      # one column: a row of one empty cell is quoted
    [["a", "b"], ["c"]],                # ragged rows
    [("x", 1.0), ["y", None]],          # tuples and lists mixed
    [["a", "b"]] * 2500,                # more than a chunk
    [[None, 5e-324], [None, 1e300]],    # exponents kept or written out
])
def test_render_edge_cases(rows):
    assert "".join(csv_files.render(["h1", "h2"], rows)) == _row_way(["h1", "h2"], rows)



def _rows_text(rows) -> str:
    buffer = io.StringIO()
    return "".join(csv_files._row_lines(rows, csv.writer(buffer, lineterminator="\n"), buffer))


# Text a CSV file holds as it is: what the store's checks leave in the columns a month calls plain.
PLAIN_TEXT = st.one_of(st.from_regex(r"[a-z0-9][a-z0-9_-]{0,6}", fullmatch=True), st.dates().map(date.isoformat))


def _blocks_text(blocks, order=None, plain=()) -> str:
    """What the readings export writes for a month: each block's text, the lines then ordered."""
    numbers: dict[float, str] = {}
    texts = [csv_files.block_text(columns, numbers, plain) for columns in blocks]
    return csv_files.ordered_text(texts, order)


@given(st.data())
@settings(max_examples=300)
def test_block_texts_in_order_are_the_row_way_of_the_ordered_rows(data):
    width = data.draw(st.integers(2, 4))
    plain = data.draw(st.sets(st.integers(0, width - 1), max_size=width))
    row = st.tuples(*[PLAIN_TEXT if i in plain else CELLS for i in range(width)]).map(list)
    blocks_rows = data.draw(st.lists(st.lists(row, max_size=12), max_size=4))
    rows = [r for block in blocks_rows for r in block]
    order = data.draw(st.none() | st.permutations(range(len(rows))))
    blocks = [[[r[i] for r in block] for i in range(width)] for block in blocks_rows]
    expected = _rows_text(rows if order is None else [rows[i] for i in order])
    assert _blocks_text(blocks, order, plain) == expected


def test_a_block_with_a_quoted_cell_comes_as_its_lines():
    # A quoted cell may hold a line break: such a block cannot be cut into lines at its breaks.
    columns = [["a", "b"], ["two\nlines", "x"]]
    block = csv_files.block_text(columns)
    assert block == ['a,"two\nlines"\n', "b,x\n"]
    assert csv_files.ordered_text([block, "c,y\n"], [2, 0, 1]) == 'c,y\na,"two\nlines"\nb,x\n'


def test_block_texts_share_number_texts_across_blocks_without_mixing_them():
    # -0.0 and 0.0 are one key (both "0"); NaN is never found again; a float and an int that are
    # equal are never in one column's dictionary.
    blocks = [[["a", "b", "c"], [0.0, 2.5, float("nan")]], [["d", "e", "f"], [-0.0, 1e20, 2.5]]]
    rows = [["a", 0.0], ["b", 2.5], ["c", float("nan")], ["d", -0.0], ["e", 1e20], ["f", 2.5]]
    assert _blocks_text(blocks) == _rows_text(rows)


@pytest.mark.parametrize("fraction", ["", ".250000", ".5"], ids=["whole-seconds", "microseconds", "mixed"])
def test_a_months_order_from_timestamps_of_one_width_or_of_several(seeded: Store, fraction: str):
    # Dates out of order, several readings a date, their timestamps out of order within it: with
    # every timestamp of one width they are compared as written, else each as utc_text.
    readings = [
        Reading(id=NEW_ID, metric="aht", department="sales", date=date(2025, 3, 1 + (i * 7) % 5), value=float(i),
                recorded_by="kim",
                recorded_at=f"2026-01-02T03:04:{(i * 13) % 60:02d}{fraction if fraction != '.5' or i % 2 else ''}Z")
        for i in range(40)
    ]
    for start in range(0, 40, 10):
        seeded.add_many(readings[start:start + 10])
    columns = TABLES["readings"].columns
    rows = [list(row) for month in seeded.reading_columns(columns) for row in zip(*month)]
    assert rows == seeded.reading_rows(columns)
    assert [row[2] for row in rows[-40:]] == sorted(row[2] for row in rows[-40:])


def test_a_timestamp_with_another_offset_in_one_file_is_ordered_by_its_moment(seeded: Store):
    # Two files in March; the second has a reading written by hand at +02:00, which the slow check
    # takes. 11:00+02:00 is 09:00 UTC: before the first file's 10:00 UTC reading of the same date.
    seeded.add_many([
        Reading(id=NEW_ID, metric="aht", department="sales", date=date(2025, 3, 5 if i == 0 else 6), value=float(i),
                recorded_by="kim", recorded_at="2026-01-02T10:00:00Z")
        for i in range(501)
    ])
    second = seeded.layout.partition("2025-03.2")
    data = orjson.loads(second.read_bytes())
    doc = next(iter(data["readings"].values()))
    doc.update(date="2025-03-05", recorded_at="2026-01-02T11:00:00+02:00")
    second.write_bytes(orjson.dumps(data))
    fresh = Store(seeded.path, user="tester")
    columns = TABLES["readings"].columns
    rows = [list(row) for month in fresh.reading_columns(columns) for row in zip(*month)]
    assert rows == fresh.reading_rows(columns)
    march = [row for row in rows if row[2] == "2025-03-05"]
    assert [row[-1] for row in march] == ["2026-01-02T11:00:00+02:00", "2026-01-02T10:00:00+00:00"]


def test_one_moment_written_two_ways_keeps_the_row_ways_order(seeded: Store):
    # ":05Z" and ":05.000000Z" (the second only written by hand) are one moment: ties stay in file
    # order, as reading_rows keeps them, not in the order of the texts.
    seeded.add_many([
        Reading(id=NEW_ID, metric="aht", department="sales", date=date(2025, 3, 5), value=float(i),
                recorded_by="kim", recorded_at="2026-01-02T10:00:05Z")
        for i in range(2)
    ])
    path = seeded.layout.partition("2025-03")
    data = orjson.loads(path.read_bytes())
    first = next(iter(data["readings"].values()))
    first["recorded_at"] = "2026-01-02T10:00:05.000000Z"
    path.write_bytes(orjson.dumps(data))
    fresh = Store(seeded.path, user="tester")
    columns = TABLES["readings"].columns
    rows = [list(row) for month in fresh.reading_columns(columns) for row in zip(*month)]
    assert rows == fresh.reading_rows(columns)
    assert [row[3] for row in rows if row[2] == "2025-03-05"] == [0, 1]


def _one_month_of_three_files(store: Store) -> Store:
    # A file holds up to 500 readings: 1,200 in March make three files.
    store.add_many([
        Reading(id=NEW_ID, metric="aht", department="sales", date=date(2025, 3, 1 + i % 28), value=float(i),
                recorded_by="kim", recorded_at="2026-01-02T10:00:00Z")
        for i in range(1200)
    ])
    assert len([key for key in store.layout.partitions() if key.startswith("2025-03")]) == 3
    return store


def test_a_months_files_are_read_one_at_a_time_as_its_parts_are_taken(seeded: Store, monkeypatch):
    store = _one_month_of_three_files(seeded)
    with store._reading() as view:
        loaded = []
        load = view.files.load
        monkeypatch.setattr(view.files, "load",
                            lambda path, **kw: loaded.append(path.name) or load(path, **kw))
        months = reading_columns_module.months(view)
        march = next(month for month in months if loaded[-1].startswith("2025-03"))
        parts = iter(march)
        sizes = []
        for part in parts:
            sizes.append(len(part.columns["date"]))
            assert len([name for name in loaded if name.startswith("2025-03")]) == len(sizes)
        assert sizes == [500, 500, 200] and march.rows == 1200
        # Dates go up and down across the month: order() puts them in Store.readings' order.
        order = march.order()
        assert order is not None and len(order) == 1200


def test_what_a_month_writer_leaves_untaken_is_still_read_checked_and_counted(seeded: Store):
    store = _one_month_of_three_files(seeded)
    total = len(store.reading_rows(["id"]))
    assert sum(rows for rows, _ in store.reading_month_texts(lambda month: b"")) == total
    # A value no reading may hold, planted in the month's last file.
    last = store.layout.partition("2025-03.3")
    data = orjson.loads(last.read_bytes())
    next(iter(data["readings"].values()))["value"] = "lots"
    last.write_bytes(orjson.dumps(data))
    with pytest.raises(StoreError, match=r"2025-03\.3"):
        list(Store(store.path, user="tester").reading_month_texts(lambda month: b""))


@pytest.mark.parametrize("texts", [
    ["2026-01-02T03:04:05Z"] * 8 + ["2026-01-02T03:04:05.250000Z"] * 4,  # repeated: each rewritten once
    [f"2026-01-02T03:04:{i:02d}Z" for i in range(12)],                   # each its own
    [],
])
def test_timestamps_are_written_as_isoformat_writes_them(texts):
    from cxtui.store.record_docs import iso_moment

    assert reading_columns_module._iso_texts(texts) == [iso_moment(t) for t in texts]


@pytest.mark.parametrize(("sizes", "first"), [
    ({}, []),
    ({"a": 5}, ["a"]),
    ({"a": 0, "b": 0}, ["a"]),
    ({"a": 10, "b": 10}, ["a"]),
    ({"a": 31, "b": 32, "c": 31, "d": 30}, ["a", "b"]),    # 63 of 124: the nearest to half
    ({"a": 30, "b": 31, "c": 32, "d": 31}, ["a", "b"]),    # 61 of 124: nearer than 93
    ({"a": 1, "b": 1, "c": 10}, ["a", "b"]),               # 2 of 12 is nearer half than 12
    ({"a": 10, "b": 1, "c": 1}, ["a"]),
    ({"a": 4, "b": 2, "c": 4}, ["a"]),                     # 4 and 6 are as near: the earlier
])
def test_the_helpers_months_are_those_after_the_place_nearest_half_the_bytes(sizes, first):
    from cxtui.store.repository import _halves

    assert _halves(sizes) == (first, [key for key in sizes if key not in first])
