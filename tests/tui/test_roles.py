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


async def test_an_admin_sets_weights_and_admins_in_the_tui(store_path, store):
    from textual.widgets import Input, Static

    from cxtui.tui.screens.editors import SettingsEditor

    app = make_app(store_path)  # kim, an admin
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("A")
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsEditor)
        app.screen.query_one("#field-weight_goals", Input).value = "0.4"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsEditor)  # refused: the weights sum to 1.1
        assert "sum to 1 (they sum to 1.1)" in str(app.screen.query_one("#form-status", Static).render())
        app.screen.query_one("#field-weight_delivery", Input).value = "0.2"
        app.screen.query_one("#field-admins", Input).value = "kim, omar, sofia"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ScorecardScreen)
        settings = store.settings()
        assert (settings.weights.goals, settings.weights.delivery, settings.admins) == (0.4, 0.2, ["kim", "omar", "sofia"])
        assert store.audit(entity="settings")[-1].by == "kim"


async def test_a_lead_is_told_settings_are_for_admins(store_path):
    app = make_app(store_path, user="marco")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("A")
        await settle(app, pilot)
        assert isinstance(app.screen, ScorecardScreen)
        assert _said(app, "only admins (kim, omar) may update the settings; marco is not one")


async def test_ctrl_z_undoes_your_own_last_change_after_naming_it(store_path, store):
    from cxtui.models import Goal
    from cxtui.store import Store
    from cxtui.tui.screens.dialogs import ConfirmScreen

    kim = Store(store_path, user="kim")
    old = kim.get(Goal, "G-1")
    kim.update(old.model_copy(update={"target": old.target + 100}))
    store.update(store.get(Goal, "G-2").model_copy(update={"title": "omar's later change"}))  # not kim's
    app = make_app(store_path)  # kim
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert f"changed goal G-1 '{old.title}': target" in app.screen.question
        await pilot.press("n")
        await settle(app, pilot)
        assert store.get(Goal, "G-1").target == old.target + 100
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert store.get(Goal, "G-1").target == old.target
        assert store.get(Goal, "G-2").title == "omar's later change"
        assert _said(app, "Undone: changed goal G-1")
        assert store.audit(entity="goal", entity_id="G-1")[-1].reverts is not None


async def test_ctrl_z_with_nothing_to_undo_says_so(store_path):
    app = make_app(store_path, user="sofia")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert isinstance(app.screen, ScorecardScreen)
        assert _said(app, "You have no change left to undo.")


async def test_history_shows_old_to_new_and_undoes_the_highlighted_change(store_path, store):
    from textual.widgets import DataTable

    from cxtui.models import Goal
    from cxtui.tui.screens.dialogs import ConfirmScreen
    from cxtui.tui.screens.history import HistoryScreen

    old = store.get(Goal, "G-1")
    store.update(old.model_copy(update={"target": old.target + 5}))  # omar's change
    app = make_app(store_path)  # kim, an admin
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("h")
        await settle(app, pilot)
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one(DataTable)
        row = [str(c) for c in table.get_row_at(0)]
        assert f"target {old.target:g} → {old.target + 5:g}" in row
        await pilot.press("z")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen) and "by omar" in app.screen.question
        await pilot.press("y")
        await settle(app, pilot)
        assert store.get(Goal, "G-1").target == old.target
        assert _said(app, "Undone: changed goal G-1")
