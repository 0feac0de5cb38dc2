"""Check-in traps a lead fell into (issue 16): keys typed ahead of a slow link, Esc throwing rows
away, metrics not due yet, backdating out of reach, a user who leads nothing."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import make_app, settle
from textual import events
from textual.widgets import Input, Static

from cxtui.demo.sample_company import ANCHOR
from cxtui.tui.screens.checkin import NOT_A_LEAD, CheckinRow, CheckinScreen
from cxtui.tui.screens.dialogs import ConfirmScreen
from cxtui.tui.screens.help import HelpScreen


def burst(app, keys: list[str]) -> None:
    """Post every key at once, as a slow SSH link delivers a packet of them: none is handled
    before the next has arrived. "alt+x" is how a terminal reports Esc then x in one packet."""
    for key in keys:
        character = key if len(key) == 1 else key[-1] if key.startswith("alt+") else None
        app.post_message(events.Key(key, character))


def field(screen, row: int, name: str) -> Input:
    return list(screen.query(CheckinRow))[row].query_one(f".{name}", Input)


@pytest.mark.parametrize("typed", ["4", "42", "1432.5", "1.25e3"])
async def test_keys_typed_right_behind_c_land_in_the_first_value_field(app, typed):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        burst(app, ["c", *typed])
        await settle(app, pilot)
        assert isinstance(app.screen, CheckinScreen)
        assert field(app.screen, 0, "value").value == typed
        assert app.screen.query_one("#date", Input).value == ANCHOR.isoformat()


async def test_a_whole_row_typed_in_one_burst_is_saved_as_typed(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        before = len(store.readings(metric="new_bookings", department="sales"))
        burst(app, ["c", *"1432.5", "enter", "9", "enter", *"ok", "ctrl+s"])
        await settle(app, pilot)
        assert not isinstance(app.screen, CheckinScreen)
        readings = store.readings(metric="new_bookings", department="sales")
        assert len(readings) == before + 1
        assert (readings[-1].value, readings[-1].confidence, readings[-1].note) == (1432.5, 9, "ok")


async def test_a_correction_typed_in_the_burst_is_applied_where_it_was_typed(app, store):
    """Textual ran backspace only once the key had reached the app, so "42⌫5" in one packet saved 42."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        before = len(store.readings(metric="new_bookings", department="sales"))
        burst(app, ["c", *"42", "backspace", "5", "enter", "9", "enter", *"of", "left", "k", "ctrl+s"])
        await settle(app, pilot)
        assert not isinstance(app.screen, CheckinScreen)
        readings = store.readings(metric="new_bookings", department="sales")
        assert len(readings) == before + 1
        assert (readings[-1].value, readings[-1].confidence, readings[-1].note) == (45, 9, "okf")


@pytest.mark.parametrize(("keys", "value"), [
    (["4", "2", "backspace", "5"], "45"),
    ([*"hello", "ctrl+u", *"q3.xlsx"], "q3.xlsx"),
    ([*"abc", "left", "left", "x"], "axbc"),
    ([*"12", "home", "9", "end", "0"], "9120"),
    ([*"2026-01-05", "backspace", "backspace", *"12"], "2026-01-12"),
    ([*"one two", "ctrl+w", *"three"], "one three"),
])
async def test_a_text_field_applies_a_burst_of_keys_in_order(keys, value):
    from textual.app import App

    from cxtui.tui.widgets.text_field import TextField

    class OneField(App):
        def compose(self):
            yield TextField(id="field")

    app = OneField()
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, keys)
        await pilot.pause()
        await pilot.pause()
        assert app.query_one("#field", TextField).value == value


async def test_letters_that_open_screens_are_letters_in_a_field(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("1", "enter", "5", "enter", *"check xhsw")
        await settle(app, pilot)
        assert isinstance(app.screen, CheckinScreen)
        assert field(app.screen, 0, "note").value == "check xhsw"


async def test_esc_with_typed_rows_asks_before_throwing_them_away(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        before = len(store.readings())
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press(*"42", "enter", "7")
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "1 typed row" in app.screen.question
        await pilot.press("n")  # keep typing
        await settle(app, pilot)
        assert isinstance(app.screen, CheckinScreen)
        assert (field(app.screen, 0, "value").value, field(app.screen, 0, "confidence").value) == ("42", "7")
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert not isinstance(app.screen, (CheckinScreen, ConfirmScreen))
        assert len(store.readings()) == before


async def test_esc_with_nothing_typed_leaves_at_once(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, (CheckinScreen, ConfirmScreen))


async def test_metrics_not_due_are_offered_below_the_due_ones(store_path, store):
    # A new month has begun: Sales' metrics are due again, but new bookings was read already.
    store.record("new_bookings", 1200, department="sales", date=date(2026, 12, 1))
    app = make_app(store_path, as_of=date(2026, 12, 2))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        rows = list(app.screen.query(CheckinRow))
        sales_metrics = {g.metric for g in app.board.snapshot.goals if g.department == "sales"}
        assert {r.line.metric.id for r in rows} == sales_metrics
        flags = [r.line.due for r in rows]
        assert flags == sorted(flags, reverse=True) and True in flags and False in flags
        assert next(r for r in rows if r.line.metric.id == "new_bookings").line.due is False
        assert len(app.screen.query("#rows .part")) == 1
        # A not-due row can be typed in and saved like any other.
        not_due = next(r for r in rows if not r.line.due)
        not_due.query_one(".value", Input).focus()
        await pilot.press(*"55")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, CheckinScreen)
        assert store.readings(metric=not_due.line.metric.id, department="sales")[-1].value == 55


async def test_the_reading_date_is_one_key_away_and_in_help(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("4", "0", "ctrl+t")
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#date", Input)
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "backdating" in "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_a_user_who_leads_nothing_learns_it_before_typing(store_path):
    app = make_app(store_path, user="nobody")  # neither a lead nor an admin
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, CheckinScreen)
        assert not app.screen.query(Input)
        assert str(app.screen.query_one("#intro", Static).render()) == NOT_A_LEAD.format(user="nobody")
        assert app.screen.check_action("save", ()) is False
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, CheckinScreen)


async def test_every_field_stays_whole_at_60x20(app):
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        fields = list(app.screen.query(Input))
        assert len(fields) >= 4
        for field_ in fields:
            region = field_.region
            assert region.width >= 5 and region.right <= 60, (field_, region)
        await pilot.press("escape", "w")
        await settle(app, pilot)
        await pilot.press("l")  # the meeting's one field: the date of the last meeting
        await settle(app, pilot)
        answer = app.screen.query_one("#answer", Input)
        assert answer.region.width >= 10 and answer.region.right <= 60


@pytest.mark.parametrize(("start", "screen_name"), [("h", "ConflictsScreen"), ("w", "ConflictsScreen"), (None, "ConflictsScreen")])
async def test_esc_then_a_key_in_one_packet_is_esc_then_the_key(app, start, screen_name):
    """A terminal sends Esc followed at once by x as Alt+x: both keys must still act."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        if start:
            await pilot.press(start)
            await settle(app, pilot)
        burst(app, ["alt+x"])
        await settle(app, pilot)
        assert type(app.screen).__name__ == screen_name
        assert len(app.screen_stack) == 3  # scorecard, then conflicts: Esc went back first
