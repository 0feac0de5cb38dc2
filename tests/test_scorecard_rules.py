"""The scorecard: goal and objective standing, alignment parts, check-ins due, what changed."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, timedelta

import pytest
from engine_helpers import (
    dept,
    flag,
    goal,
    incentive,
    metric,
    objective,
    reading,
    snapshot,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from cxtui.models import AlignmentWeights
from cxtui.engine.standings import STATUS_RANK, goal_direction, goal_standing
from cxtui.engine.scorecard import build_scorecard, compare, due, period_start

START = date(2026, 1, 1)
DEADLINE = START + timedelta(days=100)
MIDWAY = START + timedelta(days=50)  # expected = 0.5


def card_for(
    kind: str, values: list[tuple[date, float]], as_of: date = MIDWAY, cadence: str = "monthly", **kw
):
    g = goal("G-1", "sales", "m", kind, start=START, deadline=DEADLINE, **kw)
    rs = [reading("m", d, v, department="sales") for d, v in values]
    sc = build_scorecard(snapshot(g, metric("m", cadence=cadence), *rs), as_of)
    return sc.goals[0]


# --- status boundaries per kind -------------------------------------------------------------------

# At MIDWAY expected is 0.5 and tolerance 0.1: on_track from 0.4, at_risk from 0.3.
BOUNDARIES = [
    # kind, kw, value, status, progress
    ("increase", {}, 40.0, "on_track", 0.4),
    ("increase", {}, 39.99, "at_risk", 0.3999),
    ("increase", {}, 30.0, "at_risk", 0.3),
    ("increase", {}, 29.99, "off_track", 0.2999),
    ("increase", {}, 100.0, "achieved", 1.0),
    ("increase", {}, 130.0, "achieved", 1.0),
    ("increase", {}, -20.0, "off_track", 0.0),
    ("decrease", {}, 60.0, "on_track", 0.4),
    ("decrease", {}, 70.0, "at_risk", 0.3),
    ("decrease", {}, 70.01, "off_track", 0.2999),
    ("decrease", {}, 0.0, "achieved", 1.0),
    ("decrease", {}, -5.0, "achieved", 1.0),
    ("reach", {"baseline": 100.0, "target": 50.0}, 80.0, "on_track", 0.4),
    ("reach", {"baseline": 100.0, "target": 50.0}, 85.0, "at_risk", 0.3),
    ("reach", {"baseline": 100.0, "target": 50.0}, 85.01, "off_track", 0.2998),
    ("reach", {"baseline": 100.0, "target": 50.0}, 50.0, "achieved", 1.0),
    ("reach", {"baseline": 100.0, "target": 50.0}, 45.0, "achieved", 1.0),
    ("reach", {"baseline": 0.0, "target": 10.0}, 4.0, "on_track", 0.4),
    ("reach", {"baseline": 0.0, "target": 10.0}, 2.99, "off_track", 0.299),
    ("increase", {"tolerance": 0.2}, 10.0, "at_risk", 0.1),
    ("increase", {"tolerance": 0.0}, 50.0, "on_track", 0.5),
    ("increase", {"tolerance": 0.0}, 49.99, "off_track", 0.4999),
    ("stay_above", {}, 50.0, "on_track", 1.0),
    ("stay_above", {}, 49.99, "off_track", 0.0),
    ("stay_below", {}, 50.0, "on_track", 1.0),
    ("stay_below", {}, 50.01, "off_track", 0.0),
]


@pytest.mark.parametrize("kind,kw,value,status,progress", BOUNDARIES)
def test_status_boundaries(kind, kw, value, status, progress):
    card = card_for(kind, [(MIDWAY, value)], **kw)
    assert card.expected == pytest.approx(0.5)
    assert card.status == status
    assert card.progress == pytest.approx(progress)


DEADLINE_CASES = [
    # kind, value, as_of, status
    ("increase", 90.0, DEADLINE, "on_track"),  # expected 1, progress 0.9 = 1 - tolerance
    ("increase", 89.0, DEADLINE, "at_risk"),
    ("increase", 90.0, DEADLINE + timedelta(days=1), "missed"),
    ("increase", 100.0, DEADLINE + timedelta(days=1), "achieved"),
    ("decrease", 1.0, DEADLINE + timedelta(days=5), "missed"),
    ("stay_above", 50.0, DEADLINE - timedelta(days=1), "on_track"),
    ("stay_above", 50.0, DEADLINE, "achieved"),
    ("stay_above", 49.0, DEADLINE, "off_track"),
    ("stay_above", 49.0, DEADLINE + timedelta(days=1), "missed"),
    ("stay_below", 50.0, DEADLINE + timedelta(days=40), "achieved"),
    ("stay_below", 51.0, DEADLINE + timedelta(days=1), "missed"),
]


@pytest.mark.parametrize("kind,value,as_of,status", DEADLINE_CASES)
def test_deadline(kind, value, as_of, status):
    assert card_for(kind, [(START + timedelta(days=90), value)], as_of=as_of).status == status


def test_expected_is_linear_and_clamped():
    assert card_for("increase", [], as_of=START).expected == 0.0
    assert card_for("increase", [], as_of=START + timedelta(days=25)).expected == pytest.approx(0.25)
    assert card_for("increase", [], as_of=DEADLINE + timedelta(days=9)).expected == 1.0


def test_no_readings_is_no_data():
    card = card_for("increase", [])
    assert (card.status, card.progress, card.latest, card.stale, card.trend) == (
        "no_data",
        None,
        None,
        False,
        [],
    )


def test_readings_before_start_do_not_count_but_show_in_trend():
    card = card_for("increase", [(START - timedelta(days=3), 80.0)])
    assert card.status == "no_data"
    assert card.latest is None
    assert [p.value for p in card.trend] == [80.0]


def test_readings_after_as_of_are_ignored():
    card = card_for("increase", [(MIDWAY, 10.0), (MIDWAY + timedelta(days=1), 100.0)])
    assert card.status == "off_track"
    assert card.latest.value == 10.0
    assert [p.value for p in card.trend] == [10.0]


def test_goal_not_started_is_inactive_no_data():
    card = card_for("increase", [(START - timedelta(days=1), 50.0)], as_of=START - timedelta(days=1))
    assert card.active is False
    assert card.status == "no_data"


def test_active_until_grace_after_deadline():
    assert card_for("increase", [], as_of=DEADLINE + timedelta(days=31)).active is True
    assert card_for("increase", [], as_of=DEADLINE + timedelta(days=32)).active is False


STALE_CASES = [
    ("weekly", 7, False),
    ("weekly", 8, True),
    ("monthly", 31, False),
    ("monthly", 32, True),
    ("quarterly", 92, False),
    ("quarterly", 93, True),
]


@pytest.mark.parametrize("cadence,age,stale", STALE_CASES)
def test_stale_boundaries(cadence, age, stale):
    as_of = START + timedelta(days=95)
    card = card_for("increase", [(as_of - timedelta(days=age), 50.0)], as_of=as_of, cadence=cadence)
    assert card.stale is stale


def test_trend_previous_and_delta():
    values = [(START + timedelta(days=i * 3), float(i)) for i in range(15)]
    card = card_for("increase", values)
    assert [p.value for p in card.trend] == [float(i) for i in range(3, 15)]
    assert card.latest.value == 14.0
    assert card.previous.value == 13.0
    assert card.delta == pytest.approx(1.0)


def test_same_day_readings_last_recorded_wins():
    from datetime import datetime

    g = goal("G-1", "sales", "m", start=START, deadline=DEADLINE)
    early = reading("m", MIDWAY, 10.0, "sales", recorded_at=datetime(2026, 2, 20, 8, tzinfo=UTC))
    late = reading("m", MIDWAY, 45.0, "sales", recorded_at=datetime(2026, 2, 20, 9, tzinfo=UTC))
    card = build_scorecard(snapshot(g, late, early), MIDWAY).goals[0]
    assert card.latest.value == 45.0
    assert card.previous is None
    assert len(card.trend) == 1


def test_readings_of_other_departments_do_not_count():
    g = goal("G-1", "sales", "m", start=START, deadline=DEADLINE)
    card = build_scorecard(
        snapshot(g, reading("m", MIDWAY, 90.0, "finance"), reading("m", MIDWAY, 90.0)), MIDWAY
    )
    assert card.goals[0].status == "no_data"


# --- properties -----------------------------------------------------------------------------------

KINDS = {
    "increase": (0.0, 100.0),
    "decrease": (100.0, 0.0),
    "reach": (100.0, 40.0),
    "stay_above": (60.0, 50.0),
    "stay_below": (40.0, 50.0),
}
values = st.floats(min_value=-500, max_value=500, allow_nan=False)
days = st.integers(min_value=-10, max_value=140)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(KINDS)), value=values, offset=days, tolerance=st.floats(0, 1))
def test_progress_always_within_unit_interval(kind, value, offset, tolerance):
    baseline, target = KINDS[kind]
    g = goal(
        "G-1",
        "sales",
        "m",
        kind,
        baseline=baseline,
        target=target,
        start=START,
        deadline=DEADLINE,
        tolerance=tolerance,
    )
    as_of = START + timedelta(days=max(offset, 0))
    standing = goal_standing(g, metric("m"), [reading("m", START, value, "sales")], as_of)
    assert standing.progress is not None and 0.0 <= standing.progress <= 1.0
    assert 0.0 <= standing.expected <= 1.0


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(sorted(KINDS)),
    value=values,
    step=st.floats(0, 300),
    offset=days,
    tolerance=st.floats(0, 1),
)
def test_moving_toward_target_never_worsens_status(kind, value, step, offset, tolerance):
    baseline, target = KINDS[kind]
    g = goal(
        "G-1",
        "sales",
        "m",
        kind,
        baseline=baseline,
        target=target,
        start=START,
        deadline=DEADLINE,
        tolerance=tolerance,
    )
    toward = 1 if goal_direction(g) == "up" else -1
    as_of = START + timedelta(days=max(offset, 0))

    def status(v: float) -> str:
        return goal_standing(g, metric("m"), [reading("m", START, v, "sales")], as_of).status

    assert STATUS_RANK[status(value + toward * step)] >= STATUS_RANK[status(value)]


# --- objectives -----------------------------------------------------------------------------------


def test_objective_uses_company_readings_and_lists_supporting_goals():
    o = objective("O-1", "csat", target=90.0, baseline=70.0, start=START, deadline=DEADLINE)
    g = goal("G-1", "service", "csat", objectives=["O-1"], baseline=70, target=90)
    rs = [
        reading("csat", START, 70.0),
        reading("csat", MIDWAY, 80.0),
        reading("csat", MIDWAY, 10.0, "service"),
    ]
    card = build_scorecard(snapshot(o, g, *rs), MIDWAY).objectives[0]
    assert card.source == "company"
    assert card.latest.value == 80.0
    assert card.progress == pytest.approx(0.5)
    assert card.status == "on_track"
    assert [c.goal.id for c in card.goals] == ["G-1"]


def test_objective_falls_back_to_department_mean():
    o = objective("O-1", "csat", target=90.0, baseline=70.0, start=START, deadline=DEADLINE)
    rs = [reading("csat", MIDWAY, 60.0, "service"), reading("csat", MIDWAY, 80.0, "sales")]
    card = build_scorecard(snapshot(o, *rs), MIDWAY).objectives[0]
    assert card.source == "departments"
    assert card.latest.value == pytest.approx(70.0)
    assert card.status == "off_track"


def test_objective_paces_from_first_reading_without_anchors():
    o = objective("O-1", "ces", target=2.0, deadline=DEADLINE)
    m = metric("ces", direction="down")
    rs = [reading("ces", START, 4.0), reading("ces", MIDWAY, 3.0)]
    card = build_scorecard(snapshot(m, o, *rs), MIDWAY).objectives[0]
    assert card.progress == pytest.approx(0.5)
    assert card.expected == pytest.approx(0.5)
    assert card.status == "on_track"


@pytest.mark.parametrize(
    "values,as_of,status",
    [
        ([], MIDWAY, "no_data"),
        ([95.0], MIDWAY, "achieved"),
        ([80.0], DEADLINE + timedelta(days=1), "missed"),
        ([71.0], MIDWAY, "off_track"),
    ],
)
def test_objective_status(values, as_of, status):
    o = objective("O-1", "csat", target=90.0, baseline=70.0, start=START, deadline=DEADLINE)
    rs = [reading("csat", MIDWAY, v) for v in values]
    assert build_scorecard(snapshot(o, metric("csat"), *rs), as_of).objectives[0].status == status


# --- alignment ------------------------------------------------------------------------------------


def alignment_snapshot(*extra, **kw):
    o = objective("O-1", "csat", target=90.0, baseline=70.0, start=START)
    return snapshot(
        metric("csat", customer_centric=True),
        metric("calls"),
        o,
        goal("G-1", "service", "csat", objectives=["O-1"], baseline=70, target=90),
        goal("G-2", "service", "csat", objectives=["O-1"], baseline=70, target=90),
        goal("G-3", "service", "calls"),
        incentive("I-1", "service", "csat", "up", 0.3),
        incentive("I-2", "service", "calls", "up", 0.1),
        reading("csat", MIDWAY, 85.0, "service"),
        *extra,
        **kw,
    )


def test_alignment_parts():
    card = build_scorecard(alignment_snapshot(), MIDWAY).departments[0]
    parts = card.alignment
    assert parts.goals == pytest.approx(66.7)
    assert parts.incentives == pytest.approx(75.0)
    assert parts.delivery == pytest.approx(100.0)  # both G-1 and G-2 read the same service csat
    # G-3 is a silo goal (low, 2) and I-2 an inward incentive (medium, 10).
    assert parts.conflicts == pytest.approx(88.0)
    expected = (0.3 * 66.6667 + 0.3 * 75 + 0.3 * 100 + 0.1 * 88) / 1.0
    assert parts.index == pytest.approx(expected, abs=0.1)


def test_alignment_index_renormalises_over_parts_with_a_basis():
    s = snapshot(metric("csat", customer_centric=True), incentive("I-1", "service", "csat", "up", 0.5))
    parts = build_scorecard(s, MIDWAY).departments[0].alignment
    assert (parts.goals, parts.delivery) == (None, None)
    assert parts.incentives == 100.0
    assert parts.conflicts == 100.0
    assert parts.index == pytest.approx(100.0)
    weights = AlignmentWeights(goals=0.5, incentives=0.0, delivery=0.5, conflicts=0.0)  # no weight where there is a basis
    assert build_scorecard(s, MIDWAY, weights).departments[0].alignment.index == pytest.approx(100.0)


def test_department_without_goals_or_incentives_has_no_index():
    sc = build_scorecard(alignment_snapshot(dept("legal")), MIDWAY)
    legal = next(c for c in sc.departments if c.department.id == "legal")
    assert legal.alignment.index is None
    assert sc.company_index == next(c for c in sc.departments if c.department.id == "service").alignment.index


def test_conflict_part_counts_flags_and_floors_at_zero():
    flags = [flag(f"F-{i}", ["service"]) for i in range(12)] + [flag("F-x", ["service"], status="resolved")]
    card = build_scorecard(alignment_snapshot(flags=flags), MIDWAY).departments[0]
    assert card.alignment.conflicts == 0.0
    assert len(card.flags) == 12


def test_flag_from_active_finding_is_not_counted_twice():
    base = build_scorecard(alignment_snapshot(), MIDWAY)
    finding = next(f for f in base.findings if f.rule == "inward_incentive")
    flagged = build_scorecard(
        alignment_snapshot(flags=[flag("F-1", ["service"], finding=finding.id)]), MIDWAY
    )
    assert flagged.departments[0].alignment.conflicts == base.departments[0].alignment.conflicts


def test_goal_card_counts_findings_and_flags():
    sc = build_scorecard(alignment_snapshot(flags=[flag("F-1", ["service"], goals=["G-3"])]), MIDWAY)
    counts = {c.goal.id: c.findings for c in sc.goals}
    assert counts == {"G-1": 0, "G-2": 0, "G-3": 2}


def test_incentive_against_objective_is_not_aligned():
    s = snapshot(
        metric("csat", customer_centric=True),
        objective("O-1", "csat"),
        incentive("I-1", "service", "csat", "down", 0.5),
    )
    assert build_scorecard(s, MIDWAY).departments[0].alignment.incentives == 0.0


# --- due ------------------------------------------------------------------------------------------

WEDNESDAY = date(2026, 3, 4)


@pytest.mark.parametrize(
    "cadence,day,start",
    [
        ("weekly", WEDNESDAY, date(2026, 3, 2)),
        ("weekly", date(2026, 3, 2), date(2026, 3, 2)),
        ("weekly", date(2026, 3, 8), date(2026, 3, 2)),
        ("monthly", WEDNESDAY, date(2026, 3, 1)),
        ("quarterly", WEDNESDAY, date(2026, 1, 1)),
        ("quarterly", date(2026, 12, 31), date(2026, 10, 1)),
    ],
)
def test_period_start(cadence, day, start):
    assert period_start(cadence, day) == start


@pytest.mark.parametrize(
    "cadence,reading_day,is_due",
    [
        ("weekly", date(2026, 3, 2), False),
        ("weekly", date(2026, 3, 1), True),
        ("monthly", date(2026, 3, 1), False),
        ("monthly", date(2026, 2, 28), True),
        ("quarterly", date(2026, 1, 1), False),
        ("quarterly", date(2025, 12, 31), True),
        ("weekly", date(2026, 3, 5), True),  # after as-of: does not count
    ],
)
def test_due(cadence, reading_day, is_due):
    s = snapshot(
        metric("m", cadence=cadence),
        goal("G-1", "sales", "m", start=date(2025, 1, 1)),
        goal("G-2", "sales", "m", start=date(2025, 1, 1)),
        reading("m", reading_day, 5.0, "sales"),
    )
    items = due(s, WEDNESDAY)
    assert bool(items) is is_due
    if is_due:
        assert [g.id for g in items[0].goals] == ["G-1", "G-2"]
        assert items[0].period_start == period_start(cadence, WEDNESDAY)


def test_due_filters_department_and_skips_goals_not_running():
    s = snapshot(
        goal("G-1", "sales", "m", start=date(2026, 1, 1)),
        goal("G-2", "finance", "m", start=date(2026, 1, 1)),
        goal("G-3", "finance", "n", start=date(2026, 6, 1)),
        goal("G-4", "finance", "k", start=date(2025, 1, 1), deadline=date(2025, 12, 31)),
        reading("m", date(2026, 1, 5), 3.0, "finance"),
    )
    items = due(s, WEDNESDAY, department="finance")
    assert [(i.department.id, i.metric.id) for i in items] == [("finance", "m")]
    assert items[0].last.value == 3.0
    assert [(i.department.id, i.metric.id) for i in due(s, WEDNESDAY)] == [("finance", "m"), ("sales", "m")]


# --- compare --------------------------------------------------------------------------------------


def test_compare_reports_moves_and_new_readings():
    g1 = goal("G-1", "sales", "m", start=START, deadline=DEADLINE)
    g2 = goal("G-2", "sales", "n", start=START, deadline=DEADLINE)
    g3 = goal("G-3", "sales", "k", start=START, deadline=DEADLINE)
    early = [
        reading("m", START, 40.0, "sales"),
        reading("n", START, 10.0, "sales"),
        reading("k", START, 1.0, "sales"),
    ]
    later = [reading("m", MIDWAY, 10.0, "sales"), reading("n", MIDWAY, 100.0, "sales")]
    week = START + timedelta(days=7)
    before = build_scorecard(snapshot(g1, g2, g3, *early), week)
    after = build_scorecard(snapshot(g1, g2, g3, *early, *later), MIDWAY)
    changes = {c.goal_id: c for c in compare(before, after)}
    assert (changes["G-1"].before, changes["G-1"].after, changes["G-1"].move) == (
        "on_track",
        "off_track",
        "down",
    )
    assert changes["G-2"].move == "up"
    assert changes["G-2"].after == "achieved"
    assert [p.value for p in changes["G-2"].new_readings] == [100.0]
    assert changes["G-2"].before_latest.value == 10.0
    assert changes["G-2"].after_latest.value == 100.0
    assert "G-3" in changes and changes["G-3"].move == "down"  # 1.0 falls behind as time passes


def test_compare_leaves_out_unchanged_goals():
    g = goal("G-1", "sales", "m", start=START, deadline=DEADLINE)
    s = snapshot(g, reading("m", START, 100.0, "sales"))
    assert compare(build_scorecard(s, MIDWAY), build_scorecard(s, MIDWAY + timedelta(days=1))) == []


# --- layering -------------------------------------------------------------------------------------


def test_engine_does_not_import_textual():
    code = (
        "import sys, cxtui.engine.scorecard, cxtui.engine.conflicts, cxtui.engine.flags, cxtui.engine.tensions; "
        "print([m for m in sys.modules if m == 'textual' or m.startswith('textual.')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_for_department_keeps_one_departments_goals_card_and_findings_and_the_companys_objectives():
    from cxtui.demo.sample_company import ANCHOR, load_sample
    from cxtui.engine.scorecard import for_department

    whole = build_scorecard(load_sample(), ANCHOR)
    sales = for_department(whole, "sales")
    assert sales.goals and {g.goal.department for g in sales.goals} == {"sales"}
    assert [d.department.id for d in sales.departments] == ["sales"]
    assert sales.findings and all("sales" in f.departments for f in sales.findings)
    assert len(sales.findings) < len(whole.findings)
    assert sales.objectives == whole.objectives and sales.company_index == whole.company_index
    assert for_department(whole, None) is whole


@pytest.mark.parametrize(
    ("status", "confidence", "disagrees"),
    [
        ("on_track", None, False), ("on_track", 4, True), ("on_track", 5, False), ("on_track", 1, True),
        ("off_track", 8, True), ("off_track", 7, False), ("off_track", 10, True),
        ("at_risk", 1, False), ("at_risk", 10, False), ("achieved", 2, False), ("no_data", 9, False),
    ],
)
def test_confidence_and_pacing_disagree_on_track_at_4_or_less_off_track_at_8_or_more(status, confidence, disagrees):
    from cxtui.engine.scorecard import confidence_disagrees

    assert confidence_disagrees(status, confidence) is disagrees


def test_a_goal_card_carries_the_latest_confidence_and_the_one_before():
    g = goal("G-1", "sales", "m", start=START, deadline=DEADLINE)
    rs = [reading("m", START + timedelta(days=10), 10.0, department="sales", confidence=7),
          reading("m", START + timedelta(days=20), 15.0, department="sales"),
          reading("m", START + timedelta(days=30), 40.0, department="sales", confidence=3)]
    card = build_scorecard(snapshot(g, metric("m"), *rs), START + timedelta(days=31)).goals[0]
    assert (card.confidence, card.confidence_before) == (3, None)  # the reading before gave none
    assert card.status == "on_track" and card.confidence_disagrees
    later = build_scorecard(snapshot(g, metric("m"), *rs[:1]), START + timedelta(days=31)).goals[0]
    assert (later.confidence, later.confidence_before, later.confidence_disagrees) == (7, None, False)
