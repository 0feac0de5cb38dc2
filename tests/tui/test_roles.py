"""Roles on the scorecard (issue 16 item 6): a user learns what they may not change before filling
a form, in the store's own words, and keys that do nothing for them say why."""

from __future__ import annotations

import pytest
from conftest import make_app, settle

from cxtui.tui.screens.editors import GoalEditor
from cxtui.tui.screens.scorecard import ScorecardScreen


def _said(app, text: str) -> bool:
    return any(text in str(n.message) for n in app._notifications)


@pytest.mark.parametrize(("user", "key", "opens", "said"), [
    ("nobody", "n", False, "nobody leads no department, so may not create goals"),
    ("nobody", "I", False, "nobody leads no department, so may not create incentives"),
    ("nobody", "m", False, "nobody leads no department. d shows one department, or all."),
    ("marco", "O", False, "only admins (kim, omar) may add objectives; marco is not one"),
    ("marco", "M", False, "only admins (kim, omar) may add metrics; marco is not one"),
    ("marco", "D", False, "only admins (kim, omar) may add departments; marco is not one"),
    ("marco", "n", True, None),  # leads Sales
    ("kim", "O", True, None),  # an admin
])
async def test_forms_open_only_for_who_may_save_them(store_path, user, key, opens, said):
    app = make_app(store_path, user=user)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press(key)
        await settle(app, pilot)
        if opens:
            assert not isinstance(app.screen, ScorecardScreen)
        else:
            assert isinstance(app.screen, ScorecardScreen)
            assert _said(app, said)


async def test_a_lead_filtered_to_another_department_is_told_before_the_goal_form(store_path):
    app = make_app(store_path, user="marco")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.screen._set_department("finance")
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, ScorecardScreen)
        assert _said(app, "marco leads sales, not finance")
        app.screen._set_department("sales")
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, GoalEditor)
