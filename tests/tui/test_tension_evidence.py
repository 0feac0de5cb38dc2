"""The conflicts screen says whether the readings bear a tension out (issue 15)."""

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
