"""The TUI never dies on an error (issue 12): a failure at start-up shows the problem screen and
quitting then exits 1; a failure later is told once; text from other users is shown, never obeyed."""

from __future__ import annotations

import re

import contextlib
import os

import pytest
from textual.geometry import Region
from textual.widgets import Static
from textual.worker import WorkerFailed

from conftest import make_app, settle
from cxtui.store import Store
from cxtui.tui.jobs import Job, JobOwner
from cxtui.tui.screens.problem import ProblemScreen
from cxtui.tui.widgets.also_here import PresenceBar
from cxtui.tui.widgets.title_bar import TitleBar


def shown(widget) -> str:
    """What the widget puts on the terminal, as text."""
    width, height = widget.size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OverflowError("int too large to convert"), "unexpected OverflowError: int too large to convert"),
        (RecursionError("maximum recursion depth exceeded"), "unexpected RecursionError: the data is nested too deeply"),
        (MemoryError(), "unexpected MemoryError: not enough memory"),
        (KeyError("goals"), "unexpected KeyError: 'goals'"),
        (TypeError("'NoneType' object is not subscriptable"), "unexpected TypeError: 'NoneType' object"),
    ],
)
async def test_an_unexpected_error_at_start_up_shows_the_problem_and_quitting_fails(
    store_path, monkeypatch, error, expected
):
    def snapshot(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(Store, "snapshot", snapshot)
    app = make_app(store_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ProblemScreen)
        assert expected in app.screen.problem
        assert app.is_running and app.return_code is None
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 1 and expected in app.return_value


@pytest.mark.skipif(os.getuid() == 0, reason="root reads any file, whatever its mode")
async def test_a_store_file_one_may_not_read_shows_the_problem(store_path):
    store_path.chmod(0)
    try:
        app = make_app(store_path)
        async with app.run_test(size=(100, 24)) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, ProblemScreen)
            assert "permission denied" in app.screen.problem.lower()
            await pilot.press("q")
            await pilot.pause()
        assert app.return_code == 1
    finally:
        store_path.chmod(0o600)


async def test_retrying_after_the_error_is_gone_shows_the_scorecard_and_quits_cleanly(store_path, monkeypatch):
    real = Store.snapshot

    def snapshot(self, *args, **kwargs):
        raise OverflowError("once")

    monkeypatch.setattr(Store, "snapshot", snapshot)
    app = make_app(store_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ProblemScreen)
        monkeypatch.setattr(Store, "snapshot", real)
        await pilot.press("r")
        await settle(app, pilot)
        assert not isinstance(app.screen, ProblemScreen) and app.board is not None
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_a_failure_after_start_up_is_told_once_and_the_app_carries_on(store_path, monkeypatch):
    app = make_app(store_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        board = app.board
        assert board is not None

        def change_token(self):
            raise KeyError("seq")

        monkeypatch.setattr(Store, "change_token", change_token)
        for _ in range(2):  # the same failure twice is told once
            worker = app._check_for_changes()  # what the poll timer starts
            with pytest.raises(WorkerFailed):
                await worker.wait()
            await pilot.pause()
        told = [n.message for n in app._notifications]
        assert told == ["unexpected KeyError: 'seq' (set CXTUI_DEBUG=1 to see where)"]
        assert app.is_running and app.board is board and not isinstance(app.screen, ProblemScreen)


class Asker(JobOwner, Static):
    """A widget that asks for a job and keeps the answers."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[str, str | None]] = []

    def ask(self, tag: str, run) -> None:
        self.app.submit(self, Job(run, lambda _result: self.answers.append((tag, None)),
                                  lambda failure: self.answers.append((tag, failure.message))))


async def test_a_failing_job_answers_with_an_error_instead_of_ending_the_app(app):
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        asker = Asker()
        await app.screen.mount(asker)

        def job(store):
            raise RecursionError("maximum recursion depth exceeded")

        asker.ask("probe", job)
        await settle(app, pilot)
        assert asker.answers == [
            ("probe", "unexpected RecursionError: the data is nested too deeply to read (set CXTUI_DEBUG=1 to see where)")
        ]
        assert app.is_running


HOSTILE = ("\x1b]0;PWNED\x07\x1b[2J\u202eravi", "[bold]x[/]", "a\x9bb\x7f")


async def test_other_users_names_are_shown_literally_with_no_control_characters(app):
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(app, pilot)
        app.others = HOSTILE
        await pilot.pause()
        text = shown(app.screen.query_one(PresenceBar))
        assert text.isprintable()
        assert "\\x1b]0;PWNED\\x07\\x1b[2J\\u202eravi" in text
        assert "[bold]x[/]" in text and "a\\x9bb\\x7f" in text


async def test_the_problem_screen_shows_file_text_literally(app):
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(app, pilot)
        app.push_screen(ProblemScreen("store file /tmp/\x1b[2J[red]x[/]\nstore.json is damaged"))
        await pilot.pause()
        text = shown(app.screen.query_one("#problem"))
        assert text.strip() == "store file /tmp/\\x1b[2J[red]x[/] store.json is damaged"


async def test_the_title_bar_names_who_really_acts(app):
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(app, pilot)
        # The TUI tests act as kim; only root may (tests/conftest.py), and the title bar says so.
        assert str(app.identity) == "root as kim"
        assert "user root as kim" in shown(app.screen.query_one(TitleBar))


async def test_notifications_show_error_text_literally(app):
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(app, pilot)
        app.screen.notify("no goal [bold]G-1[/] in /tmp/\x1b]0;x\x07.json", title="Not [i]saved[/]", severity="error")
        await pilot.pause()
        (told,) = list(app._notifications)
        assert (told.message, told.title, told.markup) == (
            "no goal [bold]G-1[/] in /tmp/\\x1b]0;x\\x07.json", "Not [i]saved[/]", False)


async def test_presence_failing_is_told_but_never_stops_the_app(store_path, monkeypatch):
    from cxtui.store import presence

    def others(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(store_path) + ".d/presence")

    monkeypatch.setattr(presence, "others", others)
    app = make_app(store_path)
    async with app.run_test(size=(100, 24)) as pilot:
        for _ in range(3):  # settle, waiting on every worker, the failed ones too
            for worker in list(app.workers):
                with contextlib.suppress(WorkerFailed):
                    await worker.wait()
            await pilot.pause()
        assert app.board is not None and not isinstance(app.screen, ProblemScreen)
        assert [n.message for n in app._notifications] == [f"{store_path}.d/presence: Permission denied"]


async def test_an_exception_inside_a_screens_job_shows_the_problem_and_the_app_keeps_running(app, monkeypatch):
    """A read a screen needs (the metric's whole history) raises something unexpected: the problem
    screen says what, in one line; once it is gone, r brings the scorecard back and keys work."""
    from cxtui.tui.screens.metric_detail import MetricScreen
    from cxtui.tui.widgets.score_list import ScoreList

    real = Store.readings

    def readings(self, *args, **kwargs):
        raise RuntimeError("disk on fire")

    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(Store, "readings", readings)
        scores = app.screen.query_one(ScoreList)
        scores.highlighted = scores.get_option_index("goal:G-1")
        await pilot.press("i")
        await settle(app, pilot)
        assert isinstance(app.screen, ProblemScreen)
        assert app.screen.problem == "unexpected RuntimeError: disk on fire (set CXTUI_DEBUG=1 to see where)"
        monkeypatch.setattr(Store, "readings", real)
        await pilot.press("r")
        await settle(app, pilot)
        assert app.is_running and not isinstance(app.screen, ProblemScreen)
        await pilot.press("x")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "ConflictsScreen"
        assert not isinstance(app.screen, MetricScreen)


async def test_an_exception_inside_the_apps_own_job_is_told_and_the_app_keeps_running(app, monkeypatch):
    """ctrl+z's job (find the last change) raises something unexpected: a notification in one line,
    no problem screen, and the next key works."""
    from cxtui.tui.screens.metric_detail import MetricScreen

    def last_change(self, *args, **kwargs):
        raise RuntimeError("disk on fire")

    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(Store, "last_change", last_change)
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        told = [n.message for n in app._notifications]
        assert told == ["unexpected RuntimeError: disk on fire (set CXTUI_DEBUG=1 to see where)"]
        assert app.is_running and not isinstance(app.screen, (ProblemScreen, MetricScreen))
        await pilot.press("h")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "HistoryScreen"


def test_only_the_apps_one_handler_knows_the_store_errors():
    """Screens and widgets get a JobFailure in words; the exceptions stay with the app's handler."""
    from pathlib import Path

    tui = Path(__file__).resolve().parents[2] / "cxtui" / "tui"
    knowing = [str(p.relative_to(tui)) for p in tui.rglob("*.py")
               if p.name != "app.py" and re.search(r"StoreError|StaleRecord|RuleViolation|WritesRefused", p.read_text())]
    assert knowing == []
