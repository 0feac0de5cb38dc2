"""Goal editor: create, edit, delete with confirmation, validation beside fields, stale saves."""

from __future__ import annotations

from textual.widgets import Input, Select, SelectionList, Static

from conftest import goal_line, settle
from cxtui.models import Goal, Metric
from cxtui.tui.screens.editors import GoalEditor, MetricEditor
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


def _error(screen, field: str) -> str:
    widget = screen.query_one(f"#error-{field}", Static)
    return str(widget.render()) if widget.display else ""


async def test_create_a_goal(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, GoalEditor)
        assert form.query_one("#field-department", Select).value == "sales"  # kim leads Sales
        await _type(pilot, form, "title", "Win back lapsed customers")
        form.query_one("#field-metric", Select).value = "retention_rate"
        await _type(pilot, form, "baseline", "76")
        await _type(pilot, form, "target", "150")
        await pilot.pause()
        assert "outside the scale" in _error(form, "target")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form  # invalid: nothing saved
        assert not [g for g in store.list(Goal) if g.title == "Win back lapsed customers"]
        await _type(pilot, form, "target", "80")
        await _type(pilot, form, "start", "2026-10-01")
        await _type(pilot, form, "deadline", "2027-03-31")
        form.query_one("#field-objectives", SelectionList).select("O-4")
        await pilot.pause()
        smart = str(form.query_one("#smart", Static).render())
        assert smart.count("✔ yes") == 5, smart
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, GoalEditor)
        [goal] = [g for g in store.list(Goal) if g.title == "Win back lapsed customers"]
        assert (goal.department, goal.metric, goal.baseline, goal.target, goal.objectives) == (
            "sales", "retention_rate", 76, 80, ["O-4"],
        )
        assert "Win back lapsed" in goal_line(app, goal.id)


async def test_edit_a_goal(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _edit_goal(app, pilot, "G-1")
        await _type(pilot, form, "title", "Book more, better")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        goal = store.get(Goal, "G-1")
        assert goal.title == "Book more, better" and goal.version == 2 and goal.updated_by == "kim"
        assert "Book more, better" in goal_line(app, "G-1")


async def test_delete_a_goal_asks_first(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        await _edit_goal(app, pilot, "G-3")
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("n")  # changed my mind
        await settle(app, pilot)
        assert store.find(Goal, "G-3") is not None
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert store.find(Goal, "G-3") is None
        assert store.audit(entity="goal", entity_id="G-3")[-1].action == "delete"


async def test_stale_save_says_who_and_offers_reload(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _edit_goal(app, pilot, "G-1")
        # Meanwhile omar changes the same goal from another session.
        store.update(store.get(Goal, "G-1").model_copy(update={"title": "Omar's title"}))
        await _type(pilot, form, "title", "Kim's title")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        status = str(form.query_one("#form-status", Static).render())
        assert "changed by omar" in status and "ctrl+r" in status
        assert store.get(Goal, "G-1").title == "Omar's title"
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert form.query_one("#field-title", Input).value == "Omar's title"
        await _type(pilot, form, "title", "Kim's title")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert store.get(Goal, "G-1").title == "Kim's title"


async def test_create_a_metric(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("M")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, MetricEditor)
        await _type(pilot, form, "name", "Returns rate")
        await _type(pilot, form, "scale_min", "10")
        await _type(pilot, form, "scale_max", "5")
        await pilot.pause()
        assert "min must be below max" in _error(form, "scale_min")
        await _type(pilot, form, "scale_max", "100")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        metric = store.get(Metric, "returns-rate")
        assert metric.scale.max == 100
