"""Check-in's rules (engine/checkin.py): the lines a user is offered and the reading a typed row makes;
and the company's alignment parts (scorecard.company_parts)."""

from __future__ import annotations

from datetime import date

import pytest
from engine_helpers import dept, goal, metric, reading, snapshot

from cxtui.engine.checkin import check_line, last_point, lines_for
from cxtui.engine.scorecard import build_scorecard, company_parts
from cxtui.models import Scale, Settings

DAY = date(2026, 3, 16)
NPS = metric("nps", scale=Scale(min=-100, max=100))


@pytest.mark.parametrize(
    ("texts", "value", "errors"),
    [
        (("", "", ""), None, {}),
        (("42", "", ""), 42.0, {}),
        (("42", "8", "a note"), 42.0, {}),
        (("", "8", ""), None, {"value": "value: needed when a confidence or note is given"}),
        (("", "", "why"), None, {"value": "value: needed when a confidence or note is given"}),
        (("abc", "", ""), None, {"value"}),
        (("42", "11", ""), None, {"confidence"}),
        (("420", "", ""), None, {"value"}),  # outside the scale
    ],
)
def test_a_typed_row_makes_a_reading_or_says_which_field_is_wrong(texts, value, errors):
    made, found = check_line(NPS, "sales", DAY, "kim", *texts)
    assert (made.value if made else None) == value
    if isinstance(errors, set):
        assert set(found) == errors and all(found.values())
    else:
        assert found == errors
    if made is not None:
        assert (made.metric, made.department, made.date, made.recorded_by) == ("nps", "sales", DAY, "kim")


def _snap(**kw):
    return snapshot(
        dept("sales", leads=["kim"]), dept("finance", leads=["omar"]), NPS, metric("margin"), metric("csat"),
        goal("G-1", "sales", "nps", start=date(2026, 1, 1)), goal("G-2", "sales", "margin", start=date(2026, 1, 1)),
        goal("G-3", "finance", "margin", start=date(2026, 1, 1)),
        reading("nps", date(2026, 3, 2), 30.0, department="sales"),  # read this month: not due
        reading("margin", date(2026, 2, 2), 40.0, department="sales"),
        **kw,
    )


@pytest.mark.parametrize(
    ("user", "settings", "expected", "what"),
    [
        # a lead: their department's metrics, due first, then the rest for corrections
        ("kim", Settings(), [("sales", "margin", True), ("sales", "nps", False)],
         "1 due this period for Sales; the others below, for corrections"),
        ("omar", Settings(), [("finance", "margin", True)], "1 due this period for Finance; the others below"),
        # an admin who leads nothing: every department
        ("ada", Settings(admins=["ada"]), [("sales", "margin", True), ("finance", "margin", True),
                                           ("sales", "nps", False)], "every department (you lead none)"),
        # neither: nothing to record
        ("bo", Settings(), [], ""),
    ],
)
def test_the_lines_offered(user, settings, expected, what):
    lines, sentence = lines_for(_snap(settings=settings), DAY, user)
    assert [(x.department.id, x.metric.id, x.due) for x in lines] == expected
    assert what in sentence


def test_the_last_point_is_the_newest_on_or_before_the_day():
    snap = _snap()
    assert last_point(snap, DAY, "nps", "sales").value == 30.0
    assert last_point(snap, date(2026, 3, 1), "nps", "sales") is None
    assert last_point(snap, DAY, "nps", "finance") is None


def test_company_parts_are_each_parts_mean_over_the_departments_that_have_it():
    card = build_scorecard(_snap(), DAY)
    parts = company_parts(card)
    for name in ("goals", "incentives", "delivery", "conflicts"):
        values = [getattr(d.alignment, name) for d in card.departments if getattr(d.alignment, name) is not None]
        assert parts[name] == (sum(values) / len(values) if values else None)
    assert parts["incentives"] is None  # no department pays an incentive
