"""The series index: a scorecard from `snapshot(as_of)` equals one from every reading."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxtui.engine.conflicts import detect
from cxtui.models import Department, Goal, Metric, Objective, Reading
from cxtui.engine.scorecard import build_scorecard
from cxtui.store import NEW_ID, Store
from cxtui.store import series as series_index

START = date(2025, 1, 6)


def _company(tmp_path, seed: int, readings: int) -> tuple[Store, random.Random]:
    rng = random.Random(seed)
    store = Store.init(tmp_path / "store.json", user="admin")
    depts = [Department(id=f"d{i}", name=f"Dept {i}") for i in range(3)]
    metrics = [Metric(id=f"m{i}", name=f"Metric {i}", direction=rng.choice(["up", "down"]),
                      cadence=rng.choice(["weekly", "monthly"]), customer_centric=i < 2) for i in range(4)]
    store.add_many([*depts, *metrics])
    objectives = store.add_many([
        Objective(id=NEW_ID, title="with baseline", metric="m0", target=90, deadline="2026-12-31",
                  start="2025-03-03", baseline=10),
        Objective(id=NEW_ID, title="paced from its first reading", metric="m1", target=90, deadline="2026-12-31"),
        Objective(id=NEW_ID, title="start, no baseline", metric="m2", target=90, deadline="2026-12-31",
                  start="2025-06-02"),
        # A second objective on the same metric paced from a later start: both anchors must be kept.
        Objective(id=NEW_ID, title="later start, no baseline", metric="m2", target=95, deadline="2026-12-31",
                  start="2025-11-03"),
    ])
    goals = []
    for n in range(8):
        kind = rng.choice(["increase", "decrease", "reach", "stay_above", "stay_below"])
        baseline, target = {"increase": (20, 80), "decrease": (80, 20), "reach": (30, 60),
                            "stay_above": (60, 40), "stay_below": (40, 60)}[kind]
        goals.append(Goal(id=NEW_ID, department=f"d{n % 3}", title=f"goal {n}", metric=f"m{n % 4}", kind=kind,
                          baseline=baseline, target=target, start=START + timedelta(days=7 * rng.randrange(20)),
                          deadline="2026-06-30", objectives=[objectives[n % 3].id] if n % 4 else []))
    store.add_many(goals)
    batch = []
    for _ in range(readings):
        day = START + timedelta(days=rng.randrange(0, 600))
        batch.append(Reading(id=NEW_ID, metric=f"m{rng.randrange(4)}",
                             department=rng.choice([None, "d0", "d1", "d2"]), date=day,
                             value=round(rng.uniform(0, 100), 1), recorded_by="admin",
                             recorded_at="2025-01-01T00:00:00Z"))
    store.add_many(batch)
    return store, rng


def _same_scorecard(store: Store, as_of: date) -> None:
    full = store.snapshot()
    trimmed = store.snapshot(as_of)
    assert len(trimmed.readings) <= len(full.readings)
    assert build_scorecard(trimmed, as_of) == build_scorecard(full, as_of)
    assert detect(trimmed, as_of) == detect(full, as_of)


@pytest.mark.parametrize("seed", range(4))
def test_the_trimmed_snapshot_gives_the_same_scorecard(tmp_path, seed):
    store, rng = _company(tmp_path, seed, readings=600)
    for offset in (-30, 0, 100, 300, 599, 700):
        _same_scorecard(store, START + timedelta(days=offset))


def test_the_index_follows_updates_and_deletes(tmp_path):
    store, rng = _company(tmp_path, 7, readings=400)
    readings = store.readings()
    for reading in rng.sample(readings, 60):
        if rng.random() < 0.5:
            store.delete(Reading, reading.id)
        else:
            store.update(reading.model_copy(update={
                "date": reading.date + timedelta(days=rng.randrange(-90, 90)), "value": rng.uniform(0, 100)}))
    for offset in (100, 400, 599):
        _same_scorecard(store, START + timedelta(days=offset))
    assert store.doctor() == []


def test_a_store_without_an_index_gets_one(tmp_path):
    import orjson
    import shutil

    store, _ = _company(tmp_path, 3, readings=200)
    expected = build_scorecard(store.snapshot(), date(2026, 1, 5))
    shutil.rmtree(store.layout.series_dir)
    data = orjson.loads(store.path.read_bytes())
    del data["_meta"]["1"]["series_index"]
    store.path.write_bytes(orjson.dumps(data))
    fresh = Store(store.path)
    assert build_scorecard(fresh.snapshot(date(2026, 1, 5)), date(2026, 1, 5)) == expected
    assert len(fresh.layout.series_files()) == 4


def _doc(n: int, day: date, value: float = 1.0) -> dict:
    return {"id": f"R-{n}", "metric": "m", "department": "d", "date": day.isoformat(), "value": value,
            "recorded_at": f"2025-01-01T00:00:{n % 60:02d}Z"}


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(st.tuples(st.booleans(), st.integers(0, 60)), min_size=1, max_size=120),
       as_of_day=st.integers(0, 70))
def test_an_entry_kept_by_add_and_remove_trims_like_the_full_series(ops, as_of_day):
    """Whatever order readings come and go in, an entry that says it serves a date trims exactly
    like the whole series would."""
    entry = series_index.empty_entry()
    live: dict[str, dict] = {}
    for n, (is_add, day) in enumerate(ops):
        if is_add or not live:
            doc = _doc(n, START + timedelta(days=day))
            live[doc["id"]] = doc
            series_index.add(entry, doc)
        else:
            doc = live.pop(sorted(live)[day % len(live)])
            if not series_index.remove(entry, doc):
                entry = series_index.entry_from(list(live.values()))
    assert entry["count"] == len(live)
    as_of = START + timedelta(days=as_of_day)
    if series_index.serves(entry, as_of):
        held = [*entry["first"], *entry["recent"]]
        assert series_index.trim(held, as_of) == series_index.trim(list(live.values()), as_of)



@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 60)), min_size=1, max_size=150))
def test_an_entry_added_to_with_remembered_windows_is_the_entry_added_to_without(ops):
    """Windows only saves reading the dates again: adds and removes across several series, with
    and without it, leave the same entries, and each remembered window is the entry's dates."""
    windows = series_index.Windows()
    with_windows = [series_index.empty_entry() for _ in range(3)]
    without = [series_index.empty_entry() for _ in range(3)]
    live: list[dict[str, dict]] = [{}, {}, {}]
    for n, (op, day) in enumerate(ops):
        which = n % 3
        if op < 8 or not live[which]:
            doc = _doc(n, START + timedelta(days=day))
            live[which][doc["id"]] = doc
            series_index.add(with_windows[which], doc, windows)
            series_index.add(without[which], doc)
        else:
            doc = live[which].pop(sorted(live[which])[day % len(live[which])])
            for entries in (with_windows, without):
                if not series_index.remove(entries[which], doc):
                    entries[which] = series_index.entry_from(list(live[which].values()))
        assert with_windows == without
        assert windows.dates(with_windows[which]) == sorted({d["date"] for d in with_windows[which]["recent"]})


def test_a_window_changed_in_place_is_read_again():
    entry = series_index.entry_from([_doc(1, START), _doc(2, START + timedelta(days=1))])
    windows = series_index.Windows()
    assert windows.dates(entry) == [START.isoformat(), (START + timedelta(days=1)).isoformat()]
    entry["recent"].append(_doc(3, START + timedelta(days=5)))
    assert windows.dates(entry)[-1] == (START + timedelta(days=5)).isoformat()
    entry["recent"] = entry["recent"][:1]
    assert windows.dates(entry) == [START.isoformat()]

def test_reading_rows_equal_the_rows_of_the_readings(tmp_path):
    """The export's fast path gives the same values, in the same order, as the models do."""
    from cxtui.exchange import csv_files
    from cxtui.exchange.table_columns import TABLES

    store, _ = _company(tmp_path, 11, readings=300)
    store.add(Reading(id=NEW_ID, metric="m0", department="d1", date="2025-03-03", value=5, confidence=4,
                      note="=SUM(A1)\tand a tab", recorded_by="admin", recorded_at="2025-03-03T10:00:00+02:00"))
    table = TABLES["readings"]
    for department, end in (("*", None), ("d1", date(2025, 9, 1)), (None, None)):
        fast = store.reading_rows(table.columns, department=department, end=end)
        slow = [table.row(r) for r in store.readings(department=department, end=end)]
        assert [[csv_files.cell(v) for v in row] for row in fast] == [[csv_files.cell(v) for v in row] for row in slow]
        assert len(fast) == len(slow) > 0


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda doc: doc.pop("department"), id="no-department"),
        pytest.param(lambda doc: doc.update(value="12"), id="text-value"),
        pytest.param(lambda doc: doc.update(note="bell\a"), id="control-in-note"),
        pytest.param(lambda doc: doc.update(date="2025-02-30"), id="no-such-day"),
        pytest.param(lambda doc: doc.update(recorded_at="yesterday"), id="bad-timestamp"),
    ],
)
def test_reading_rows_refuse_a_damaged_document_by_its_id(tmp_path, damage):
    """Exports check every document of the files they read, also those a filter leaves out."""
    import orjson

    from cxtui.exchange.table_columns import TABLES
    from cxtui.store import StoreCorrupt

    store, _ = _company(tmp_path, 5, readings=100)
    path = store.layout.partition(next(iter(store.layout.partitions())))
    data = orjson.loads(path.read_bytes())
    victim_id, victim = next(iter(data["readings"].items()))
    damage(victim)
    path.write_bytes(orjson.dumps(data))
    for department in ("*", "nobody"):
        with pytest.raises(StoreCorrupt, match=victim.get("id", victim_id)):
            Store(store.path, user="admin").reading_rows(TABLES["readings"].columns, department=department)
