"""The evidence shown in the TUI (issue 15): tension findings say what their readings say, and goal
and objective cards name the links that feed them."""

from __future__ import annotations

from textual.widgets import OptionList

from conftest import make_app, settle
from cxtui.tui.screens.conflicts import ConflictsScreen


async def test_a_tension_finding_shows_what_its_readings_say(store_path):
    app = make_app(store_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        assert screen.measured_tensions[0] is app.board
        listing = screen.query_one(OptionList)
        texts = {listing.get_option_at_index(i).id: str(listing.get_option_at_index(i).prompt)
                 for i in range(listing.option_count) if listing.get_option_at_index(i).id}
        tension = [text for key, text in texts.items() if key.startswith("finding:tension:")]
        measured = [text for text in tension if "Evidence (" in text]
        assert measured, tension
        assert all(" changes): " in text and "causes" not in text for text in measured)
        others = [text for key, text in texts.items() if key.startswith("finding:") and "tension:" not in key]
        assert not any("Evidence (" in text for text in others)


async def test_goal_and_objective_cards_name_what_drives_them(store_path):
    from cxtui.tui.widgets.score_list import ScoreList

    app = make_app(store_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        scores = app.screen.query_one(ScoreList)
        prompt = {scores.get_option_at_index(i).id: str(scores.get_option_at_index(i).prompt)
                  for i in range(scores.option_count) if scores.get_option_at_index(i).id}
        assert "driven by Average handle time ✗ contradicted · First-contact resolution ✓ supported" in prompt[
            "goal:G-8"] or "driven by First-contact resolution ✓ supported · Average handle time ✗ contradicted" in prompt[
            "goal:G-8"]
        assert "driven by Customer satisfaction (CSAT) … too little data" in prompt["objective:O-5"]
        assert "driven by" not in prompt["goal:G-1"]


async def test_confidence_shows_beside_the_goal_and_a_disagreement_is_marked(store_path):
    from cxtui.tui.screens.meeting import MeetingScreen
    from cxtui.tui.widgets.score_list import ScoreList

    app = make_app(store_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        scores = app.screen.query_one(ScoreList)
        prompt = {scores.get_option_at_index(i).id: str(scores.get_option_at_index(i).prompt)
                  for i in range(scores.option_count) if scores.get_option_at_index(i).id}
        assert "confidence 3/10, down from 7 · ≠ on track, low confidence" in prompt["goal:G-7"]
        assert "confidence 8/10, up from 6 · ≠ off track, high confidence" in prompt["goal:G-13"]
        assert "confidence" not in prompt["goal:G-8"]
        await pilot.press("w")
        await settle(app, pilot)
        assert isinstance(app.screen, MeetingScreen)
        for _ in range(6):  # to Customer Service's page, wherever the meeting starts
            page = str(app.screen.query_one("#page").render())
            if page.startswith("CUSTOMER SERVICE"):
                break
            await pilot.press("n")
            await settle(app, pilot)
        assert "confidence 3/10, down from 7 · ≠ on track, low confidence" in page
