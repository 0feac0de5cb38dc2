"""A job's failure is told in the words of the one describer the CLI uses too (runtime/describe.py):
the TUI adds only that any ValueError a job raises is a refusal told by its message."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from conftest import settle
from cxtui.store import StaleRecord
from cxtui.tui.jobs import Job, JobFailure, JobOwner


class Asker(JobOwner, Static):
    def __init__(self) -> None:
        super().__init__()
        self.failures: list[JobFailure] = []

    def ask(self, run) -> None:
        self.app.submit(self, Job(run, lambda _result: None, self.failures.append))


STALE = StaleRecord("goal", "G-1", "kim", None, 3)


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (PermissionError(13, "Permission denied", "/srv/cx/store.json"), JobFailure("/srv/cx/store.json: Permission denied")),
        (ValueError("status: a dismissed flag can move to open, not resolved"),
         JobFailure("status: a dismissed flag can move to open, not resolved")),
        (STALE, JobFailure("goal G-1 was changed by kim (now version 3); reload it and apply your change again",
                           stale=True)),
        (KeyError("goals"), JobFailure("unexpected KeyError: 'goals' (set CXTUI_DEBUG=1 to see where)")),
    ],
)
async def test_a_failed_job_is_told_as_the_cli_would_tell_it(app, error, failure):
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        asker = Asker()
        await app.screen.mount(asker)

        def job(store):
            raise error

        asker.ask(job)
        await settle(app, pilot)
        assert asker.failures == [failure]
