"""What is due (issue 17): per cadence, a reading is due when the series has none this period, and
overdue when the period before went without one too. Table-driven over the period boundaries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cxtui.engine.scorecard import due, next_period_start, period_start
from engine_helpers import goal, metric, reading, snapshot

START = date(2026, 1, 1)

CASES = [
    # (cadence, readings on, as of, expected: None = not due, else (due_by, overdue))
    ("monthly", [date(2026, 3, 2)], date(2026, 3, 20), None),
    ("monthly", [date(2026, 3, 1)], date(2026, 3, 31), None),  # on the period's first day
    ("monthly", [date(2026, 2, 28)], date(2026, 3, 1), (date(2026, 3, 31), False)),  # the boundary
    ("monthly", [date(2026, 1, 31)], date(2026, 3, 1), (date(2026, 3, 31), True)),  # February was missed
    ("monthly", [], date(2026, 1, 15), (date(2026, 1, 31), False)),  # never read, the goal began this month
    ("monthly", [], date(2026, 2, 1), (date(2026, 2, 28), True)),  # never read, January owed one
    ("monthly", [date(2026, 12, 5)], date(2027, 1, 3), None),  # the goal has ended: nothing owed
    ("weekly", [date(2026, 3, 2)], date(2026, 3, 8), None),  # Monday to Sunday
    ("weekly", [date(2026, 3, 8)], date(2026, 3, 9), (date(2026, 3, 15), False)),
    ("weekly", [date(2026, 2, 27)], date(2026, 3, 9), (date(2026, 3, 15), True)),
    ("quarterly", [date(2026, 1, 10)], date(2026, 3, 31), None),
    ("quarterly", [date(2026, 3, 31)], date(2026, 4, 1), (date(2026, 6, 30), False)),
    ("quarterly", [date(2026, 1, 10)], date(2026, 7, 1), (date(2026, 9, 30), True)),
    ("quarterly", [date(2026, 5, 1)], date(2026, 12, 31), (date(2026, 12, 31), True)),
]


@pytest.mark.parametrize(("cadence", "readings", "as_of", "expected"), CASES)
def test_due_and_overdue_per_cadence(cadence, readings, as_of, expected):
    s = snapshot(metric("m", cadence=cadence), goal("G-1", "sales", "m", start=START, deadline=date(2026, 12, 31)),
                 *(reading("m", day, 50, department="sales") for day in readings))
    items = due(s, as_of)
    if expected is None:
        assert items == []
    else:
        [item] = items
        assert (item.due_by, item.overdue) == expected
        assert item.period_start == period_start(cadence, as_of)
        assert (item.last.date if item.last else None) == max((d for d in readings if d <= as_of), default=None)
        assert [g.id for g in item.goals] == ["G-1"]


@pytest.mark.parametrize("cadence", ["weekly", "monthly", "quarterly"])
def test_periods_follow_one_another(cadence):
    day = date(2025, 11, 3)
    for _ in range(60):
        start = period_start(cadence, day)
        following = next_period_start(cadence, start)
        assert following > start and period_start(cadence, following) == following
        assert period_start(cadence, following - timedelta(days=1)) == start  # no day between them
        day = following


def test_a_reading_of_another_department_does_not_count():
    s = snapshot(metric("m"), goal("G-1", "sales", "m", start=START), reading("m", date(2026, 3, 2), 5, department="finance"))
    assert [i.department.id for i in due(s, date(2026, 3, 10))] == ["sales"]
