"""Messages from the app's own workers to the UI: a fresh board, who else is here, a store that
cannot be used. (A screen's store work answers through jobs.py.)"""

from __future__ import annotations

from textual.message import Message

from cxtui.tui.read_model import Board


class BoardLoaded(Message):
    """A fresh read of the store (or a recomputation for another as-of date)."""

    def __init__(self, board: Board, seq: int) -> None:
        super().__init__()
        self.board = board
        self.seq = seq  # reads are numbered so a late, older read never replaces a newer one


class FilesChanged(Message):
    """The store's files changed (store/watch.py): time to compare the change token."""


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
