"""What a new user trips over at 80x24 over SSH: footer keys, typed-ahead keys, NO_COLOR, help,
the palette, the meeting view's keys, the history and metric tables."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual import events
from textual.command import CommandPalette
from textual.widgets import DataTable, Input, SelectionList, Static

from conftest import make_app, settle
from cxtui.models import Flag
from cxtui.demo.sample_company import ANCHOR
from cxtui.tui.screens.checkin import CheckinRow, CheckinScreen
from cxtui.tui.screens.conflicts import ConflictsScreen
from cxtui.tui.screens.editors import GoalEditor
from cxtui.tui.screens.help import HelpScreen
from cxtui.tui.screens.history import HistoryScreen
from cxtui.tui.screens.meeting import MeetingScreen
from cxtui.tui.screens.metric_detail import MetricScreen
from cxtui.tui.widgets.score_list import ScoreList
from cxtui.tui.widgets.ticklist import TICKED, UNTICKED, TickList


def footer_keys(app) -> dict[str, tuple[int, int]]:
    """Key -> (left, right) columns of each key the footer shows (the palette key excluded)."""
    return {
        key.key: (key.region.x, key.region.right)
        for key in app.screen.query("FooterKey")
        if not key.has_class("-command-palette")
    }


def palette_left(app) -> int:
    return min(key.region.x for key in app.screen.query("FooterKey.-command-palette"))


async def type_ahead(app, pilot, *keys: str) -> None:
    """Deliver keys the way a slow SSH link does: all queued before the app handles the first."""
    for key in keys:
        char = key if len(key) == 1 else {"enter": "\r", "tab": "\t"}.get(key)
        app.post_message(events.Key(key, char))
    await settle(app, pilot)


@pytest.mark.parametrize(
    "keys, expected",
    [
        ([], {"c", "x", "n", "e", "q", "f1"}),
        (["x"], {"f", "d", "n", "escape", "q", "f1"}),
        (["w"], {"right", "left", "l", "escape", "q", "f1"}),
        (["h"], {"d", "u", "o", "escape", "q", "f1"}),
        (["c"], {"ctrl+s", "escape", "f1"}),
    ],
    ids=["scorecard", "conflicts", "meeting", "history", "checkin"],
)
async def test_the_main_keys_fit_the_footer_at_80_columns(app, keys, expected):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        shown = footer_keys(app)
        assert set(shown) == expected
        # Every one is whole on screen, left of the palette key.
        assert max(right for _, right in shown.values()) <= palette_left(app)


async def test_enter_typed_ahead_lands_in_the_next_field(app, store):
    """Over SSH several keys arrive in one read; Enter must move on before the next digit lands."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, CheckinScreen)
        await type_ahead(app, pilot, *"1432", "enter", "8", "enter", *"ok", "enter", "9")
        first, second = list(app.screen.query(CheckinRow))[:2]
        assert first.texts() == ("1432", "8", "ok")
        assert second.texts()[0] == "9"


async def test_tab_typed_ahead_lands_in_the_next_field(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, GoalEditor)
        form.query_one("#field-title", Input).focus()
        await pilot.pause()
        await type_ahead(app, pilot, *"Fewer returns", "tab", "tab", "tab", *"12")
        assert form.query_one("#field-title", Input).value == "Fewer returns"
        assert form.query_one("#field-baseline", Input).value == "12"


async def test_checkin_says_how_enter_moves(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        hint = str(app.screen.query_one("#hint", Static).render())
        assert "value → confidence → note → next row" in hint
        assert app.screen.query_one("#hint").region.bottom <= 23  # on screen, above the footer


async def test_checkin_over_several_departments_heads_each(store_path, store):
    # An admin who leads nothing: every department is offered.
    store.update(store.settings().model_copy(update={"admins": ["kim", "omar", "nobody"]}))
    app = make_app(store_path, user="nobody")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        # One heading per department in each part (due this period, then not due).
        parts: list[list[str]] = [[]]
        for heading in app.screen.query("#rows .department, #rows .part"):
            if heading.has_class("part"):
                parts.append([])
            else:
                parts[-1].append(str(heading.render()))
        assert len(parts) == 2 and len(parts[0]) > 1
        assert all(len(set(part)) == len(part) for part in parts)
        # Rows no longer repeat the department in the (narrow) metric column.
        for row in app.screen.query(CheckinRow):
            assert row.line.department.name not in str(row.query_one(".metric").render())


async def test_no_color_shows_ticks_and_statuses_in_words(store_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads it when the app is created
    app = make_app(store_path)
    async with app.run_test(size=(120, 40)) as pilot:  # tall enough for goals of every status
        await settle(app, pilot)
        assert app.no_color
        screen_text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        for word in ("✔ achieved", "● on track", "▲ at risk", "▼ off track"):
            assert word in screen_text
        await pilot.press("n")
        await settle(app, pilot)
        supports = app.screen.query_one("#field-objectives", SelectionList)
        assert isinstance(supports, TickList)
        supports.select("O-2")
        await pilot.pause()
        lines = [supports.render_line(y).text for y in range(supports.option_count)]
        assert lines[1].startswith(TICKED) and "O-2" in lines[1]
        assert all(line.startswith(UNTICKED) for n, line in enumerate(lines) if n != 1)
        # And the same on the real, monochrome screen.
        screen_text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert f"{TICKED} O-2" in screen_text and f"{UNTICKED} O-1" in screen_text


async def test_help_lists_screen_keys_then_everywhere_once(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = [str(k.render()) for k in app.screen.query(".key")]
        assert keys.count("c") == 1 and "F1 / ?" in keys and "w" in keys and "tab" in keys
        await pilot.press("escape")
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_palette_lists_navigation(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)
        titles = [c.title for c in app.get_system_commands(app.screen_stack[1])]
        for title in ("Meeting (w)", "History (h)", "Check-in (c)", "Conflicts (x)", "Export (e)"):
            assert title in titles
        # Textual's own commands stay, except those cxtui has its own of: one Quit, no keys panel.
        assert [t for t in titles if t.startswith("Quit")] == ["Quit (q)"]
        assert "Theme" in titles and "Keys" not in titles


async def test_meeting_arrows_move_and_changes_come_from_a_worker(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("w")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MeetingScreen)
        await settle(app, pilot)
        first = screen.position
        page = str(screen.query_one("#page", Static).render())
        assert "working it out" not in page and "since 2026-11-09" in page
        await pilot.press("right")
        await settle(app, pilot)
        assert screen.position == (first + 1) % len(app.board.scorecard.departments)
        await pilot.press("left", "left")
        await settle(app, pilot)
        assert screen.position == (first - 1) % len(app.board.scorecard.departments)


async def test_meeting_page_while_changes_are_worked_out():
    from cxtui.demo.sample_company import load_sample
    from cxtui.tui.read_model import Board
    from cxtui.tui.screens.meeting import changes_since, meeting_page

    sample = load_sample()
    board = Board.build(sample, ANCHOR, "kim")
    since = ANCHOR - timedelta(days=7)
    waiting = meeting_page(board, 0, since, None).plain
    assert "working it out" in waiting
    done = meeting_page(board, 0, since, changes_since(board, sample, since)).plain
    assert "working it out" not in done


async def test_history_table_is_readable_and_says_what_it_reads(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("h")
        await settle(app, pilot)
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one(DataTable)
        widths = [column.get_render_width(table) for column in table.columns.values()]
        assert min(widths) > 3, widths  # not collapsed to one character
        assert "changes, newest first" in str(app.screen.query_one("#history-note", Static).render())


async def test_history_reads_a_page_at_a_time_and_says_so(app, monkeypatch):
    from cxtui.tui.screens import history

    monkeypatch.setattr(history, "PAGE", 5)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("h")
        await settle(app, pilot)
        note = str(app.screen.query_one("#history-note", Static).render())
        assert "The newest 5 changes" in note and "o reads older ones" in note
        table = app.screen.query_one(DataTable)
        assert table.row_count == 5
        newest = table.get_row_at(0)
        table.move_cursor(row=3)
        await pilot.press("o")
        await settle(app, pilot)
        assert table.row_count == 10 and table.get_row_at(0) == newest and table.cursor_row == 3
        while app.screen.older is not None:
            await pilot.press("o")
            await settle(app, pilot)
        note = str(app.screen.query_one("#history-note", Static).render())
        assert note.startswith(f"All {table.row_count} changes")


async def test_metric_table_is_readable(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        scores = app.screen.query_one(ScoreList)
        scores.highlighted = scores.get_option_index("goal:G-1")
        await pilot.press("i")
        await settle(app, pilot)
        assert isinstance(app.screen, MetricScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count > 0
        widths = [column.get_render_width(table) for column in table.columns.values()]
        assert min(widths) > 3, widths


async def test_a_flagged_finding_cannot_be_flagged_twice(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        finding = screen._finding()
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        assert [f for f in store.list(Flag) if f.finding == finding.id]
        assert screen._finding().id == finding.id
        assert screen.check_action("flag", ()) is False
        assert "f" not in footer_keys(app)
        assert "⚑ flagged (open)" in str(screen.query_one("#conflicts").highlighted_option.prompt)
        await pilot.press("f")  # does nothing now
        await settle(app, pilot)
        assert len([f for f in store.list(Flag) if f.finding == finding.id]) == 1


async def test_user_text_in_selects_is_literal_and_searchable(store_path, store):
    from textual.widgets import Select

    from cxtui.models import Department

    store.update(store.get(Department, "sales").model_copy(update={"name": "[bold]Sales[/]"}))
    app = make_app(store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        select = app.screen.query_one("#field-department", Select)
        select.focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"[bold")
        await pilot.press("enter")
        await pilot.pause()
        assert select.value == "sales"
        screen_text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "[bold]Sales[/]" in screen_text


def test_history_names_the_reading():
    from datetime import datetime, timezone

    from cxtui.models import AuditEntry
    from cxtui.tui.screens.history import summary

    entry = AuditEntry.model_validate({
        "at": datetime(2026, 11, 16, tzinfo=timezone.utc), "by": "kim", "action": "add", "entity": "reading",
        "entity_id": "R-1", "id": "A-1", "tx": "T-1", "before": None,
        # An audit entry holds the whole record it left behind.
        "after": {"id": "R-1", "metric": "nps", "value": 42.0, "date": "2026-11-16", "department": "sales",
                  "recorded_by": "kim", "recorded_at": "2026-11-16T09:00:00Z"},
    })
    assert summary(entry) == "nps 42 on 2026-11-16 (sales)"


async def test_q_quits_from_the_problem_screen(store_path):
    from cxtui.tui.screens.problem import ProblemScreen

    store_path.write_text("{ not json")
    app = make_app(store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ProblemScreen)
        assert "q" in footer_keys(app)  # its hint says "q: quit", and the footer agrees
        await pilot.press("q")
        await pilot.pause()
        # Quitting while the store cannot be used is a failure (issue 12): `cxtui` exits 1 naming it.
        assert app.return_code == 1 and "damaged" in app.return_value


def _screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_the_first_screen_at_80x24_shows_every_department_and_objective(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        text = _screen_text(app)
        for department in app.board.snapshot.departments:
            assert department.name in text
        for objective in app.board.snapshot.objectives:
            assert objective.title[:30] in text
        sales = next(line for line in text.splitlines() if line.strip().startswith("Sales "))
        card = next(c for c in app.board.scorecard.departments if c.department.id == "sales")
        assert f"⚑{len(card.findings) + len(card.flags)}" in sales and "yours" in sales


async def test_enter_on_a_department_at_a_glance_shows_its_detail(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        scores = app.screen.query_one(ScoreList)
        scores.highlighted = scores.get_option_index("glance:finance")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.department == "finance"
        assert not [o for o in scores.options if (o.id or "").startswith("glance:")]
        goals = [o.id for o in scores.options if (o.id or "").startswith("goal:")]
        assert goals and all(app.board.goals[g.split(":", 1)[1]].department == "finance" for g in goals)
