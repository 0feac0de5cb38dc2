"""The TUI opens and shows a store holding records from before the input bounds: a deadline of
9999-12-31, values near ±1.7e308, a 64-bit id number (they broke the scorecard for everyone)."""

from __future__ import annotations

from conftest import goal_line, make_app, scorecard_text, settle
from cxtui.models import STORED, Goal, Metric, Reading, utcnow
from cxtui.store import NEW_ID


def _old(cls, **fields):
    return cls.model_validate(fields, context=STORED)


async def test_scorecard_shows_records_at_the_edges(store_path, store):
    department = store.snapshot().departments[0].id
    store.add(Metric(id="wide", name="Wide"))
    store.add_many([
        _old(Goal, id="G-18446744073709551615", department=department, title="Forever", metric="wide",
             kind="increase", baseline=-1.7e308, target=1.7e308, start="0001-01-01", deadline="9999-12-31"),
        *(_old(Reading, id=NEW_ID, metric="wide", department=department, date=day, value=value, recorded_by="omar",
               recorded_at=utcnow()) for day, value in (("2026-10-01", 1.7e308), ("2026-11-01", -1.7e308))),
    ])
    app = make_app(store_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert "Forever" in scorecard_text(app)
        assert goal_line(app, "G-18446744073709551615")


def test_typed_dates_are_plain_iso_inside_the_window():
    from cxtui.tui.screens.scorecard import parse_day

    assert [parse_day(t) for t in ("20260101", "2026-W01-1", "9999-12-31", "٢٠٢٦-01-01")] == [None] * 4
    assert str(parse_day(" 2026-01-01 ")) == "2026-01-01"


async def test_metric_editor_saves_a_scale_bounded_on_one_side(store_path, store):
    from textual.widgets import Input

    from cxtui.models import Metric
    from cxtui.tui.screens.editors import MetricEditor

    app = make_app(store_path, user="omar")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("M")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, MetricEditor)
        for field, text in (("name", "Handle time"), ("scale_min", "0")):
            box = form.query_one(f"#field-{field}", Input)
            box.focus()
            box.value = ""
            await pilot.press(*text)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert str(store.get(Metric, "handle-time").scale) == "at least 0"
