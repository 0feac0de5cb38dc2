"""Fixtures for the TUI tests: a store holding the sample company, and an app over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxtui.demo.sample_company import ANCHOR, load_sample
from cxtui.store import Store
from cxtui.runtime.options import Options
from cxtui.tui.app import CxtuiApp, create_app

USER = "kim"  # leads Sales in the sample company


def fill(store: Store) -> None:
    """Every record of the sample company, parents before the records that name them."""
    sample = load_sample()
    store.add_many(
        [
            *sample.departments,
            *sample.metrics,
            *sample.objectives,
            *sample.goals,
            *sample.incentives,
            *sample.tensions,
            *sample.links,
            *sample.initiatives,
            *sample.flags,
            *sample.readings,
        ]
    )


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store.json"
    store = Store.init(path, user=USER)
    fill(store)
    # omar (who leads Finance) is also an admin, so tests can change any record from his session.
    store.update(store.settings().model_copy(update={"admins": [USER, "omar"]}))
    return path


@pytest.fixture
def store(store_path: Path) -> Store:
    """A second handle on the same store, as another process would have (user 'omar')."""
    return Store(store_path, user="omar")


def make_app(path: Path, **kwargs) -> CxtuiApp:
    kwargs.setdefault("user", USER)
    kwargs.setdefault("as_of", ANCHOR)
    kwargs.setdefault("poll_interval", 0.2)
    app = create_app(Options(store_path=path, user=kwargs.pop("user", None)), cursor_blink=False, **kwargs)
    app.animation_level = "none"
    return app


@pytest.fixture
def app(store_path: Path, tmp_path: Path) -> CxtuiApp:
    app = make_app(store_path)
    app.export_dir = tmp_path
    return app


async def settle(app, pilot) -> None:
    """Let workers finish and their messages land."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def scorecard_text(app) -> str:
    """Everything the scorecard list shows, as plain text."""
    from cxtui.tui.widgets.score_list import ScoreList

    scores = app.screen_stack[1].query_one(ScoreList)
    return "\n".join(str(scores.get_option_at_index(i).prompt) for i in range(scores.option_count))


def goal_line(app, goal_id: str) -> str:
    from cxtui.tui.widgets.score_list import ScoreList

    scores = app.screen_stack[1].query_one(ScoreList)
    return str(scores.get_option(f"goal:{goal_id}").prompt)
