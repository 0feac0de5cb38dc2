"""Pacing kinds, per-goal bands and the exceeded status (cxtui.engine.standings), table-driven.

The goals run 2026-01-01..2026-12-31 (364 days). The stepped goal's milestones are quarterly survey
waves: 03-31 (day 89), 06-30 (day 180) and 09-30 (day 272), each expecting what linear pacing
expects that day unless it says otherwise.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from engine_helpers import DEADLINE, START, dept, goal, metric, objective, reading, snapshot
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cxtui.engine.review import review
from cxtui.engine.scorecard import build_scorecard, compare
from cxtui.engine.standings import STATUS_RANK, elapsed_share, expected_share, goal_standing
from cxtui.models import Goal, milestone_parts

SPAN = (DEADLINE - START).days  # 364
WAVES = ["2026-03-31", "2026-06-30", "2026-09-30"]
D = date.fromisoformat


def paced(pacing: str, milestones: list[str] | None = None, kind: str = "increase", **kw) -> Goal:
    return goal("G-1", "sales", "m", kind, pacing=pacing, milestones=milestones or [], **kw)


def status_of(g: Goal, value: float, as_of: date, read_on: date | None = None) -> str:
    day = read_on or min(as_of, g.deadline)
    return goal_standing(g, metric("m"), [reading("m", day, value, "sales")], as_of).status


# --- expected progress per pacing kind ------------------------------------------------------------

EXPECTED = [
    # pacing, milestones, as_of, expected
    ("linear", [], START - timedelta(days=5), 0.0),
    ("linear", [], START, 0.0),
    ("linear", [], D("2026-07-02"), 182 / SPAN),
    ("linear", [], DEADLINE, 1.0),
    ("linear", [], DEADLINE + timedelta(days=30), 1.0),
    ("late", [], START, 0.0),
    ("late", [], D("2026-07-02"), 0.25),  # half the time gone: a quarter of the change
    ("late", [], START + timedelta(days=273), (273 / SPAN) ** 2),  # three quarters: 56%
    ("late", [], DEADLINE, 1.0),
    ("late", [], DEADLINE + timedelta(days=1), 1.0),
    ("stepped", WAVES, START, 0.0),
    ("stepped", WAVES, D("2026-03-30"), 0.0),  # the day before the first wave
    ("stepped", WAVES, D("2026-03-31"), 89 / SPAN),  # on the wave's date it moves
    ("stepped", WAVES, D("2026-04-01"), 89 / SPAN),
    ("stepped", WAVES, D("2026-06-29"), 89 / SPAN),  # and holds until the next wave
    ("stepped", WAVES, D("2026-06-30"), 180 / SPAN),
    ("stepped", WAVES, D("2026-12-30"), 272 / SPAN),
    ("stepped", WAVES, DEADLINE, 1.0),
    ("stepped", WAVES, DEADLINE + timedelta(days=3), 1.0),
    ("stepped", ["2026-03-31=0.1", "2026-06-30=0.5"], D("2026-05-01"), 0.1),
    ("stepped", ["2026-03-31=0.1", "2026-06-30=0.5"], D("2026-06-30"), 0.5),
    ("stepped", ["2026-03-31=0.1", "2026-06-30=0.5"], D("2026-11-30"), 0.5),
    ("stepped", ["2026-03-31", "2026-06-30=0.6"], D("2026-04-30"), 89 / SPAN),  # mixed
    ("stepped", ["2026-12-31"], D("2026-12-30"), 0.0),  # one wave, on the deadline
    ("stepped", [], D("2026-12-30"), 0.0),  # no milestones: all of it at the deadline
    ("stepped", [], DEADLINE, 1.0),
]


@pytest.mark.parametrize("pacing,milestones,as_of,expected", EXPECTED)
def test_expected_progress(pacing, milestones, as_of, expected):
    assert expected_share(paced(pacing, milestones), as_of) == pytest.approx(expected)


def test_linear_is_todays_elapsed_share():
    g = paced("linear")
    for offset in range(-3, SPAN + 4, 7):
        as_of = START + timedelta(days=offset)
        assert expected_share(g, as_of) == elapsed_share(START, DEADLINE, as_of)


# --- statuses under each pacing -------------------------------------------------------------------

MAY_15 = D("2026-05-15")  # linear expects 134/364 = 0.37; the first wave 0.24; late 0.14
STATUSES = [
    # pacing, milestones, kw, value (baseline 0, target 100), as_of, status
    ("linear", [], {}, 20.0, MAY_15, "at_risk"),
    ("stepped", WAVES, {}, 20.0, MAY_15, "on_track"),  # between waves: judged against the last one
    ("late", [], {}, 20.0, MAY_15, "on_track"),
    ("linear", [], {}, 10.0, MAY_15, "off_track"),
    ("stepped", WAVES, {}, 10.0, MAY_15, "at_risk"),
    ("late", [], {}, 10.0, MAY_15, "on_track"),
    ("stepped", WAVES, {}, 0.0, D("2026-03-30"), "on_track"),  # nothing expected before the first wave
    ("stepped", WAVES, {}, 0.0, D("2026-03-31"), "off_track"),  # the wave's date: 0.24 expected
    ("stepped", WAVES, {}, 14.5, D("2026-03-31"), "on_track"),
    ("stepped", WAVES, {}, 14.4, D("2026-03-31"), "at_risk"),
    ("late", [], {}, 36.3, D("2026-10-01"), "at_risk"),  # late, not never: 0.56 expected by October
    ("late", [], {}, 36.2, D("2026-10-01"), "off_track"),
    ("linear", [], {}, 90.0, DEADLINE, "on_track"),  # all kinds expect everything at the deadline
    ("stepped", WAVES, {}, 90.0, DEADLINE, "on_track"),
    ("late", [], {}, 89.0, DEADLINE, "at_risk"),
    ("late", [], {}, 95.0, DEADLINE + timedelta(days=1), "missed"),
]


@pytest.mark.parametrize("pacing,milestones,kw,value,as_of,status", STATUSES)
def test_status_under_pacing(pacing, milestones, kw, value, as_of, status):
    assert status_of(paced(pacing, milestones, **kw), value, as_of) == status


# --- bands ----------------------------------------------------------------------------------------

MIDWAY = START + timedelta(days=182)  # linear expects 0.5
BANDS = [
    # kw, value, status
    ({}, 30.0, "at_risk"),  # today's bands: on track from 0.4, at risk from 0.3
    ({}, 29.9, "off_track"),
    ({"risk_tolerance": 0.3}, 20.0, "at_risk"),  # a wider at-risk band
    ({"risk_tolerance": 0.3}, 19.9, "off_track"),
    ({"risk_tolerance": 0.2}, 30.0, "at_risk"),  # the default spelled out: the same
    ({"risk_tolerance": 0.1}, 39.9, "off_track"),  # no at-risk band at all
    ({"risk_tolerance": 0.1}, 40.0, "on_track"),
    ({"tolerance": 0.25}, 25.0, "on_track"),
    ({"tolerance": 0.25}, 0.0, "at_risk"),  # at risk from 0.5 - 2 x 0.25 = 0
    ({"tolerance": 0.2}, 9.9, "off_track"),
    ({"tolerance": 0.25, "risk_tolerance": 0.3}, 20.0, "at_risk"),
    ({"tolerance": 0.25, "risk_tolerance": 0.3}, 19.9, "off_track"),
]


@pytest.mark.parametrize("kw,value,status", BANDS)
def test_bands(kw, value, status):
    assert status_of(paced("linear", **kw), value, MIDWAY) == status


def test_bands_apply_to_every_pacing():
    g = paced("stepped", WAVES, risk_tolerance=0.2)  # expected 180/364 = 0.49 at MIDWAY
    assert status_of(g, 29.5, MIDWAY) == "at_risk"
    assert status_of(g, 29.4, MIDWAY) == "off_track"


# --- exceeded -------------------------------------------------------------------------------------

EXCEEDED = [
    # kind, kw, value, status
    ("increase", {}, 130.0, "achieved"),  # no margin: never exceeded (what every stored goal has)
    ("increase", {"exceed_margin": 0}, 100.0, "achieved"),  # at the target: achieved
    ("increase", {"exceed_margin": 0}, 100.01, "exceeded"),  # any amount past it
    ("increase", {"exceed_margin": 0.1}, 110.0, "achieved"),  # margin: a tenth of |target - baseline|
    ("increase", {"exceed_margin": 0.1}, 110.01, "exceeded"),
    ("increase", {"exceed_margin": 0}, 99.0, "on_track"),
    ("decrease", {}, -30.0, "achieved"),
    ("decrease", {"exceed_margin": 0}, 0.0, "achieved"),
    ("decrease", {"exceed_margin": 0}, -0.01, "exceeded"),
    ("decrease", {"exceed_margin": 0.5}, -50.0, "achieved"),
    ("decrease", {"exceed_margin": 0.5}, -50.5, "exceeded"),
    ("decrease", {"exceed_margin": 0}, 1.0, "on_track"),
]


@pytest.mark.parametrize("kind,kw,value,status", EXCEEDED)
def test_exceeded(kind, kw, value, status):
    assert status_of(goal("G-1", "sales", "m", kind, **kw), value, MIDWAY) == status


def test_exceeded_holds_after_the_deadline_and_under_any_pacing():
    for pacing, milestones in (("linear", []), ("late", []), ("stepped", WAVES)):
        g = paced(pacing, milestones, exceed_margin=0)
        assert status_of(g, 120.0, DEADLINE + timedelta(days=10), read_on=D("2026-12-01")) == "exceeded"
        assert status_of(g, 90.0, DEADLINE + timedelta(days=10), read_on=D("2026-12-01")) == "missed"


def test_exceeded_ranks_above_achieved_and_counts_as_delivering():
    assert STATUS_RANK["exceeded"] > STATUS_RANK["achieved"] > STATUS_RANK["on_track"]

    def card(margin):
        g = goal("G-1", "sales", "m", objectives=["O-1"], exceed_margin=margin)
        return build_scorecard(snapshot(dept("sales"), metric("m"), objective("O-1", "m"), g,
                                        reading("m", MIDWAY, 150.0, "sales")), MIDWAY)

    achieved, exceeded = card(None), card(0)
    assert (achieved.goals[0].status, exceeded.goals[0].status) == ("achieved", "exceeded")
    assert exceeded.departments[0].alignment == achieved.departments[0].alignment
    assert exceeded.departments[0].alignment.delivery == 100.0
    assert [c.move for c in compare(achieved, exceeded)] == ["up"]


def test_an_exceeded_goal_at_its_deadline_is_reviewed_as_achieved():
    g = goal("G-1", "sales", "m", exceed_margin=0)
    s = snapshot(dept("sales"), metric("m"), g, reading("m", D("2026-12-01"), 120.0, "sales"))
    lines = review(build_scorecard(s, D("2026-10-01")), build_scorecard(s, D("2027-01-05")), [])
    assert [(line.kind, line.after) for line in lines if line.record == "G-1"] == [("achieved", "exceeded")]


# --- guards (maintain goals) are not paced --------------------------------------------------------


@pytest.mark.parametrize("kind,value", [("stay_above", 50.0), ("stay_above", 49.0), ("stay_below", 50.0),
                                        ("stay_below", 51.0)])
def test_guards_are_unaffected_by_pacing_and_bands(kind, value):
    for offset in (0, 89, 90, 182, SPAN, SPAN + 1):
        as_of = START + timedelta(days=offset)
        linear = status_of(goal("G-1", "sales", "m", kind), value, as_of)
        for pacing, milestones in (("late", []), ("stepped", WAVES)):
            other = goal("G-1", "sales", "m", kind, pacing=pacing, milestones=milestones, risk_tolerance=0.9)
            assert status_of(other, value, as_of) == linear


# --- what a goal may say --------------------------------------------------------------------------

REFUSED = [
    # fields, message
    ({"milestones": ["2026-03-31"]}, "only a stepped goal has them"),
    ({"pacing": "stepped", "milestones": ["2026-01-01"]}, "is not after the start"),
    ({"pacing": "stepped", "milestones": ["2027-01-01"]}, "on or before the deadline"),
    ({"pacing": "stepped", "milestones": ["2026-03-31", "2026-03-31=0.2"]}, "each date once"),
    ({"pacing": "stepped", "milestones": ["2026-03-31=0.5", "2026-06-30=0.2"]}, "expects less than"),
    ({"pacing": "stepped", "milestones": ["2026-12-31=0.9"]}, "the whole change is expected"),
    ({"pacing": "stepped", "milestones": ["2026-03-31=1.5"]}, "between 0 and 1"),
    ({"pacing": "stepped", "milestones": ["31/03/2026"]}, "like 2026-03-31 or 2026-03-31=0.25"),
    ({"pacing": "gradual"}, "'linear', 'stepped' or 'late'"),
    ({"risk_tolerance": 0.05}, "at least the tolerance"),
    ({"risk_tolerance": 2}, "between 0 and 1"),
    ({"kind": "reach", "exceed_margin": 0.1}, "only increase and decrease goals"),
    ({"kind": "stay_above", "baseline": 60, "target": 50, "exceed_margin": 0}, "only increase and decrease"),
]


@pytest.mark.parametrize("fields,message", REFUSED)
def test_refused(fields, message):
    with pytest.raises(ValidationError, match=message):
        goal("G-1", "sales", "m", fields.pop("kind", "increase"), **fields)


def test_milestones_are_normalised_and_sorted():
    g = paced("stepped", [" 2026-06-30 = 0.50 ", "2026-03-31"])
    assert g.milestones == ["2026-03-31", "2026-06-30=0.5"]
    assert paced("linear", risk_tolerance="").risk_tolerance is None  # a blank form field or cell


# --- properties -----------------------------------------------------------------------------------


@st.composite
def any_goal(draw):
    start = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 3000)))
    span = draw(st.integers(1, 2000))
    deadline = start + timedelta(days=span)
    offsets = sorted(draw(st.sets(st.integers(1, span), max_size=8)))
    shares = sorted(draw(st.lists(st.floats(0, 1), min_size=len(offsets), max_size=len(offsets))))
    milestones = []
    for offset, share in zip(offsets, shares):
        day = (start + timedelta(days=offset)).isoformat()
        own = draw(st.booleans()) and offset < span
        milestones.append(f"{day}={share!r}" if own else day)
    try:
        stepped = Goal(id="G-1", department="d", title="Any goal", metric="m", kind="increase", baseline=0,
                       target=1, start=start, deadline=deadline, pacing="stepped", milestones=milestones)
    except ValidationError:  # blanks between own shares may expect less than the one before
        stepped = Goal(id="G-1", department="d", title="Any goal", metric="m", kind="increase", baseline=0,
                       target=1, start=start, deadline=deadline, pacing="stepped",
                       milestones=[m.split("=")[0] for m in milestones])
    return stepped


@settings(max_examples=300, deadline=None)
@given(stepped=any_goal(), data=st.data())
def test_late_never_expects_more_than_linear_and_all_agree_at_the_ends(stepped, data):
    linear = stepped.model_copy(update={"pacing": "linear", "milestones": []})
    late = stepped.model_copy(update={"pacing": "late", "milestones": []})
    span = (stepped.deadline - stepped.start).days
    as_of = stepped.start + timedelta(days=data.draw(st.integers(-5, span + 5)))
    assert expected_share(late, as_of) <= expected_share(linear, as_of)
    assert 0.0 <= expected_share(stepped, as_of) <= 1.0
    for end, share in ((stepped.start, 0.0), (stepped.deadline, 1.0)):
        assert expected_share(linear, end) == expected_share(late, end) == expected_share(stepped, end) == share


@settings(max_examples=200, deadline=None)
@given(stepped=any_goal(), data=st.data())
def test_stepped_expectation_never_falls_and_moves_only_on_milestones(stepped, data):
    span = (stepped.deadline - stepped.start).days
    offset = data.draw(st.integers(0, span - 1))
    day = stepped.start + timedelta(days=offset)
    today, tomorrow = expected_share(stepped, day), expected_share(stepped, day + timedelta(days=1))
    assert tomorrow >= today
    moving_days = {date.fromisoformat(m.split("=")[0]) for m in stepped.milestones} | {stepped.deadline}
    if tomorrow != today:
        assert day + timedelta(days=1) in moving_days


# --- the sample company ---------------------------------------------------------------------------


def test_the_sample_shows_a_stepped_and_an_exceeded_goal_wherever_it_is_shifted():
    from cxtui.demo.sample_company import ANCHOR, load_sample

    later = ANCHOR + timedelta(weeks=53)
    for sample, day in ((load_sample(), ANCHOR), (load_sample(later), later)):
        goals = {g.id: g for g in sample.goals}
        card = {c.goal.id: c for c in build_scorecard(sample, day).goals}
        assert goals["G-10"].pacing == "stepped" and len(goals["G-10"].milestones) == 3
        assert all(goals["G-10"].start < milestone_parts(m)[0] < goals["G-10"].deadline for m in goals["G-10"].milestones)
        assert (card["G-10"].status, card["G-4"].status) == ("on_track", "exceeded")
        # Between waves the stepped goal expects what it did at the last wave, less than linear would.
        assert card["G-10"].expected < elapsed_share(goals["G-10"].start, goals["G-10"].deadline, day)
    moved = {g.id: g for g in load_sample(later).goals}["G-10"].milestones
    assert moved == [(D(m) + timedelta(weeks=53)).isoformat() for m in ("2026-06-30", "2026-09-30", "2026-12-31")]
