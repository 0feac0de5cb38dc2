"""Messages that carry results of store work from worker threads back to the UI."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from cxtui.tui.board import Board


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
    """The store could not be opened or read at all (missing, corrupt, too new)."""

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
