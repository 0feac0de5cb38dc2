"""The one path from the TUI to the store: a job and its typed completion.

A screen never touches the store. It submits a `Job` to the app (`app.submit(owner, job)`): `run`
is called with the `Store` in a worker thread under the app's store lock; then, back on the UI
thread, `done` gets its result, or `failed` a `JobFailure` (one line, worded by the app's one error
handler). Both arrive as a message to `owner`, so a screen closed in the meantime gets nothing and
nothing touches its widgets. A failure with no `failed` of its own is shown as a notification.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from textual.message import Message

T = TypeVar("T")


@dataclass(frozen=True)
class JobFailure:
    """Why a job did not do its work, in one line fit to show. `stale`: someone saved the record
    since it was read (reload it); `field`: the form field the refusal names, when it names one."""

    message: str
    stale: bool = False
    field: str | None = None


@dataclass(frozen=True)
class Job(Generic[T]):
    run: Callable[[Any], T]  # (store) -> result, in a worker thread: use only the store and captured values
    done: Callable[[T], None] = lambda _result: None
    failed: Callable[[JobFailure], None] | None = None
    # After a successful job the board is read again before `done` runs, so the screen the user
    # returns to already shows the change; reads pass False.
    reload: bool = True


class JobFinished(Message):
    """Posted to the job's owner when its job has finished; `JobOwner` hands it to the callbacks."""

    bubble = False

    def __init__(self, job: Job[Any], result: Any, failure: JobFailure | None) -> None:
        super().__init__()
        self.job = job
        self.result = result
        self.failure = failure


class JobOwner:
    """Mixed into a screen (or the app) that submits jobs: delivers their completions."""

    def on_job_finished(self, message: JobFinished) -> None:
        message.stop()
        job = message.job
        if message.failure is None:
            job.done(message.result)
        elif job.failed is not None:
            job.failed(message.failure)
        else:
            self.app.notify(message.failure.message, title="Not done", severity="error", timeout=10)  # type: ignore[attr-defined]
