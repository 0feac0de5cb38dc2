"""The goal form takes a goal's pacing, milestones and bands, says what is wrong beside the field,
and saves them."""

from __future__ import annotations

from conftest import settle
from textual.widgets import Input, Select, Static

from cxtui.models import Goal
from cxtui.tui.screens.editors import GoalEditor
from cxtui.tui.widgets.score_list import ScoreList


async def _edit_goal(app, pilot, goal_id: str) -> GoalEditor:
    await settle(app, pilot)
    scores = app.screen.query_one(ScoreList)
    scores.highlighted = scores.get_option_index(f"goal:{goal_id}")
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, GoalEditor)
    return app.screen


async def _type(pilot, screen, field: str, text: str) -> None:
    field_input = screen.query_one(f"#field-{field}", Input)
    field_input.focus()
    field_input.value = ""
    await pilot.press(*text)
    await pilot.pause()


def _error(screen, field: str) -> str:
    widget = screen.query_one(f"#error-{field}", Static)
    return str(widget.render()) if widget.display else ""


async def test_make_a_goal_stepped_with_its_bands(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _edit_goal(app, pilot, "G-1")  # kim leads Sales; G-1 is an increase goal
        assert form.query_one("#field-pacing", Select).value == "linear"
        assert form.query_one("#field-milestones", Input).value == ""
        await _type(pilot, form, "milestones", "2026-03-31")
        assert "only a stepped goal" in _error(form, "milestones")
        form.query_one("#field-pacing", Select).value = "stepped"
        await pilot.pause()
        assert _error(form, "milestones") == ""
        await _type(pilot, form, "milestones", "2026-06-30=0.2; 2026-03-31=0.5")
        assert "expects less than" in _error(form, "milestones")
        await _type(pilot, form, "milestones", "2026-06-30=0.5; 2026-03-31=0.2; 2026-09-30")
        await _type(pilot, form, "risk_tolerance", "0.05")
        assert "at least the tolerance" in _error(form, "risk_tolerance")
        await _type(pilot, form, "risk_tolerance", "0.3")
        await _type(pilot, form, "exceed_margin", "0")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, GoalEditor)
        goal = store.get(Goal, "G-1")
        assert (goal.pacing, goal.milestones, goal.risk_tolerance, goal.exceed_margin) == (
            "stepped", ["2026-03-31=0.2", "2026-06-30=0.5", "2026-09-30"], 0.3, 0.0)

        form = await _edit_goal(app, pilot, "G-1")  # the saved values come back into the form
        assert form.query_one("#field-milestones", Input).value == "2026-03-31=0.2; 2026-06-30=0.5; 2026-09-30"
        assert form.query_one("#field-risk_tolerance", Input).value == "0.3"
        form.query_one("#field-pacing", Select).value = "late"
        await _type(pilot, form, "milestones", "")
        await _type(pilot, form, "risk_tolerance", "")
        await _type(pilot, form, "exceed_margin", "")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        goal = store.get(Goal, "G-1")
        assert (goal.pacing, goal.milestones, goal.risk_tolerance, goal.exceed_margin) == ("late", [], None, None)


async def test_only_increase_and_decrease_goals_take_an_exceed_margin(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        await _type(pilot, form, "title", "Win back lapsed customers")
        form.query_one("#field-metric", Select).value = "retention_rate"
        await _type(pilot, form, "baseline", "76")
        await _type(pilot, form, "target", "80")
        await _type(pilot, form, "exceed_margin", "0.1")
        assert _error(form, "exceed_margin") == ""
        form.query_one("#field-kind", Select).value = "reach"
        await pilot.pause()
        assert "only increase and decrease goals" in _error(form, "exceed_margin")
