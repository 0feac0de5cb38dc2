"""Check-in: what was typed is what is saved, invalid input saves nothing, and it is fast."""

from __future__ import annotations

from datetime import date

from conftest import goal_line, make_app, settle
from textual.widgets import Input, Static

from cxtui.demo.sample_company import ANCHOR
from cxtui.tui.screens.checkin import CheckinRow, CheckinScreen


async def test_checkin_saves_exactly_what_was_typed(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        before = len(store.readings(metric="new_bookings", department="sales"))
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, CheckinScreen)
        first = app.screen.query(CheckinRow).first()
        assert first.line.metric.id == "new_bookings"
        await pilot.press(*"1432.5", "enter", "9", "enter", *"Fair week", "ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, CheckinScreen)
        readings = store.readings(metric="new_bookings", department="sales")
        assert len(readings) == before + 1
        saved = readings[-1]
        assert (saved.value, saved.confidence, saved.note, saved.date, saved.recorded_by) == (
            1432.5, 9, "Fair week", ANCHOR, "kim",
        )
        # The scorecard already shows the new latest value.
        assert "→1,432→" in goal_line(app, "G-1") or "→1,433→" in goal_line(app, "G-1")


async def test_invalid_input_shows_the_reason_and_saves_nothing(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        before = len(store.readings())
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press(*"12x", "enter", *"11")
        await pilot.pause()
        row = app.screen.query(CheckinRow).first()
        message = str(row.query_one(".field-error", Static).render())
        assert "must be a number" in message
        assert "confidence" in message
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CheckinScreen)
        assert "nothing was saved" in str(app.screen.query_one("#status", Static).render())
        assert len(store.readings()) == before


async def test_value_outside_the_scale_is_refused(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        rows = list(app.screen.query(CheckinRow))
        discount = next(r for r in rows if r.line.metric.id == "discount_rate")
        discount.query_one(".value", Input).focus()
        await pilot.press(*"150")
        await pilot.pause()
        assert "outside the scale" in str(discount.query_one(".field-error", Static).render())


async def test_five_readings_with_confidence_in_few_keystrokes(store_path, store):
    """The issue's target: 5 readings with confidence in at most 30 keystrokes beyond digits."""
    # An admin who leads no department, at the start of a new month: many metrics are due.
    store.update(store.settings().model_copy(update={"admins": ["kim", "omar", "nobody"]}))
    app = make_app(store_path, user="nobody", as_of=date(2026, 12, 1))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        before = len(store.readings())
        keys = ["c"]
        await pilot.press("c")
        await settle(app, pilot)
        rows = list(app.screen.query(CheckinRow))
        assert len(rows) >= 5
        values = []
        for n, row in enumerate(rows[:5]):
            scale = row.line.metric.scale
            value = str(int(scale.min + 1)) if scale else "7"
            values.append(value)
            per_row = [*value, "enter", str(n + 3), "enter", "enter"]
            keys += per_row
            await pilot.press(*per_row)
        keys.append("ctrl+s")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        beyond_digits = [k for k in keys if not k.isdigit()]
        assert len(beyond_digits) <= 30, beyond_digits
        new = store.readings()[before:]
        assert [(r.metric, r.department, r.confidence) for r in new] == [
            (row.line.metric.id, row.line.department.id, n + 3) for n, row in enumerate(rows[:5])
        ]
        assert [r.value for r in new] == [float(v) for v in values]
