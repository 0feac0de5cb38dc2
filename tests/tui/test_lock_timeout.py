"""The TUI waits for the store's lock as long as CXTUI_LOCK_TIMEOUT says, read once into the run's
options (runtime/options.py) like the CLI's, and then shows the problem instead of hanging."""

from __future__ import annotations

import fcntl

from conftest import settle
from cxtui.runtime.options import Options
from cxtui.tui.app import create_app
from cxtui.tui.screens.problem import ProblemScreen


async def test_a_store_locked_past_cxtui_lock_timeout_shows_the_problem(store_path):
    options = Options.read(store_path, environ={"CXTUI_LOCK_TIMEOUT": "0.2"})
    app = create_app(options, cursor_blink=False)
    with open(str(store_path) + ".lock", "a") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        async with app.run_test(size=(100, 24)) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, ProblemScreen)
            assert "stayed locked by another cxtui process for 0.2 s" in app.screen.problem
