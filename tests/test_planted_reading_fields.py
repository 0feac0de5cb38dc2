"""A reading document planted by a hostile group member, with a field no cxtui ever writes: every
reader refuses its file as damaged, naming the reading, instead of failing on an unexpected
TypeError (a department of [] made every lead's scorecard, export and doctor stop so) or taking in a
value that looks like no department (0, "", "Sales")."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from test_cli_record import one_error_line

from cxtui.exchange.table_columns import TABLES
from cxtui.store import Store, StoreCorrupt
from cxtui.exchange.csv_files import cell
from cxtui.store.documents import printable_text
from cxtui.store.record_docs import check_reading_doc, checked_columns, checked_utc_texts, utc_text, utc_texts

PLANTED = [
    ("department", []), ("department", {}), ("department", 0), ("department", False), ("department", ""),
    ("department", "Sales"), ("department", "sales\n"), ("metric", []), ("metric", ""), ("metric", None),
    ("version", True), ("version", -1), ("version", "2"), ("updated_by", 0), ("updated_by", []),
    ("updated_at", "yesterday"), ("updated_at", 5),
]


def _plant(store: Store, field: str, value) -> str:
    path = store.layout.partition(next(iter(store.layout.partitions())))
    data = orjson.loads(path.read_bytes())
    victim_id, victim = next(iter(data["readings"].items()))
    victim[field] = value
    path.write_bytes(orjson.dumps(data))
    return victim.get("id", victim_id)


@pytest.mark.parametrize(("field", "value"), PLANTED, ids=[f"{f}={v!r}" for f, v in PLANTED])
def test_every_reader_refuses_the_file_naming_the_reading(seeded, cli, field, value):
    victim = _plant(seeded, field, value)
    fresh = lambda: Store(seeded.path, user="tester")  # noqa: E731 - a store that has not read the file yet
    readers = {
        "readings": lambda s: s.readings(),
        "snapshot": lambda s: s.snapshot(),
        "rows": lambda s: s.reading_rows(TABLES["readings"].columns),
        "columns": lambda s: list(s.reading_columns(TABLES["readings"].columns)),
    }
    for name, read in readers.items():
        with pytest.raises(StoreCorrupt, match=victim):
            read(fresh())
        assert name
    # (`cxtui scorecard` here reads the series index, not this file: snapshot() above reads it.)
    for command in (["export", "readings"], ["doctor"]):
        result = cli(*command)
        assert result.exit_code == 1, (command, result.output)
        line = one_error_line(result) if command != ["doctor"] else result.stderr
        assert "damaged" in line and victim in line and "unexpected" not in line, (command, line)


BASE = {"id": "R-20260202-1", "metric": "nps", "department": "sales", "date": "2026-02-02", "value": 4.5,
        "confidence": 7, "note": "fine", "version": 1, "recorded_by": "kim", "updated_by": None,
        "updated_at": None, "recorded_at": "2026-02-02T09:00:00Z"}
ODD = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 12), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "Sales", "sales", "nps", "2026-02-30", "2026-02-02", "2026-02-02T09:00:00Z",
                     "2026-02-02T09:00:00.123456Z", "2026-02-02T09:00:00+02:00", "x\ny", "bell\a", "é", "٣"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    st.text(max_size=6),
)


@seed(23)
@settings(max_examples=400, deadline=None)
@given(changes=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(sorted(BASE)), ODD), max_size=4),
       dropped=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(sorted(BASE))), max_size=1))
def test_the_whole_file_check_never_takes_what_the_document_check_refuses(changes, dropped):
    docs = [dict(BASE, id=f"R-20260202-{i}") for i in range(4)]
    for i, field, value in changes:
        docs[i][field] = value
    for i, field in dropped:
        docs[i].pop(field, None)
    texts = checked_utc_texts(docs)
    if texts is None:
        return  # the readers then run the document check, which says what is wrong
    assert texts == [utc_text(check_reading_doc(doc)) for doc in docs]
    # The columns it hands out are the documents' fields, and those an export writes as they are
    # (reading_columns.Part.plain) are text a CSV file holds unchanged.
    columns = checked_columns(docs)
    assert columns is not None and utc_texts(columns["recorded_at"]) == texts
    for name in ("id", "metric", "department", "date", "value", "confidence", "note", "recorded_by", "recorded_at"):
        default = {"confidence": None, "note": ""}.get(name)  # left out of a file form: its default
        assert columns[name] == [doc.get(name, default) for doc in docs]
    for name in ("metric", "date", "recorded_at", "department"):
        for value in columns[name]:
            if value is not None:
                assert cell(value) == value and not set(value) & set(',"\r\n'), (name, value)


@settings(max_examples=300)
@given(st.recursive(st.text() | st.integers(-2**63, 2**64 - 1) | st.none(), lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8))
def test_a_file_whose_bytes_say_printable_holds_only_printable_text(value):
    def texts(v):
        if isinstance(v, str):
            yield v
        elif isinstance(v, list):
            for item in v:
                yield from texts(item)
        elif isinstance(v, dict):
            for key, item in v.items():
                yield key
                yield from texts(item)

    if printable_text(orjson.dumps(value)):
        assert all(t.isprintable() for t in texts(value))


@pytest.mark.parametrize(("field", "value"), [
    ("version", True), ("version", 1.0), ("confidence", True), ("confidence", 7.0), ("value", True),
])
def test_a_value_equal_to_its_neighbours_but_of_another_type_is_not_taken(field, value):
    """True == 1 == 1.0: checked as a set of distinct values, one of them would hide the other."""
    odd = dict(BASE, id="R-20260202-2", **{field: value})
    assert checked_utc_texts([dict(BASE), odd]) is None
    with pytest.raises(ValueError):
        check_reading_doc(odd)
