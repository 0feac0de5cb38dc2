"""The engine at scale gives the same answers: on large randomised snapshots the scorecard and the
findings match the results the straightforward engine gave (captured in `engine_reference.json`),
a snapshot trimmed the way the store trims it (`cxtui.store.series.trim`) gives the same
scorecard, findings and due list as the full snapshot, and the one-pass series match their
definition (sort by date, recorded_at, id; the last on each date counts) on random readings.

To refresh the reference after an *intended* change of results:
`python tests/test_engine_scale.py --write` (and say in the commit why the results changed).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from engine_helpers import AT, dismissal, reading, synthetic_snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from cxtui.engine.conflicts import detect, detect_all
from cxtui.models import Reading, Snapshot
from cxtui.engine.standings import Lines, Point, series
from cxtui.engine.scorecard import Scorecard, build_scorecard, due

REFERENCE = Path(__file__).with_name("engine_reference.json")
TODAY = date(2026, 3, 1)
# (seed, readings, days before TODAY): now, mid-history (goals not started yet, objectives
# without company readings yet) and past the synthetic readings' end.
CASES = [(1, 3000, 0), (2, 20000, 0), (3, 20000, 150), (4, 8000, 700), (5, 8000, -40)]


def with_dismissals(s: Snapshot, as_of: date) -> Snapshot:
    """`s` with every fourth finding dismissed, plus a dismissal whose fingerprint is stale."""
    found = detect_all(s, as_of)
    dismissals = [dismissal(f.id, f.fingerprint) for f in found[::4]]
    if found:
        dismissals.append(dismissal(found[1].id, "0" * 16))
    return s.model_copy(update={"dismissals": dismissals})


def _point(p):
    return None if p is None else [p.date.isoformat(), p.value]


def _standing(card) -> dict:
    return {
        "latest": _point(card.latest),
        "previous": _point(card.previous),
        "progress": card.progress,
        "expected": card.expected,
        "status": card.status,
        "stale": card.stale,
        "trend": [_point(p) for p in card.trend],
        "delta": card.delta,
    }


def project(sc: Scorecard) -> dict:
    """What the scorecard says, by ids (not whole records, so an unrelated model field added
    elsewhere does not change it). Findings are kept whole: their fingerprints are what stored
    dismissals match, so they must not change either."""
    return {
        "goals": [
            {
                "id": c.goal.id,
                "metric": c.metric.id,
                "department": c.department.id,
                "active": c.active,
                "objectives": c.objectives,
                "findings": c.findings,
                **_standing(c),
            }
            for c in sc.goals
        ],
        "objectives": [
            {"id": c.objective.id, "source": c.source, "goals": [g.goal.id for g in c.goals], **_standing(c)}
            for c in sc.objectives
        ],
        "departments": [
            {
                "id": c.department.id,
                "goals": [g.goal.id for g in c.goals],
                "alignment": c.alignment.model_dump(),
                "findings": [f.id for f in c.findings],
                "flags": [f.id for f in c.flags],
            }
            for c in sc.departments
        ],
        "company_index": sc.company_index,
        "findings": [f.model_dump(mode="json") for f in sc.findings],
    }


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def summary(s: Snapshot, as_of: date) -> dict:
    """A reference entry: a digest per part, and counts that say roughly what went wrong."""
    sc = build_scorecard(s, as_of)
    projected = project(sc)
    every = detect_all(s, as_of)
    return {
        "digests": {k: _digest(v) for k, v in projected.items()}
        | {"detect_all": _digest([f.model_dump(mode="json") for f in every])},
        "statuses": dict(sorted(Counter(c.status for c in sc.goals).items())),
        "objective_statuses": [c.status for c in sc.objectives],
        "rules": dict(sorted(Counter(f.rule for f in sc.findings).items())),
        "dismissed": sum(f.dismissed for f in every),
        "company_index": sc.company_index,
    }


def case_snapshot(seed: int, n: int, back: int) -> tuple[Snapshot, date]:
    as_of = TODAY - timedelta(days=back)
    return with_dismissals(synthetic_snapshot(n, TODAY, seed=seed), as_of), as_of


def _key(seed: int, n: int, back: int) -> str:
    return f"seed={seed} readings={n} as_of=today-{back}d"


@pytest.mark.parametrize(("seed", "n", "back"), CASES)
def test_results_match_the_reference(seed, n, back):
    expected = json.loads(REFERENCE.read_text())[_key(seed, n, back)]
    assert summary(*case_snapshot(seed, n, back)) == expected


# --- full snapshot and its trimmed version ---------------------------------------------------------


def trimmed(s: Snapshot, as_of: date) -> Snapshot:
    """`s` with, per series, only what `series.trim` keeps at `as_of`: the store's definition of
    what a scorecard reads. Anchors are those of every objective paced from its start without a
    baseline, all of them for each series of their metric."""
    series = pytest.importorskip("cxtui.store.series")
    anchors: dict[str, list[str]] = {}
    for o in s.objectives:
        if o.start is not None and o.baseline is None:
            anchors.setdefault(o.metric, []).append(o.start.isoformat())
    groups: dict[tuple, list[dict]] = {}
    for r in s.readings:
        groups.setdefault((r.metric, r.department), []).append(r.model_dump(mode="json"))
    kept: dict[str, dict] = {}
    for (metric, _), docs in groups.items():
        kept.update({d["id"]: d for d in series.trim(docs, as_of, anchors.get(metric, []))})
    readings = [Reading.model_validate(d) for d in kept.values()]
    assert len(readings) < len(s.readings)
    return s.model_copy(update={"readings": readings})


@pytest.mark.parametrize(("seed", "n", "back"), [(7, 20000, 0), (8, 20000, 200), (9, 4000, 30)])
def test_trimmed_snapshot_gives_the_same_results(seed, n, back):
    full, as_of = case_snapshot(seed, n, back)
    trim = trimmed(full, as_of)
    assert project(build_scorecard(trim, as_of)) == project(build_scorecard(full, as_of))
    assert detect_all(trim, as_of) == detect_all(full, as_of)
    assert detect(trim, as_of) == detect(full, as_of)
    assert due(trim, as_of) == due(full, as_of)
    for department in ("dept-01", "dept-17"):
        assert due(trim, as_of, department) == due(full, as_of, department)


def test_reading_order_does_not_matter():
    s, as_of = case_snapshot(10, 5000, 0)
    ordered = s.model_copy(update={"readings": sorted(s.readings, key=lambda r: (r.date, r.recorded_at))})
    backwards = s.model_copy(update={"readings": s.readings[::-1]})
    expected = project(build_scorecard(s, as_of))
    assert project(build_scorecard(ordered, as_of)) == expected
    assert project(build_scorecard(backwards, as_of)) == expected


def test_the_scorecard_holds_the_findings_detect_gives():
    s, as_of = case_snapshot(11, 5000, 0)
    assert build_scorecard(s, as_of).findings == detect(s, as_of)


# --- the series against the straightforward definition ---------------------------------------------


def reference_series(readings: list[Reading], as_of: date) -> list[Point]:
    """The definition: sort by (date, recorded_at, id), the last on each date wins."""
    by_date: dict[date, Reading] = {}
    for r in sorted(readings, key=lambda r: (r.date, r.recorded_at, r.id)):
        if r.date <= as_of:
            by_date[r.date] = r
    return [Point(date=d, value=r.value) for d, r in sorted(by_date.items())]


def reference_objective_series(readings: list[Reading], metric: str, as_of: date):
    company = reference_series([r for r in readings if r.metric == metric and r.department is None], as_of)
    if company:
        return company, "company"
    values: dict[date, list[float]] = {}
    for department in {r.department for r in readings if r.metric == metric and r.department is not None}:
        own = [r for r in readings if r.metric == metric and r.department == department]
        for point in reference_series(own, as_of):
            values.setdefault(point.date, []).append(point.value)
    if not values:
        return [], "none"
    return [Point(date=d, value=sum(sorted(v)) / len(v)) for d, v in sorted(values.items())], "departments"


DAY0 = date(2026, 1, 1)
readings_strategy = st.lists(
    st.builds(
        lambda metric, department, day, value, hour, rid: reading(
            metric,
            DAY0 + timedelta(days=day),
            value,
            department,
            id=f"R-{rid}",
            recorded_at=AT + timedelta(hours=hour),
        ),
        st.sampled_from(["m", "n"]),
        st.sampled_from([None, "sales", "finance"]),
        st.integers(0, 20),
        st.sampled_from([1.0, 2.5, 3.0, 7.25, 0.1, 0.2]),
        st.integers(0, 2),  # few distinct times and ids: corrections and full ties happen
        st.integers(0, 3),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(readings_strategy, st.integers(-1, 22))
def test_series_match_the_definition(readings, day):
    as_of = DAY0 + timedelta(days=day)
    lines = Lines(readings, as_of)
    for metric in ("m", "n"):
        for department in (None, "sales", "finance"):
            own = [r for r in readings if r.metric == metric and r.department == department]
            assert series(own, as_of) == reference_series(own, as_of)
            assert lines.line(metric, department).points() == reference_series(own, as_of)
        line, source = lines.objective_line(metric)
        assert (line.points(), source) == reference_objective_series(readings, metric, as_of)


def test_the_synthetic_snapshot_holds_the_awkward_cases():
    s, as_of = case_snapshot(1, 3000, 0)
    per_date = Counter((r.metric, r.department, r.date) for r in s.readings)
    assert max(per_date.values()) > 1
    assert any(o.baseline is None and o.start is not None for o in s.objectives)
    assert {c.source for c in build_scorecard(s, as_of).objectives} >= {"company", "departments"}
    assert any(g.start > as_of for g in s.goals)
    assert s.dismissals


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    REFERENCE.write_text(
        json.dumps({_key(*c): summary(*case_snapshot(*c)) for c in CASES}, indent=1, sort_keys=True) + "\n"
    )
    print(f"wrote {REFERENCE}")
