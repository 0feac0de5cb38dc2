"""One record at the edges (dates near date.min/date.max, numbers near ±1.7e308 or 5e-324, huge id
numbers) must not break the scorecard, the conflicts, the exports or the JSON output for everyone.

New input is bounded (tests/test_input_quirks.py); these records are what a store written before
the bounds may hold, so they are built as the store reads them back (the STORED context).
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxtui.engine.conflicts import detect_all
from cxtui.exchange.exporting import scorecard_rows
from cxtui.models import (
    FIRST_DAY,
    LAST_DAY,
    MAX_MAGNITUDE,
    STORED,
    Department,
    Goal,
    Metric,
    Objective,
    Reading,
    Snapshot,
    utcnow,
)
from cxtui.engine.standings import is_active
from cxtui.engine.scorecard import build_scorecard, due, engine_problems
from cxtui.store import NEW_ID, Store

HUGE = 1.7e308
TINY = 5e-324
TODAY = date.today()


def stored(cls, **fields):
    """A record as the store reads it back: without the bounds on new input."""
    return cls.model_validate(fields, context=STORED)


def old_goal(id: str = "G-90", **kw) -> Goal:
    fields = dict(id=id, department="sales", title=f"Goal {id}", metric="revenue", kind="increase",
                  baseline=0, target=100, start="2026-01-01", deadline="2026-12-31")
    return stored(Goal, **{**fields, **kw})


def old_reading(day: str, value: float, department: str | None = "sales", metric: str = "revenue") -> Reading:
    return stored(Reading, id=NEW_ID, metric=metric, department=department, date=day, value=value,
                  recorded_by="kim", recorded_at=utcnow())


def old_objective(**kw) -> Objective:
    return stored(Objective, **{"id": "O-90", "title": "Old objective", "metric": "revenue", "target": 100,
                                "deadline": "2026-12-31", **kw})


# name -> (records added to the seeded store, the record ids engine_problems names)
CASES = {
    "deadline 9999-12-31": ([old_goal(deadline="9999-12-31")], ["goal G-90"]),
    "start 0001-01-01, deadline 9999-12-31": (
        [old_goal(start="0001-01-01", deadline="9999-12-31"), old_reading("0001-01-01", 5),
         old_reading("9999-12-31", 7)],
        ["goal G-90", "reading"],
    ),
    "objective 0001-01-01..9999-12-31": (
        [old_objective(start="0001-01-01", deadline="9999-12-31"), old_goal(objectives=["O-90"]),
         old_reading("2026-02-01", 3)],
        ["objective O-90"],
    ),
    "baseline -1.7e308, target 1.7e308": (
        [old_goal(baseline=-HUGE, target=HUGE), old_reading("2026-02-01", HUGE), old_reading("2026-02-08", -HUGE),
         old_reading("2026-02-15", 0)],
        ["goal G-90", "reading"],
    ),
    "reach 1.7e308 down to -1.7e308": (
        [old_goal(kind="reach", baseline=HUGE, target=-HUGE), old_reading("2026-02-01", HUGE),
         old_reading("2026-02-08", -HUGE)],
        ["goal G-90"],
    ),
    "target 5e-324 above baseline 0": (
        [old_goal(baseline=0, target=TINY), old_reading("2026-02-01", TINY), old_reading("2026-02-08", -1)],
        [],  # tiny but valid
    ),
    "guard with baseline == target at 1.7e308": (
        [old_goal(kind="stay_above", baseline=HUGE, target=HUGE), old_reading("2026-02-01", -HUGE)],
        ["goal G-90"],
    ),
    "objective mean of department readings at 1.7e308": (
        [old_objective(), old_goal(objectives=["O-90"]), old_reading("2026-02-01", HUGE, "sales"),
         old_reading("2026-02-01", HUGE, "finance"), old_reading("2026-02-08", HUGE, "sales"),
         old_reading("2026-02-08", -HUGE, "finance")],
        ["reading"],
    ),
    "id number past 64 bits": ([old_goal(id="G-18446744073709551615")], ["goal G-18446744073709551615"]),
    "longest id": ([old_goal(id="G-" + "9" * 78)], ["goal G-" + "9" * 78]),
    "scale at the edges of float": (
        [stored(Metric, id="wide", name="Wide", scale={"min": -HUGE, "max": HUGE}),
         old_goal(metric="wide", baseline=-HUGE, target=HUGE), old_reading("2026-02-01", HUGE, metric="wide")],
        ["metric wide", "goal G-90", "reading"],
    ),
}


@pytest.fixture
def extreme(seeded, request) -> Store:
    """The seeded store, a metric without a scale, and the case's records, as an old store holds them."""
    records, _ = CASES[request.param]
    seeded.add(Metric(id="revenue", name="Revenue", unit="EUR", customer_centric=True))
    seeded.add_many(records)
    return seeded


@pytest.mark.parametrize("extreme", list(CASES), indirect=True)
@pytest.mark.parametrize("as_of", [None, "2026-03-01", "2199-12-31", "1900-01-01"])
def test_every_command_still_works_for_everyone(extreme, cli, as_of):
    dated = ["--as-of", as_of] if as_of else []
    for args in (["scorecard"], ["scorecard", "--format", "json"], ["scorecard", "--format", "csv"],
                 ["conflicts"], ["conflicts", "--format", "json"], ["conflicts", "--format", "csv"],
                 ["export", "scorecard"], ["export", "conflicts"]):
        result = cli(*args, *dated)
        assert result.exit_code == 0, (args, result.output)
        if "json" in args:
            json.loads(result.stdout)
    for what in ("goals", "objectives", "readings", "metrics"):
        result = cli("export", what)
        assert result.exit_code == 0, (what, result.output)
        list(csv.reader(io.StringIO(result.stdout)))
    assert cli("record", "nps", "20", "--dept", "sales").exit_code == 0


@pytest.mark.parametrize("extreme", list(CASES), indirect=True)
def test_engine_problems_names_the_records_a_bound_refuses(extreme, request):
    _, named = CASES[request.node.callspec.params["extreme"]]
    problems = engine_problems(extreme.snapshot(), date(2026, 3, 1))
    for name in named:
        assert any(p.startswith(name + " ") or p.startswith(name + ":") for p in problems), (name, problems)
    assert not any("scorecard fails" in p for p in problems), problems


def test_engine_problems_is_empty_for_a_sound_store(seeded):
    assert engine_problems(seeded.snapshot()) == []


def test_engine_problems_names_a_record_the_scorecard_fails_on(seeded, monkeypatch):
    import cxtui.engine.standings

    real = cxtui.engine.standings.goal_standing_on

    def fails_on_g2(goal, *args):
        if goal.id == "G-2":
            raise OverflowError("date value out of range")
        return real(goal, *args)

    monkeypatch.setattr(cxtui.engine.standings, "goal_standing_on", fails_on_g2)
    assert engine_problems(seeded.snapshot()) == [
        "goal G-2: the scorecard fails on it (OverflowError: date value out of range)"
    ]


@pytest.mark.parametrize("held", ["G-18446744073709551615", "G-1000000001", "G-999999999999999999999999"])
def test_a_huge_id_number_does_not_stop_new_goals(seeded, held):
    seeded.add(old_goal(id=held, metric="nps", baseline=10, target=20))
    # Another store handle, as another user's process would have.
    other = Store(seeded.path, user="tester")
    new = [other.add(Goal(id=NEW_ID, department="sales", title=f"New {n}", metric="nps", kind="increase",
                          baseline=1, target=2, start="2026-01-01", deadline="2026-12-31")) for n in range(2)]
    assert [g.id for g in new] == ["G-3", "G-4"]  # after the seeded G-1, G-2: the huge number is skipped


def test_a_counter_already_past_the_bound_is_rebuilt_from_the_ids(seeded):
    import orjson

    data = orjson.loads(seeded.path.read_bytes())
    data["_meta"]["1"]["seq"]["G"] = 2**64 - 1  # what an explicit G-18446744073709551615 left behind
    seeded.path.write_bytes(orjson.dumps(data))
    goal = seeded.add(Goal(id=NEW_ID, department="sales", title="After", metric="nps", kind="increase",
                           baseline=1, target=2, start="2026-01-01", deadline="2026-12-31"))
    assert goal.id == "G-3"


@pytest.mark.parametrize("counters", [[], "G", None, 7])
def test_counters_that_are_not_a_table_are_rebuilt_from_the_ids(seeded, counters):
    import orjson

    data = orjson.loads(seeded.path.read_bytes())
    data["_meta"]["1"]["seq"] = counters  # a hand edit; before, every new record failed on it
    seeded.path.write_bytes(orjson.dumps(data))
    goal = Store(seeded.path, user="tester").add(Goal(
        id=NEW_ID, department="sales", title="After", metric="nps", kind="increase", baseline=1, target=2,
        start="2026-01-01", deadline="2026-12-31"))
    assert goal.id == "G-3"
    assert orjson.loads(seeded.path.read_bytes())["_meta"]["1"]["seq"] == {"G": 3}


def test_objective_mean_of_huge_department_readings_stays_finite():
    records, _ = CASES["objective mean of department readings at 1.7e308"]
    snapshot = Snapshot.model_construct(
        departments=[], metrics=[Metric(id="revenue", name="Revenue")], goals=[], incentives=[], tensions=[],
        flags=[], dismissals=[], objectives=[r for r in records if isinstance(r, Objective)],
        readings=[r for r in records if isinstance(r, Reading)],
    )
    card = build_scorecard(snapshot, as_of=date(2026, 3, 1)).objectives[0]
    assert [p.value for p in card.trend] == [HUGE, 0.0]
    assert card.source == "departments"


def test_sparkline_of_values_at_the_edges_of_float():
    from cxtui.tui.format import spark_text

    assert spark_text([HUGE, -HUGE, 0.0, TINY], 4) == "█▁▅▅"
    assert spark_text([1.0, 2.0, 3.0], 3) == "▁▅█"


def test_goal_near_date_max_is_active_without_overflow():
    goal = old_goal(start="0001-01-01", deadline="9999-12-31")
    assert is_active(goal, date.max)
    assert is_active(goal, date.min)
    assert not is_active(old_goal(deadline="2026-12-31"), date.max)


# --- property: any valid model round-trips through the store; the scorecard never raises --------

_days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
_values = st.one_of(
    st.floats(min_value=-MAX_MAGNITUDE, max_value=MAX_MAGNITUDE, allow_nan=False),
    st.sampled_from([0.0, MAX_MAGNITUDE, -MAX_MAGNITUDE, TINY, -TINY, 2.2250738585072014e-308]),
)


@st.composite
def _goals(draw, stored_values: bool = False):
    values = st.floats(allow_nan=False, allow_infinity=False) if stored_values else _values
    days = st.dates() if stored_values else _days
    kind = draw(st.sampled_from(["increase", "decrease", "reach", "stay_above", "stay_below"]))
    a, b = draw(values), draw(values)
    low, high = min(a, b), max(a, b)
    if low == high and kind in ("increase", "decrease", "reach"):
        kind = "stay_above"
    baseline, target = {
        "increase": (low, high), "decrease": (high, low), "reach": (a, b) if a != b else (low, high),
        "stay_above": (high, low), "stay_below": (low, high),
    }[kind]
    start, deadline = sorted(draw(st.lists(days, min_size=2, max_size=2, unique=True)))
    fields = dict(id=draw(st.sampled_from(["G-1", "G-1000000000", "G-x" + "7" * 77])), department="sales", title="Goal",
                  metric="revenue", kind=kind, baseline=baseline, target=target, start=start, deadline=deadline,
                  objectives=draw(st.sampled_from([[], ["O-1"]])),
                  tolerance=draw(st.floats(min_value=0, max_value=1)))
    return stored(Goal, **fields) if stored_values else Goal(**fields)


@st.composite
def _snapshots(draw, stored_values: bool):
    values = st.floats(allow_nan=False, allow_infinity=False) if stored_values else _values
    days = st.dates() if stored_values else _days
    make = (lambda cls, **f: stored(cls, **f)) if stored_values else (lambda cls, **f: cls(**f))
    goals = {g.id: g for g in draw(st.lists(_goals(stored_values), max_size=3))}
    objective_days = sorted(draw(st.lists(days, min_size=2, max_size=2, unique=True)))
    objective = make(Objective, id="O-1", title="Shared", metric="revenue", target=draw(values),
                     baseline=draw(st.one_of(st.none(), values)), deadline=objective_days[1],
                     start=draw(st.sampled_from([None, objective_days[0]])))
    readings = [
        make(Reading, id=f"R-{i}", metric="revenue", department=draw(st.sampled_from([None, "sales", "finance"])),
             date=draw(days), value=draw(values), recorded_by="kim", recorded_at=utcnow())
        for i in range(draw(st.integers(0, 6)))
    ]
    return Snapshot.model_construct(
        departments=[Department(id="sales", name="Sales"), Department(id="finance", name="Finance")],
        metrics=[Metric(id="revenue", name="Revenue", direction=draw(st.sampled_from(["up", "down"])))],
        objectives=[objective], goals=list(goals.values()), readings=readings,
        incentives=[], tensions=[], flags=[], dismissals=[],
    )


def _run_engine(snapshot: Snapshot, as_of: date) -> None:
    card = build_scorecard(snapshot, as_of=as_of)
    json.loads(card.model_dump_json())
    detect_all(snapshot, as_of)
    due(snapshot, as_of)
    for standing in [*card.goals, *card.objectives]:
        assert standing.progress is None or 0 <= standing.progress <= 1
        assert all(math.isfinite(p.value) for p in standing.trend)  # a mean of huge values too


@settings(max_examples=300, derandomize=True)
@given(snapshot=_snapshots(stored_values=True), as_of=st.dates())
def test_engine_never_raises_on_anything_a_store_may_hold(snapshot, as_of):
    _run_engine(snapshot, as_of)


@settings(max_examples=40, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(snapshot=_snapshots(stored_values=False), as_of=_days)
def test_valid_models_round_trip_through_the_store_and_score(tmp_path_factory, snapshot, as_of):
    store = Store.init(tmp_path_factory.mktemp("s") / "store.json", user="tester")
    store.add_many([*snapshot.departments, *snapshot.metrics, *snapshot.objectives, *snapshot.goals])
    added = store.add_many([r.model_copy(update={"id": NEW_ID}) for r in snapshot.readings])
    back = store.snapshot()
    bookkeeping = {"version", "updated_by", "updated_at"}
    assert {g.id: g.model_dump(exclude=bookkeeping) for g in back.goals} == {
        g.id: g.model_dump(exclude=bookkeeping) for g in snapshot.goals}
    assert [o.model_dump(exclude=bookkeeping) for o in back.objectives] == [
        o.model_dump(exclude=bookkeeping) for o in snapshot.objectives]
    assert sorted(r.id for r in back.readings) == sorted(r.id for r in added)
    assert sorted((r.date, r.value, r.department) for r in back.readings) == sorted(
        (r.date, r.value, r.department) for r in snapshot.readings)
    _run_engine(back, as_of)
    rows = scorecard_rows(store, dept=None, as_of=as_of)
    assert len(rows) == len(snapshot.goals)
    assert engine_problems(back, as_of) == []


def test_property_strategies_reach_the_edges():
    """The window's ends themselves are valid new dates and the bound itself a valid value."""
    goal = Goal(id="G-1", department="sales", title="Edge", metric="revenue", kind="increase",
                baseline=-MAX_MAGNITUDE, target=MAX_MAGNITUDE, start=FIRST_DAY, deadline=LAST_DAY)
    assert goal.deadline - goal.start > timedelta(days=100_000)
