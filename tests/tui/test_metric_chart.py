"""The metric detail's chart: dated axes, and the target of each goal on the series as a line."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import settle
from cxtui.tui import format as fmt
from cxtui.tui.screens.metric_detail import MetricScreen
from cxtui.tui.widgets.reading_chart import ReadingChart, date_ticks
from cxtui.tui.widgets.score_list import ScoreList


@pytest.mark.parametrize(
    ("days", "room", "labels"),
    [
        ([], 4, []),
        ([date(2026, 3, 2)], 4, ["2026-03-02"]),
        ([date(2026, 3, 2), date(2026, 3, 30)], 4, ["2026-03-02", "2026-03-11", "2026-03-21", "2026-03-30"]),
        ([date(2026, 3, 2), date(2026, 3, 30)], 1, ["2026-03-02", "2026-03-30"]),
        ([date(2025, 1, 6), date(2026, 1, 5)], 3, ["2025-01", "2025-07", "2026-01"]),
        ([date(2025, 1, 6), date(2026, 1, 5)], 0, []),
    ],
)
def test_date_ticks_are_few_evenly_spread_and_by_month_over_long_spans(days, room, labels):
    ticks, shown = date_ticks(days, room)
    assert shown == labels
    assert ticks == sorted(ticks) and len(set(ticks)) == len(ticks)
    if days and ticks:
        assert ticks[0] == days[0].toordinal() and ticks[-1] == days[-1].toordinal()


async def test_the_chart_dates_its_axis_and_draws_the_goal_target(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        scores = app.screen.query_one(ScoreList)
        scores.highlighted = scores.get_option_index("goal:G-1")
        await pilot.press("i")
        await settle(app, pilot)
        assert isinstance(app.screen, MetricScreen)
        chart = app.screen.query_one(ReadingChart)
        goal = app.board.goals["G-1"]
        assert chart.readings and [r.date for r in chart.readings] == sorted(r.date for r in chart.readings)
        assert chart.targets == [(f"G-1 target {fmt.number(goal.target)}", goal.target)]
        drawn = str(chart.render())
        assert "G-1 target" in drawn
        assert chart.readings[0].date.strftime("%Y-%m") in drawn
