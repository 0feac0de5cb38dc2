"""Messages that carry results of store work from worker threads back to the UI."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from cxtui.runtime.describe import describe
from cxtui.runtime.options import debug_requested
from cxtui.store import StoreError
from cxtui.tui.read_model import Board

# With CXTUI_DEBUG=1 a worker's unexpected error ends the app with its traceback (Textual's default);
# otherwise no worker ever ends the app: the error is shown as one line (see CxtuiApp).
DEBUG = debug_requested()


def problem_of(exc: Exception) -> str:
    """The one line to show for `exc`. Call in an `except` block of a worker: with CXTUI_DEBUG=1 an
    error that is not the store's own is raised again, so its traceback is shown."""
    if DEBUG and not isinstance(exc, StoreError):
        raise exc
    return describe(exc)


class BoardLoaded(Message):
    """A fresh read of the store (or a recomputation for another as-of date)."""

    def __init__(self, board: Board, seq: int) -> None:
        super().__init__()
        self.board = board
        self.seq = seq  # reads are numbered so a late, older read never replaces a newer one


class PresenceSeen(Message):
    """Who else has the store open now (login names), from the heartbeat worker."""

    def __init__(self, users: tuple[str, ...]) -> None:
        super().__init__()
        self.users = users


class StoreUnavailable(Message):
    """The store could not be opened or read at all (missing, corrupt, too new, unreadable, or an
    unexpected error while reading it); `problem` is one line."""

    def __init__(self, problem: str) -> None:
        super().__init__()
        self.problem = problem


class JobDone(Message):
    """A store job finished. `error` is a one-line user message when it failed."""

    def __init__(self, tag: str, result: Any = None, error: str | None = None, exc: Exception | None = None):
        super().__init__()
        self.tag = tag
        self.result = result
        self.error = error
        self.exc = exc

    @property
    def ok(self) -> bool:
        return self.error is None
