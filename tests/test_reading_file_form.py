"""How a reading is kept in its file: without what the reader can put back (its id, defaults, a
last writer who is its recorder), and read back whole. Stores written in the earlier form (every
field, audit digests of 64 hex digits) still read, check, replay and undo."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxtui.models import Department, Metric, Reading, Scale
from cxtui.store import NEW_ID, Store
from cxtui.store.documents import READINGS, compact_reading, digest, dumps, expand_readings, parse

FULL = {"version": 1, "updated_by": "kim", "updated_at": "2026-03-01T09:00:00Z", "id": "R-20260301-1",
        "metric": "nps", "department": "sales", "date": "2026-03-01", "value": 7.5, "confidence": None,
        "note": "", "recorded_by": "kim", "recorded_at": "2026-03-01T09:00:00Z"}


@pytest.mark.parametrize(("change", "kept"), [
    ({}, {"metric", "department", "date", "value", "recorded_by", "recorded_at"}),
    ({"confidence": 7, "note": "wave 2"},
     {"metric", "department", "date", "value", "recorded_by", "recorded_at", "confidence", "note"}),
    ({"version": 3, "updated_by": "ada", "updated_at": "2026-04-01T10:00:00Z"},
     {"metric", "department", "date", "value", "recorded_by", "recorded_at", "version", "updated_by", "updated_at"}),
    ({"updated_by": None, "updated_at": None},
     {"metric", "department", "date", "value", "recorded_by", "recorded_at", "updated_by", "updated_at"}),
    ({"id": "R-other"}, {"metric", "department", "date", "value", "recorded_by", "recorded_at", "id"}),
    ({"version": True, "note": None, "confidence": 0},
     {"metric", "department", "date", "value", "recorded_by", "recorded_at", "version", "note", "confidence"}),
], ids=["defaults", "given", "edited", "no-writer", "id-differs", "look-alikes"])
def test_the_file_form_leaves_out_only_what_reading_it_back_restores(change, kept) -> None:
    doc = {**FULL, **change}
    compact = compact_reading("R-20260301-1", doc)
    assert set(compact) == kept
    assert expand_readings({"R-20260301-1": compact})["R-20260301-1"] == doc


_text = st.one_of(st.none(), st.text(max_size=5), st.integers(-2, 12), st.booleans())


@settings(max_examples=300, derandomize=True)
@given(st.fixed_dictionaries({}, optional={k: _text for k in FULL}), st.sampled_from(["R-1", "R-20260301-1"]))
def test_any_document_reads_back_as_it_was_written(doc, doc_id) -> None:
    """Whatever a document holds (hand-made, partial, odd types), its file form reads back to it
    when it had every field the reader fills in; a document lacking some reads back with them."""
    back = expand_readings(orjson.loads(dumps({READINGS: {doc_id: doc}}))[READINGS])[doc_id]
    assert {k: v for k, v in back.items() if k in doc} == doc
    whole = {"id": doc_id, "version": 1, "confidence": None, "note": "",
             "updated_by": doc.get("recorded_by"), "updated_at": doc.get("recorded_at"), **doc}
    assert back == whole


@pytest.fixture
def small(store: Store) -> Store:
    store.add_many([Department(id="sales", name="Sales", leads=["kim"]),
                    Metric(id="nps", name="NPS", scale=Scale(min=-100, max=100))])
    store.add_many([Reading(id=NEW_ID, metric="nps", department="sales", date=date(2026, 3, day), value=day,
                            note="n" if day % 2 else "", recorded_by="tester",
                            recorded_at=datetime(2026, 3, day, 9, tzinfo=UTC)) for day in range(1, 21)])
    return store


def test_a_readings_file_holds_the_short_form_and_the_store_reads_it_whole(small: Store) -> None:
    path = next(iter(small.layout.partitions().values()))
    raw = orjson.loads(path.read_bytes())[READINGS]
    assert raw and all("id" not in d and "version" not in d and "confidence" not in d for d in raw.values())
    assert {r.id for r in small.readings()} == set(raw)
    assert all(r.version == 1 and r.updated_by == "tester" for r in small.readings())


def _as_written_before(store: Store) -> None:
    """The store as cxtui wrote it before the short form: whole documents, 64-digit digests."""
    for path in store.layout.partitions().values():
        data = parse(path, path.read_bytes(), required=(READINGS,))
        path.write_bytes(orjson.dumps(data))
    full = {}
    for path in store.layout.partitions().values():
        for doc_id, doc in orjson.loads(path.read_bytes())[READINGS].items():
            full[doc_id] = hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()
    lines = []
    for line in store.layout.audit.read_bytes().splitlines():
        entry = orjson.loads(line)
        if entry.get("digest"):
            assert full[entry["entity_id"]].startswith(entry["digest"])
            entry["digest"] = full[entry["entity_id"]]
        lines.append(orjson.dumps(entry))
    store.layout.audit.write_bytes(b"\n".join(lines) + b"\n")


def test_a_store_written_in_the_earlier_form_reads_checks_replays_and_undoes(small: Store) -> None:
    before = small.readings()
    _as_written_before(small)
    assert all(len(orjson.loads(line).get("digest") or "x" * 64) == 64
               for line in small.layout.audit.read_bytes().splitlines())
    again = Store(small.path, user="tester")
    assert again.readings() == before
    assert again.doctor() == []
    assert again.replay_audit() == []
    # A reading from the earlier form changes and undoes like any other.
    first = before[0]
    again.update(first.model_copy(update={"value": 50}))
    again.revert()
    stamps = {"version", "updated_by", "updated_at"}
    assert [r.model_dump(exclude=stamps) for r in Store(small.path).readings()] == \
        [r.model_dump(exclude=stamps) for r in before]
    assert Store(small.path).doctor() == []


def test_an_edit_outside_cxtui_is_still_seen_through_either_digest(small: Store) -> None:
    _as_written_before(small)
    path = next(iter(small.layout.partitions().values()))
    data = orjson.loads(path.read_bytes())
    next(iter(data[READINGS].values()))["value"] = 99
    path.write_bytes(orjson.dumps(data))
    messages = [p.message for p in Store(small.path).doctor()]
    assert any("differs from its last audited state" in m for m in messages)


def test_a_digest_is_the_start_of_the_documents_sha256() -> None:
    whole = hashlib.sha256(orjson.dumps(FULL, option=orjson.OPT_SORT_KEYS)).hexdigest()
    assert digest(FULL) == whole[:20]
    assert digest(dict(reversed(list(FULL.items())))) == digest(FULL)


def test_the_series_index_keeps_its_copies_in_the_short_form_too(small: Store) -> None:
    from cxtui.store.documents import SERIES

    path = small.layout.series("nps")
    raw = orjson.loads(path.read_bytes())[SERIES]["sales"]
    assert raw["recent"] and all("version" not in d and "confidence" not in d and "id" in d for d in raw["recent"])
    whole = parse(path, path.read_bytes(), required=(SERIES,))[SERIES]["sales"]
    by_id = {r.id: r.model_dump(mode="json") for r in small.readings()}
    assert all(d == by_id[d["id"]] for d in (*whole["first"], *whole["recent"]))
    assert Store(small.path).doctor() == []
