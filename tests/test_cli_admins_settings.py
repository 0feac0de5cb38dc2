"""Admins and settings from the command line (issue 16 item 8): who the admins are, and the
alignment weights and conflict penalties the product promises are configurable, audited and
validated."""

from __future__ import annotations

import pytest

from cxtui.models import Settings
from cxtui.engine.scorecard import build_scorecard


def test_admins_are_listed_added_and_removed(seeded, cli, store):
    assert cli("admins").stdout.split() == ["tester"]
    added = cli("admins", "add", "omar")
    assert added.exit_code == 0, added.output
    assert "added admin omar; the admins are tester, omar" in added.stdout
    assert store.settings().admins == ["tester", "omar"]
    assert store.audit(entity="settings")[-1].after["admins"] == ["tester", "omar"]
    # The new admin may now do what only admins may.
    assert cli("admins", "remove", "tester", env={"CXTUI_USER": "omar"}).exit_code == 0
    assert store.settings().admins == ["omar"]


@pytest.mark.parametrize(("args", "user", "message"), [
    (("add", "tester"), "tester", "error: tester is an admin already"),
    (("remove", "kim"), "tester", "error: kim is not an admin; the admins are tester"),
    (("remove", "tester"), "tester", "error: tester is the only admin; add another before removing them"),
    (("add", "kim"), "kim", "error: only admins (tester) may update the settings; kim is not one"),
])
def test_admin_changes_refused_with_one_line(seeded, cli, store, args, user, message):
    before = store.settings()
    result = cli("admins", *args, env={"CXTUI_USER": user})
    assert result.exit_code == 1
    assert result.stderr.strip() == message
    assert store.settings() == before


def test_admins_needs_both_change_and_login(seeded, cli):
    result = cli("admins", "add")
    assert result.exit_code == 2 and "give both" in result.stderr


def test_settings_show_and_change_weights_and_penalties(seeded, cli, store):
    shown = dict(line.split() for line in cli("settings").stdout.splitlines())
    assert shown == {"weights.goals": "0.3", "weights.incentives": "0.3", "weights.delivery": "0.3",
                     "weights.conflicts": "0.1", "penalties.high": "25.0", "penalties.medium": "10.0",
                     "penalties.low": "2.0"}
    changed = cli("settings", "weights.goals", "0.4", "weights.delivery", "0.2", "penalties.high", "30")
    assert changed.exit_code == 0, changed.output
    assert changed.stdout.strip() == ("changed weights.goals 0.3 → 0.4, weights.delivery 0.3 → 0.2, "
                                      "penalties.high 25.0 → 30")
    settings = store.settings()
    assert (settings.weights.goals, settings.weights.delivery, settings.penalties["high"]) == (0.4, 0.2, 30)
    assert store.audit(entity="settings")[-1].by == "tester"
    # The scorecard uses them.
    card = build_scorecard(store.snapshot())
    assert card.departments and all(
        d.alignment.index is None or d.alignment.index == pytest.approx(_index(d.alignment, settings), abs=0.1)
        for d in card.departments)


def _index(alignment, settings: Settings) -> float:
    w = settings.weights
    parts = [(alignment.goals, w.goals), (alignment.incentives, w.incentives), (alignment.delivery, w.delivery),
             (alignment.conflicts, w.conflicts)]
    present = [(v, weight) for v, weight in parts if v is not None]
    return sum(v * weight for v, weight in present) / sum(weight for _, weight in present)


@pytest.mark.parametrize(("args", "message"), [
    (("weights.goals", "0.4"), "error: weights: goals, incentives, delivery and conflicts must sum to 1 (they sum to 1.1)"),
    (("weights.goals", "1.5", "weights.incentives", "-0.5"), "error: weights.goals: must be between 0 and 1 (got '1.5')"),
    (("penalties.high", "abc"), "error: penalties.high: must be a number (got 'abc')"),
    (("penalties.low", "101"), "error: penalties.low: must be between 0 and 100 points (got '101')"),
    (("colour", "red"), "error: unknown setting 'colour'; the settings are weights.goals, weights.incentives, "
                        "weights.delivery, weights.conflicts, penalties.high, penalties.medium, penalties.low"),
])
def test_bad_settings_are_refused_and_change_nothing(seeded, cli, store, args, message):
    before = store.settings()
    result = cli("settings", *args)
    assert result.exit_code == 1
    assert result.stderr.strip() == message
    assert store.settings() == before


def test_settings_change_is_for_admins(seeded, cli):
    result = cli("settings", "penalties.high", "30", env={"CXTUI_USER": "kim"})
    assert result.exit_code == 1
    assert "only admins (tester) may update the settings; kim is not one" in result.stderr
