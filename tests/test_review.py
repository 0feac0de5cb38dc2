"""The quarterly review pack: what changed over a period, per department (engine/review.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from engine_helpers import dept, goal, incentive, metric, objective, reading, snapshot, tension

from cxtui.engine.review import KINDS, quarter_start, review
from cxtui.engine.scorecard import build_scorecard
from cxtui.models import Flag, FlagEvent

START = date(2026, 1, 1)
SINCE = date(2026, 4, 1)  # the period reviewed: the second quarter
AS_OF = date(2026, 6, 30)


def _flag(id: str, departments: list[str], raised_at: datetime, **kw) -> Flag:
    return Flag(id=id, departments=departments, title=f"Flag {id}", raised_by="alice", raised_at=raised_at, **kw)


def _lines(*records, since: date = SINCE, as_of: date = AS_OF):
    snap = snapshot(dept("sales"), dept("finance"), *records)
    return review(build_scorecard(snap, since - timedelta(days=1)), build_scorecard(snap, as_of), snap.flags)


def _summary(lines):
    return [(x.department, x.kind, x.record, x.before, x.after) for x in lines]


CASES = [
    # name, records, expected (department, kind, record, before, after)
    ("a goal whose deadline fell in the period and reached its target is achieved",
     [metric("m"), goal("G-1", "sales", "m", start=START, deadline=date(2026, 5, 31)),
      reading("m", date(2026, 3, 1), 20.0, department="sales"), reading("m", date(2026, 5, 25), 100.0, department="sales")],
     [("sales", "achieved", "G-1", "off_track", "achieved")]),
    ("a goal whose deadline fell in the period short of its target is missed",
     [metric("m"), goal("G-1", "sales", "m", start=START, deadline=date(2026, 5, 31)),
      reading("m", date(2026, 3, 30), 50.0, department="sales"), reading("m", date(2026, 5, 25), 60.0, department="sales")],
     [("sales", "missed", "G-1", "on_track", "missed")]),
    ("a goal due later whose status moved",
     [metric("m"), goal("G-1", "sales", "m", start=START, deadline=date(2026, 12, 31)),
      reading("m", date(2026, 3, 1), 20.0, department="sales"), reading("m", date(2026, 6, 1), 5.0, department="sales")],
     [("sales", "status", "G-1", "on_track", "off_track")]),
    ("a goal whose status stayed is not reported",
     [metric("m"), goal("G-1", "sales", "m", start=START, deadline=date(2026, 12, 31)),
      reading("m", date(2026, 3, 1), 20.0, department="sales"), reading("m", date(2026, 6, 1), 50.0, department="sales")],
     []),
    ("a goal due before the period is not achieved again",
     [metric("m"), goal("G-1", "sales", "m", start=START, deadline=date(2026, 3, 1)),
      reading("m", date(2026, 2, 25), 100.0, department="sales")],
     []),
    ("a shared objective's move is a company line",
     [metric("nps"), objective("O-1", "nps", target=50.0, baseline=0.0, start=START, deadline=date(2026, 12, 31)),
      reading("nps", date(2026, 3, 1), 20.0), reading("nps", date(2026, 6, 1), 10.0)],
     [(None, "status", "O-1", "on_track", "off_track")]),
]


@pytest.mark.parametrize(("name", "records", "expected"), CASES, ids=[c[0] for c in CASES])
def test_goal_and_objective_lines(name, records, expected):
    standings = [x for x in _lines(*records) if x.kind in ("achieved", "missed", "status")]
    assert _summary(standings) == expected


def test_a_finding_raised_in_the_period_is_listed_for_each_department_it_involves():
    # Sales paid for discounts, Finance for margin, declared as a tension: detected once both exist.
    records = [metric("discount", direction="down"), metric("margin"), tension("discount", "margin"),
               incentive("I-1", "sales", "discount", "up"), incentive("I-2", "finance", "margin", "up")]
    lines = _lines(*records)
    raised = [x for x in lines if x.kind == "finding_raised"]
    # Present at both ends: not raised in the period.
    assert raised == []
    snap = snapshot(dept("sales"), dept("finance"), *records)
    empty = snapshot(dept("sales"), dept("finance"), metric("discount"), metric("margin"))
    lines = review(build_scorecard(empty, SINCE - timedelta(days=1)), build_scorecard(snap, AS_OF), [])
    raised = [x for x in lines if x.kind == "finding_raised"]
    assert raised and {x.department for x in raised} == {"sales", "finance"}
    assert all(x.detail for x in raised)
    cleared = review(build_scorecard(snap, SINCE - timedelta(days=1)), build_scorecard(empty, AS_OF), [])
    assert {x.kind for x in cleared} == {"finding_cleared"}


def test_flags_raised_and_resolved_in_the_period():
    inside = datetime(2026, 5, 2, 9, tzinfo=UTC)
    before = datetime(2026, 2, 2, 9, tzinfo=UTC)
    flags = [
        _flag("F-1", ["sales", "finance"], raised_at=inside),
        _flag("F-2", ["sales"], raised_at=before, status="resolved",
             history=[FlagEvent(at=inside, by="bo", status="resolved", note="agreed a floor")]),
        _flag("F-3", ["finance"], raised_at=before),
    ]
    lines = _lines(*flags)
    kinds = {(x.department, x.kind, x.record) for x in lines}
    assert kinds == {("sales", "flag_raised", "F-1"), ("finance", "flag_raised", "F-1"),
                     ("sales", "flag_resolved", "F-2")}
    assert "agreed a floor" in next(x.detail for x in lines if x.kind == "flag_resolved")


def test_lines_come_company_first_then_departments_in_scorecard_order_then_by_kind():
    records = [metric("m"), metric("nps"),
               objective("O-1", "nps", target=50.0, baseline=0.0, start=START, deadline=date(2026, 12, 31)),
               reading("nps", date(2026, 3, 1), 20.0), reading("nps", date(2026, 6, 1), 10.0),
               goal("G-1", "sales", "m", start=START, deadline=date(2026, 12, 31)),
               goal("G-2", "finance", "m", start=START, deadline=date(2026, 5, 31)),
               reading("m", date(2026, 3, 1), 20.0, department="sales"),
               reading("m", date(2026, 6, 1), 5.0, department="sales"),
               reading("m", date(2026, 5, 30), 100.0, department="finance"),
               _flag("F-1", ["sales"], raised_at=datetime(2026, 5, 2, 9, tzinfo=UTC))]
    lines = _lines(*records)
    assert lines[0].department is None
    departments = [x.department for x in lines[1:]]
    assert departments == sorted(departments, key=["finance", "sales"].index)
    sales = [x.kind for x in lines if x.department == "sales"]
    assert sales == sorted(sales, key=KINDS.index)


def test_a_period_that_ends_before_it_starts_is_refused():
    snap = snapshot(dept("sales"))
    with pytest.raises(ValueError, match="after its end"):
        review(build_scorecard(snap, AS_OF), build_scorecard(snap, SINCE), [])


@pytest.mark.parametrize(("day", "start"), [
    (date(2026, 1, 1), date(2026, 1, 1)), (date(2026, 3, 31), date(2026, 1, 1)), (date(2026, 4, 1), date(2026, 4, 1)),
    (date(2026, 12, 31), date(2026, 10, 1)), (date(2026, 8, 15), date(2026, 7, 1)),
])
def test_quarter_start(day, start):
    assert quarter_start(day) == start


def _item(id: str, department: str, made: datetime, kind: str = "action", closed: tuple | None = None):
    from cxtui.engine.meetings import close_item, new_item

    item = new_item(department, f"Item {id}", "kim", made, id=id, kind=kind, owner="lee")
    return close_item(item, closed[0], closed[1], "lee", closed[2]) if closed else item


INSIDE = datetime(2026, 5, 2, 9, tzinfo=UTC)
EARLIER = datetime(2026, 2, 2, 9, tzinfo=UTC)
AFTER = datetime(2026, 7, 2, 9, tzinfo=UTC)

ITEM_CASES = [
    ("a decision made in the period", [_item("A-1", "sales", INSIDE, "decision")],
     [("sales", "decision", "A-1", None, "open")]),
    ("an action opened in the period", [_item("A-1", "finance", INSIDE)],
     [("finance", "action_opened", "A-1", None, "open")]),
    ("an action opened and done in the period", [_item("A-1", "sales", INSIDE, closed=("done", "ok", INSIDE))],
     [("sales", "action_opened", "A-1", None, "open"), ("sales", "action_closed", "A-1", "open", "done")]),
    ("an older action dropped in the period", [_item("A-1", "sales", EARLIER, closed=("dropped", "", INSIDE))],
     [("sales", "action_closed", "A-1", "open", "dropped")]),
    ("items before or after the period", [_item("A-1", "sales", EARLIER), _item("A-2", "sales", AFTER),
                                          _item("A-3", "sales", EARLIER, closed=("done", "", EARLIER))], []),
]


@pytest.mark.parametrize(("name", "items", "expected"), ITEM_CASES, ids=[c[0] for c in ITEM_CASES])
def test_decisions_and_actions_in_the_period(name, items, expected):
    snap = snapshot(dept("sales"), dept("finance"))
    lines = review(build_scorecard(snap, SINCE - timedelta(days=1)), build_scorecard(snap, AS_OF), [], items)
    assert _summary(lines) == expected


def test_a_closed_item_says_how_and_who():
    items = [_item("A-1", "sales", EARLIER, closed=("done", "all ten called", INSIDE))]
    snap = snapshot(dept("sales"))
    line = review(build_scorecard(snap, SINCE - timedelta(days=1)), build_scorecard(snap, AS_OF), [], items)[0]
    assert line.detail == "done by lee on 2026-05-02: all ten called"
